"""Everything that touches the outside: the DuckDB warehouse and its IO manager, the forecast
files and store, MLflow tracking and registry, alert sinks, the incoming folder, atomic files,
market sources, report folders."""
