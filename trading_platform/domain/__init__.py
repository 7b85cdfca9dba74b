"""Pure domain logic: numpy, polars and numba only; never dagster, duckdb or mlflow."""
