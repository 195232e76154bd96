"""Layer 3, publishing: notebook runs as data, their execution with papermill, the rendered site."""
