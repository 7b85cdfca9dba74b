"""The champion rule: which of a commodity's candidates is champion, and whether it is confirmed.

Everything here reads ``build_candidates(...).table``: metrics on the selection window, the
``holdout_*`` columns on the later holdout, ``dsr`` and ``n_candidates``.

Selection (selection window only). A candidate is *eligible* when
(a) it passes every score threshold (``passes``);
(b) it is forecast-driven (``family == "forecast"``) and its model is not the random-walk model;
(c) it beats the best baseline strategy: value added strictly above the highest value added
    among ``family == "baseline"`` rows (with no baseline rows nothing beats it);
(d) it beats the random-walk model: value added strictly above the highest among the
    random-walk model's forecast-driven rows (with no such rows it fails: "the random-walk model
    was not backtested").
Equal values are not enough, and NaN beats nothing. The champion is the eligible candidate with
the highest score; when none is eligible, the highest-scoring forecast-driven candidate of a
non-random-walk model (or, without one, the highest score overall). Equal scores go to the
simpler model (``complexity``: random walk < single trees < ensembles), then by name.

Confirmation (seen once, after the choice). The champion is **confirmed** only when it was
eligible, its DSR is at least ``min_dsr``, its holdout Sharpe is above ``min_holdout_sharpe``
and (when configured) its holdout value added beats every baseline strategy's on the holdout.
Otherwise it is **provisional**, and every criterion it missed is listed with its number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from trading_platform.config.selection import SelectionConfig
from trading_platform.domain.statuses import ChampionStatus

TOP_REASONS = 5  # candidates whose why_not is quoted when nothing is eligible
NOT_BACKTESTED = "the random-walk model was not backtested"
UNRANKED = 99  # complexity of a model the caller did not rank: after every ranked one
# threshold name -> (words, column, how a miss compares, value format)
_THRESHOLDS = {"min_sharpe": ("Sharpe", "sharpe", "<", "{:.2f}"),
               "min_max_drawdown": ("max drawdown", "max_drawdown", "<", "{:.1%}"),
               "min_calmar": ("Calmar", "calmar", "<", "{:.2f}"),
               "max_turnover": ("turnover", "turnover", ">", "{:.2f}")}


@dataclass(frozen=True)
class Criterion:
    """One confirmation criterion: its name, whether it passed, the observed value and the
    threshold it was held to."""

    name: str
    passed: bool
    observed: float | str
    threshold: float | str


@dataclass(frozen=True)
class ChampionDecision:
    """The champion, the evidence, and every candidate's verdict (``evaluated``: the candidates
    with ``beats_baseline``, ``beats_random_walk``, ``eligible`` and ``why_not``, best score
    first). ``best_baseline`` / ``best_random_walk``: strategy, model and value added of the
    best such row on the selection window; ``criteria``: the confirmation criteria."""

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
    criteria: list[Criterion]

    @property
    def passed(self) -> bool:
        return self.status == ChampionStatus.CONFIRMED

    @property
    def eligible(self) -> bool:
        return bool(self.row["eligible"])


def select_champion(candidates: pl.DataFrame, config: SelectionConfig,
                    complexity: Mapping[str, int] | None = None,
                    random_walk_model: str = "naive_rw") -> ChampionDecision:
    """Apply the module's rule to ``build_candidates(...).table``."""
    if candidates.is_empty():
        raise ValueError("no candidates to select a champion from; run build_candidates on a "
                         "commodity with at least one backtested real model")
    ranked = _ranked(candidates, complexity or {})
    is_forecast = pl.col("family") == "forecast"
    baseline = _best(ranked.filter(pl.col("family") == "baseline"))
    random_walk = _best(ranked.filter(is_forecast & (pl.col("model") == random_walk_model)))
    evaluated = _evaluate(ranked, baseline, random_walk, random_walk_model, config)
    eligible = evaluated.filter("eligible")
    if eligible.height:
        row = eligible.row(0, named=True)
        reasons = _selected_reasons(row, eligible.height, evaluated.height, baseline, random_walk,
                                    random_walk_model)
    else:
        forecast = evaluated.filter(is_forecast & (pl.col("model") != random_walk_model))
        row = (forecast if forecast.height else evaluated).row(0, named=True)
        reasons = _fallback_reasons(row, evaluated)
    criteria = confirmation_criteria(row, evaluated, config)
    confirmed = all(c.passed for c in criteria)
    reasons.append(_confirmation_words(confirmed, criteria))
    return ChampionDecision(
        status=ChampionStatus.CONFIRMED if confirmed else ChampionStatus.PROVISIONAL,
        model=str(row["model"]), strategy=str(row["strategy"]), spec_hash=str(row["spec_hash"]),
        score=float(row["score"]), row=row, best_baseline=baseline,
        best_random_walk=random_walk, evaluated=evaluated, reasons=reasons, criteria=criteria)


def _ranked(candidates: pl.DataFrame, complexity: Mapping[str, int]) -> pl.DataFrame:
    """Best score first; equal scores by simpler model, then model and strategy names."""
    rank = [complexity.get(model, UNRANKED) for model in candidates["model"]]
    return candidates.with_columns(pl.Series("complexity", rank, dtype=pl.Int64)).sort(
        ["score", "complexity", "model", "strategy"], descending=[True, False, False, False],
        nulls_last=True)


