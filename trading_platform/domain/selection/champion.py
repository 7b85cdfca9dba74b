"""The champion rule: which of a commodity's scored candidates trades.

A candidate is *eligible* when
(a) it passes every score threshold (``passes``);
(b) it is forecast-driven (``family == "forecast"``) and its model is not the random-walk model;
(c) it beats the best baseline strategy: net earnings strictly above the highest net earnings
    among ``family == "baseline"`` rows (with no baseline rows nothing beats it);
(d) it beats the random-walk model: net earnings strictly above the highest net earnings among
    the random-walk model's forecast-driven rows (with no such rows it fails: "the random-walk
    model was not backtested").
Equal net earnings are not enough, and NaN net earnings beat nothing. The champion is the
eligible candidate with the highest score (status "selected"). When none is eligible, an
incumbent still among the candidates (same model, strategy and spec hash) stays
("incumbent_kept"); otherwise the highest-scoring forecast-driven candidate of a
non-random-walk model (or, when there is none, the highest score overall) becomes a
"provisional" champion. There is never silently no champion: the status says which case it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.statuses import ChampionStatus

TOP_REASONS = 5  # candidates whose why_not is quoted when nothing is eligible
NOT_BACKTESTED = "the random-walk model was not backtested"
# threshold name -> (words, column, how a miss compares, value format)
_THRESHOLDS = {"min_sharpe": ("Sharpe", "sharpe", "<", "{:.2f}"),
               "min_max_drawdown": ("max drawdown", "max_drawdown", "<", "{:.1%}"),
               "min_calmar": ("Calmar", "calmar", "<", "{:.2f}"),
               "max_turnover": ("turnover", "turnover", ">", "{:.2f}")}


@dataclass(frozen=True)
class Incumbent:
    """The registered champion before this selection; ``version`` is its registry version."""

    model: str
    strategy: str
    spec_hash: str
    version: str


@dataclass(frozen=True)
class ChampionDecision:
    """The champion, the evidence, and every candidate's verdict (``evaluated``: the candidates
    with ``beats_baseline``, ``beats_random_walk``, ``eligible`` and ``why_not``, best score
    first). ``incumbent`` is the incumbent that was given, if any."""

    status: ChampionStatus
    model: str
    strategy: str
    spec_hash: str
    score: float
    row: dict[str, object]
    best_baseline: dict[str, object]
    best_random_walk: dict[str, object]
    evaluated: pl.DataFrame
    reasons: list[str]
    incumbent: Incumbent | None = None

    @property
    def passed(self) -> bool:
        return self.status == ChampionStatus.SELECTED


def select_champion(candidates: pl.DataFrame, incumbent: Incumbent | None,
                    random_walk_model: str = "naive_rw",
                    config: SelectionConfig | None = None) -> ChampionDecision:
    """Apply the module's champion rule to ``build_candidates(...).table``. ``config``, when
    given, only adds the threshold values to the ``why_not`` words."""
    if candidates.is_empty():
        raise ValueError("no candidates to select a champion from; run build_candidates on a "
                         "commodity with at least one backtested real model")
    is_forecast = pl.col("family") == "forecast"
    baseline = _best(candidates.filter(pl.col("family") == "baseline"))
    random_walk = _best(candidates.filter(is_forecast & (pl.col("model") == random_walk_model)))
    evaluated = _evaluate(candidates, baseline, random_walk, random_walk_model, config)
    eligible = evaluated.filter("eligible")
    if eligible.height:
        status = ChampionStatus.SELECTED
        row = eligible.row(0, named=True)
        reasons = _selected_reasons(row, eligible.height, evaluated.height, baseline, random_walk,
                                    random_walk_model)
    else:
        status, row = _fallback(evaluated, incumbent, random_walk_model)
        reasons = _fallback_reasons(status, row, evaluated, incumbent)
    return ChampionDecision(
        status=status, model=str(row["model"]), strategy=str(row["strategy"]),
        spec_hash=str(row["spec_hash"]), score=float(row["score"]), row=row,
        best_baseline=baseline, best_random_walk=random_walk, evaluated=evaluated,
        reasons=reasons, incumbent=incumbent)


def _best(rows: pl.DataFrame) -> dict[str, object]:
    """Strategy and net earnings of the row earning most (NaN earnings ignored)."""
    ranked = rows.with_columns(pl.col("net_earnings").fill_nan(None)).drop_nulls("net_earnings")
    if ranked.is_empty():
        return {"strategy": None, "net_earnings": math.nan}
    top = ranked.sort("net_earnings", descending=True).row(0, named=True)
    return {"strategy": top["strategy"], "net_earnings": float(top["net_earnings"])}


def _evaluate(candidates: pl.DataFrame, baseline: dict[str, object],
              random_walk: dict[str, object], random_walk_model: str,
              config: SelectionConfig | None) -> pl.DataFrame:
    net = candidates["net_earnings"].cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore"):  # NaN compares False: it beats nothing
        beats_baseline = net > _float(baseline["net_earnings"])
        beats_random_walk = net > _float(random_walk["net_earnings"])
    forecast = ((candidates["family"] == "forecast")
                & (candidates["model"] != random_walk_model)).to_numpy()
    eligible = candidates["passes"].to_numpy() & forecast & beats_baseline & beats_random_walk
    flagged = candidates.with_columns(pl.Series("beats_baseline", beats_baseline),
                                      pl.Series("beats_random_walk", beats_random_walk),
                                      pl.Series("eligible", eligible))
    why_not = [_why_not(row, baseline, random_walk, random_walk_model, config)
               for row in flagged.iter_rows(named=True)]
    return flagged.with_columns(pl.Series("why_not", why_not, dtype=pl.String)).sort(
        "score", descending=True, maintain_order=True)


def _why_not(row: dict[str, object], baseline: dict[str, object],
             random_walk: dict[str, object], random_walk_model: str,
             config: SelectionConfig | None) -> str:
    """Plain words for every rule ``row`` breaks; "" when it is eligible."""
    failed: list[str] = row["failed"]  # type: ignore[assignment]
    parts = [_threshold_words(name, row, config) for name in failed]
    if row["family"] != "forecast":
        parts.append(f"{row['family']} strategy, not forecast-driven")
    elif row["model"] == random_walk_model:
        parts.append("random-walk model (the benchmark, never champion)")
    else:
        if not row["beats_baseline"]:
            parts.append(_benchmark_words(row, "best baseline", baseline,
                                          "no baseline strategy was backtested"))
        if not row["beats_random_walk"]:
            parts.append(_benchmark_words(row, f"best random walk {random_walk_model} x",
                                          random_walk, NOT_BACKTESTED))
    return "; ".join(parts)


def _threshold_words(name: str, row: dict[str, object], config: SelectionConfig | None) -> str:
    words, column, miss, spec = _THRESHOLDS[name]
    value = _number(spec, row[column])
    if config is None:
        return f"{words} {value} misses {name}"
    return f"{words} {value} {miss} {_number(spec, getattr(config.thresholds, name))}"


def _benchmark_words(row: dict[str, object], label: str, best: dict[str, object],
                     missing: str) -> str:
    if best["strategy"] is None:
        return missing
    return (f"net earnings {money(row['net_earnings'])} <= {label} {best['strategy']} "
            f"{money(best['net_earnings'])}")


def _fallback(evaluated: pl.DataFrame, incumbent: Incumbent | None,
              random_walk_model: str) -> tuple[ChampionStatus, dict[str, object]]:
    """Nothing eligible: the incumbent if still a candidate, else a provisional champion."""
    if incumbent is not None:
        same = evaluated.filter((pl.col("model") == incumbent.model)
                                & (pl.col("strategy") == incumbent.strategy)
                                & (pl.col("spec_hash") == incumbent.spec_hash))
        if same.height:
            return ChampionStatus.INCUMBENT_KEPT, same.row(0, named=True)
    forecast = evaluated.filter((pl.col("family") == "forecast")
                                & (pl.col("model") != random_walk_model))
    return ChampionStatus.PROVISIONAL, (forecast if forecast.height else evaluated).row(
        0, named=True)


def _selected_reasons(row: dict[str, object], n_eligible: int, n_candidates: int,
                      baseline: dict[str, object], random_walk: dict[str, object],
                      random_walk_model: str) -> list[str]:
    net, base = _float(row["net_earnings"]), _float(baseline["net_earnings"])
    walk = _float(random_walk["net_earnings"])
    return [
        f"{_pick(row)} has the highest score ({row['score']:.3f}) among the {n_eligible} "
        f"eligible of {n_candidates} candidates.",
        f"It passes every threshold: Sharpe {row['sharpe']:.2f}, max drawdown "
        f"{row['max_drawdown']:.1%}, Calmar {row['calmar']:.2f}, turnover {row['turnover']:.2f};"
        f" regime consistency {row['regime_consistency']:.2f}.",
        f"Its net earnings {money(net)} beat the best baseline {baseline['strategy']} "
        f"({money(base)}) by {money(net - base)}.",
        f"They also beat the best random-walk candidate {random_walk_model} x "
        f"{random_walk['strategy']} ({money(walk)}) by {money(net - walk)}.",
    ]


def _fallback_reasons(status: ChampionStatus, row: dict[str, object], evaluated: pl.DataFrame,
                      incumbent: Incumbent | None) -> list[str]:
    reasons = ["No candidate is eligible: none passes every threshold with a forecast-driven "
               "strategy of a real model and beats both the best baseline and the random-walk "
               "model."]
    if status == ChampionStatus.INCUMBENT_KEPT and incumbent is not None:
        reasons.append(f"The incumbent {_pick(row)} (registry v{incumbent.version}) stays "
                       "champion.")
    else:
        if incumbent is not None:
            reasons.append(f"The incumbent {incumbent.model} x {incumbent.strategy} (registry "
                           f"v{incumbent.version}, spec {incumbent.spec_hash}) is no longer "
                           "among the candidates.")
        reasons.append(f"{_pick(row)} (score {row['score']:.3f}) is a provisional champion: the "
                       "best-scoring candidate, so there is always one; it did not pass the "
                       "rule.")
    reasons += [f"{_pick(top)} (score {top['score']:.3f}): {top['why_not']}"
                for top in evaluated.head(TOP_REASONS).iter_rows(named=True)]
    return reasons


def _pick(row: dict[str, object]) -> str:
    """``model x strategy`` of a candidate row."""
    return f"{row['model']} x {row['strategy']}"


def money(value: object) -> str:
    """Whole currency units with thousands separators; "n/a" for NaN or missing."""
    return _number("{:,.0f}", value)


def _number(spec: str, value: object) -> str:
    number = _float(value)
    return "n/a" if math.isnan(number) else spec.format(number)


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan
