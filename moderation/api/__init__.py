"""HTTP handlers, one module per audience. Handlers are thin: parse, call, shape."""