def confirmation_criteria(row: dict[str, object], evaluated: pl.DataFrame,
                          config: SelectionConfig) -> list[Criterion]:
    """The confirmation criteria of the module docstring for the champion ``row``."""
    rule = config.confirmation
    dsr, sharpe = _float(row.get("dsr")), _float(row.get("holdout_sharpe"))
    criteria = [
        Criterion("selection_rule", bool(row["eligible"]),
                  "eligible" if row["eligible"] else "not eligible", "eligible"),
        Criterion("deflated_sharpe", dsr >= rule.min_dsr, dsr, rule.min_dsr),
        Criterion("holdout_sharpe", sharpe > rule.min_holdout_sharpe, sharpe,
                  rule.min_holdout_sharpe),
    ]
    if rule.beat_baseline_on_holdout:
        baselines = evaluated.filter(pl.col("family") == "baseline")["holdout_value_added"]
        best = _float(baselines.fill_nan(None).max()) if baselines.len() else math.nan
        value = _float(row.get("holdout_value_added"))
        criteria.append(Criterion("beats_baseline_on_holdout", value > best
                                  if not math.isnan(best) else False, value, best))
    return criteria


def _confirmation_words(confirmed: bool, criteria: list[Criterion]) -> str:
    if confirmed:
        return ("Confirmed: " + "; ".join(_criterion_words(c) for c in criteria) + ".")
    missed = [c for c in criteria if not c.passed]
    return ("Provisional (never traded as a forecast champion): "
            + "; ".join(_criterion_words(c) for c in missed) + ".")


def _criterion_words(criterion: Criterion) -> str:
    name, observed, threshold = criterion.name, criterion.observed, criterion.threshold
    if name == "selection_rule":
        return f"selection rule {observed}"
    if name == "deflated_sharpe":
        return f"DSR {_number('{:.3f}', observed)} vs {_number('{:.2f}', threshold)} required"
    if name == "holdout_sharpe":
        return f"holdout Sharpe {_number('{:.2f}', observed)} vs > {threshold}"
    return (f"holdout value added {money(observed)} vs best baseline's {money(threshold)}")


def _best(rows: pl.DataFrame) -> dict[str, object]:
    """Model, strategy and value added of the row adding most (NaN ignored; rows ranked)."""
    ranked = rows.with_columns(pl.col("value_added").fill_nan(None)).drop_nulls("value_added")
    if ranked.is_empty():
        return {"model": None, "strategy": None, "value_added": math.nan}
    top = ranked.sort(["value_added", "complexity"], descending=[True, False],
                      maintain_order=True).row(0, named=True)
    return {"model": top["model"], "strategy": top["strategy"],
            "value_added": float(top["value_added"])}


def _evaluate(candidates: pl.DataFrame, baseline: dict[str, object],
              random_walk: dict[str, object], random_walk_model: str,
              config: SelectionConfig) -> pl.DataFrame:
    added = candidates["value_added"].cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore"):  # NaN compares False: it beats nothing
        beats_baseline = added > _float(baseline["value_added"])
        beats_random_walk = added > _float(random_walk["value_added"])
    forecast = ((candidates["family"] == "forecast")
                & (candidates["model"] != random_walk_model)).to_numpy()
    eligible = candidates["passes"].to_numpy() & forecast & beats_baseline & beats_random_walk
    flagged = candidates.with_columns(pl.Series("beats_baseline", beats_baseline),
                                      pl.Series("beats_random_walk", beats_random_walk),
                                      pl.Series("eligible", eligible))
    why_not = [_why_not(row, baseline, random_walk, random_walk_model, config)
               for row in flagged.iter_rows(named=True)]
    return flagged.with_columns(pl.Series("why_not", why_not, dtype=pl.String))


def _why_not(row: dict[str, object], baseline: dict[str, object],
             random_walk: dict[str, object], random_walk_model: str,
             config: SelectionConfig) -> str:
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


def _threshold_words(name: str, row: dict[str, object], config: SelectionConfig) -> str:
    words, column, miss, spec = _THRESHOLDS[name]
    value = _number(spec, row[column])
    return f"{words} {value} {miss} {_number(spec, getattr(config.thresholds, name))}"


def _benchmark_words(row: dict[str, object], label: str, best: dict[str, object],
                     missing: str) -> str:
    if best["strategy"] is None:
        return missing
    return (f"value added {money(row['value_added'])} <= {label} {best['strategy']} "
            f"{money(best['value_added'])}")


def _selected_reasons(row: dict[str, object], n_eligible: int, n_candidates: int,
                      baseline: dict[str, object], random_walk: dict[str, object],
                      random_walk_model: str) -> list[str]:
    added, base = _float(row["value_added"]), _float(baseline["value_added"])
    walk = _float(random_walk["value_added"])
    return [
        f"{_pick(row)} has the highest score ({row['score']:.3f}) among the {n_eligible} "
        f"eligible of {n_candidates} candidates on the selection window.",
        f"It passes every threshold: Sharpe {row['sharpe']:.2f}, max drawdown "
        f"{row['max_drawdown']:.1%}, Calmar {row['calmar']:.2f}, turnover {row['turnover']:.2f};"
        f" regime consistency {row['regime_consistency']:.2f}.",
        f"Its value added {money(added)} beats the best baseline {baseline['strategy']} "
        f"({money(base)}) by {money(added - base)}.",
        f"It also beats the best random-walk candidate {random_walk_model} x "
        f"{random_walk['strategy']} ({money(walk)}) by {money(added - walk)}.",
    ]


def _fallback_reasons(row: dict[str, object], evaluated: pl.DataFrame) -> list[str]:
    reasons = ["No candidate is eligible: none passes every threshold with a forecast-driven "
               "strategy of a real model and beats both the best baseline and the random-walk "
               "model on the selection window.",
               f"{_pick(row)} (score {row['score']:.3f}) is the best-scoring forecast-driven "
               "candidate; it stands as a provisional champion."]
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
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else math.nan
