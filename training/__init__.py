"""Training half of newsstance: data loaders, the scikit-learn baseline and fine-tuning."""
