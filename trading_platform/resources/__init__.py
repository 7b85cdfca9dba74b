"""Narrow interfaces to the outside world: the DuckDB warehouse and its IO manager."""
