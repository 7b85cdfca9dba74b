"""How the CLI reports a failure: one paragraph, never a bare stack trace (``--debug`` shows it).

Kept free of the warehouse and DuckDB imports: the CLI freezes its imported objects out of the
garbage collector's view before a long run (``cli._tune_gc_for_batch``), and DuckDB objects
frozen that way are reported as leaks at exit, so DuckDB is imported only by the commands that
use it.
"""

from __future__ import annotations

import dagster as dg


class CommandError(Exception):
    """A command that cannot go on: ``str()`` is the one paragraph shown to the operator."""


def failure_paragraph(result: dg.ExecuteInProcessResult, what: str) -> str:
    """One paragraph naming each failed step and its error message (no stack trace)."""
    failures = [event for event in result.all_events if event.is_step_failure]
    parts = []
    for event in failures:
        error = event.step_failure_data.error if event.step_failure_data else None
        message = error.message.strip() if error else "failed"
        cause = error.cause.message.strip() if error and error.cause else ""
        parts.append(f"step {event.step_key} failed: {cause or message}")
    body = "; ".join(parts) or "the run failed"
    return (f"{what} failed (run {result.run_id}): {body}. Nothing of a failed step was stored; "
            "its events are in the Dagster UI (`make ui`); rerun with --debug for the stack "
            "trace.")
