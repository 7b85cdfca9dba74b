"""Jobs the scale-out test runs in child processes (the multiprocess executor rebuilds a job
from a module-level function, in each process it starts)."""

import dagster as dg


def market_history_job() -> dg.JobDefinition:
    from trading_platform.definitions import build_definitions

    return build_definitions().resolve_job_def("market_history")
