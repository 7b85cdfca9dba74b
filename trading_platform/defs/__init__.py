"""Thin Dagster adapters by group (market, research, desk, ops), loaded by
``dg.load_from_defs_folder``: an asset loads its inputs, calls one domain function and returns
data with metadata."""
