"""Report models, HTML and charts: the only package that imports matplotlib (object API, PNG
bytes out, nothing written here)."""
