"""All SQL lives in this package: one module per table or aggregate."""
