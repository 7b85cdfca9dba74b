"""Thin Dagster adapters: partitions, assets, checks and jobs over the domain layer."""
