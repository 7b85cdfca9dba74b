"""trading_platform: a Dagster asset-graph data platform for commodity trading."""
