"""The spam classifier: features, training, evaluation, persistence."""
