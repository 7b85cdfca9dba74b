"""An experiment's record and its trials as tables (the warehouse's research schema stores them).

``experiment_row``: one row per experiment (id, method, strategy and its spec hash, the space,
split and folds as JSON, objective, seed, data and code versions, counts and seconds).
``trials_frame``: one row per trial (parameters as JSON, status, error, seconds, the objective
on test and train, and every train_/test_ metric). ``returns_frame``: every trial's daily
return by date (long), which the report, PBO and DSR read back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from trading_platform.domain.json_values import json_safe
from trading_platform.domain.research.gate import GateReport
from trading_platform.domain.research.trials import TrialResult

METRICS = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar")


@dataclass(frozen=True)
class ExperimentInfo:
    """What an experiment ran: the search, the strategy and the data it ran on."""

    id: str
    method: str
    strategy: str
    book: str
    spec_hash: str
    space: dict[str, Any]
    split: dict[str, Any]
    folds: dict[str, Any] | None
    objective: str
    seed: int
    commodities: list[str]
    data_version: str
    code_version: str
    model: str = ""  # the inventory book's forecasts


def experiment_row(info: ExperimentInfo, trials: list[TrialResult], seconds: float,
                   created: dt.datetime) -> pl.DataFrame:
    counts = {s: sum(1 for t in trials if t.status == s) for s in ("done", "failed", "pruned")}
    return pl.DataFrame([{
        "experiment": info.id, "method": info.method, "strategy": info.strategy,
        "book": info.book, "spec_hash": info.spec_hash,
        "space": json.dumps(json_safe(info.space), sort_keys=True),
        "split": json.dumps(json_safe(info.split), sort_keys=True),
        "folds": json.dumps(json_safe(info.folds), sort_keys=True),
        "objective": info.objective, "seed": info.seed,
        "commodities": ",".join(info.commodities), "data_version": info.data_version,
        "code_version": info.code_version, "model": info.model, "trials": len(trials),
        **counts,
        "seconds": seconds, "created": created}])


def trials_frame(trials: list[TrialResult]) -> pl.DataFrame:
    rows = []
    for t in trials:
        row = {"number": t.number, "params": json.dumps(json_safe(t.params), sort_keys=True),
               "status": t.status, "error": t.error, "seconds": t.seconds,
               "objective": t.objective, "train_objective": t.train_objective}
        for side, values in (("train", t.train), ("test", t.test)):
            row |= {f"{side}_{m}": float(values.get(m, float("nan"))) for m in METRICS}
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)


def returns_frame(trials: list[TrialResult], dates: list[dt.date]) -> pl.DataFrame:
    frames = [pl.DataFrame({"number": [t.number] * len(dates), "date": dates,
                            "return": t.returns})
              for t in trials if t.status == "done" and t.returns.size == len(dates)]
    if not frames:
        return pl.DataFrame(schema={"number": pl.Int64, "date": pl.Date, "return": pl.Float64})
    return pl.concat(frames)


def code_version(cls: type) -> str:
    """sha256 (16 hex digits) of the source of the module that defines ``cls``."""
    source = inspect.getsource(sys.modules[cls.__module__])
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def data_version(frames: dict[str, pl.DataFrame]) -> str:
    """sha256 (16 hex digits) of each commodity's dates and closes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        digest.update(name.encode())
        digest.update(frame.select("date", "close", "adjusted_close").write_csv().encode())
    return digest.hexdigest()[:16]


def trials_from_frames(trials: pl.DataFrame, returns: pl.DataFrame) -> list[TrialResult]:
    """The stored trials back as ``TrialResult`` (returns in date order), in trial order."""
    by_number = {number: frame.sort("date")["return"].to_numpy()
                 for (number,), frame in returns.group_by(["number"])}
    out = []
    for row in trials.sort("number").iter_rows(named=True):
        out.append(TrialResult(
            number=row["number"], params=json.loads(row["params"]), status=row["status"],
            train={m: row[f"train_{m}"] for m in METRICS},
            test={m: row[f"test_{m}"] for m in METRICS},
            objective=row["objective"], train_objective=row["train_objective"],
            returns=by_number.get(row["number"], np.zeros(0)), seconds=row["seconds"],
            error=row["error"] or ""))
    return out


def gate_frame(report: GateReport) -> pl.DataFrame:
    return pl.DataFrame([{"criterion": c.name, "value": c.value, "threshold": c.threshold,
                          "rule": c.rule, "passed": c.passed} for c in report.criteria])
