"""The one check-outcome type: every check of every asset returns its verdict as evidence.

``severity`` says what a failure means: ``ERROR`` for data or decisions that are wrong (a
blocking check stops what depends on it), ``WARN`` for what is suspicious but may be real. A
passing outcome carries the severity its failure would have had. ``metadata`` holds the
observed values and thresholds, JSON-safe, shown beside the verdict in the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "ERROR"
WARN = "WARN"


@dataclass(frozen=True)
class CheckOutcome:
    """One check's verdict: ``severity`` is what a failure means; ``metadata`` is JSON-safe."""

    name: str
    passed: bool
    severity: str
    description: str
    metadata: dict[str, object] = field(default_factory=dict)
