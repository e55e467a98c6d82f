"""Training data: loaders for every labelled set into one example schema."""
