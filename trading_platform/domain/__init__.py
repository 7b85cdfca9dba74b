"""Pure domain logic by stage (market, features, forecasting, inventory, selection, desk,
reporting): numpy, polars and numba maths; no dagster, duckdb or mlflow, no file or network
I/O (test_architecture.py holds it to that)."""
