"""Safety checks on a stored prediction-matrix store, each a ``CheckOutcome`` with evidence.

They read what was written (the memory-mapped store), not what the build held in memory, so a
pass proves the stored data. ``close_today`` (n,) and ``future_closes`` (n, 14) are the realised
prices aligned with the store's dates (NaN where the future is not known yet).
"""

from __future__ import annotations

import numpy as np

from trading_platform.config.models import ModelSpec
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.forecasting.matrices import MatrixStore
from trading_platform.domain.forecasting.metrics import forecast_metrics
from trading_platform.domain.forecasting.protocol import HORIZONS
from trading_platform.domain.forecasting.synthetic_models import realised_direction_accuracy

SYNTHETIC_TOLERANCE = 0.03  # realised accuracy within 3 points of nominal
COVERAGE_RANGE = (0.70, 0.90)  # the 80 % band should hold 70-90 % of realised closes
_EVIDENCE_ROWS = 10


def evaluate_forecast_checks(
    store: MatrixStore, close_today: np.ndarray, future_closes: np.ndarray, spec: ModelSpec,
    n_paths: int,
) -> list[CheckOutcome]:
    """The four forecast checks, in the order of their specs on the asset."""
    return [
        forecasts_shape_and_finite(store, n_paths),
        forecasts_fit_before_forecast_day(store, spec),
        synthetic_accuracy_matches_nominal(store, close_today, future_closes, spec),
        forecasts_band_coverage_calibrated(store, close_today, future_closes, spec),
    ]


def forecasts_shape_and_finite(store: MatrixStore, n_paths: int) -> CheckOutcome:
    """Every stored day has an ``(n_paths, 14)`` float32 matrix of finite values, dates unique."""
    paths = store.paths
    expected = (store.index.height, n_paths, HORIZONS)
    finite_days = np.isfinite(paths).all(axis=(1, 2))
    bad_days = [str(d) for d in store.dates[~finite_days][:_EVIDENCE_ROWS]]
    increasing = bool((np.diff(store.dates) > np.timedelta64(0, "D")).all())
    passed = (paths.shape == expected and paths.dtype == np.float32 and finite_days.all()
              and increasing and paths.shape[0] > 0)
    return CheckOutcome(
        name="forecasts_shape_and_finite", passed=bool(passed), severity="ERROR",
        description=f"{paths.shape[0]} days of {paths.shape[1:]} {paths.dtype} matrices, "
        f"{int((~finite_days).sum())} days with a non-finite value",
        metadata={"observed_shape": list(paths.shape), "expected_shape": list(expected),
                  "dtype": str(paths.dtype), "dates_strictly_increasing": increasing,
                  "days_not_finite": int((~finite_days).sum()), "first_bad_days": bad_days},
    )


def forecasts_fit_before_forecast_day(store: MatrixStore, spec: ModelSpec) -> CheckOutcome:
    """Every stored fit window ends strictly before its forecast day (no leakage)."""
    index = store.index
    dates, fit_end = index["date"].to_numpy(), index["fit_end"].to_numpy()
    leaks = np.flatnonzero(~(fit_end < dates) | ~(index["fit_start"].to_numpy() <= fit_end))
    evidence = [f"{dates[i]}: fit {index['fit_start'][int(i)]}..{fit_end[i]}"
                for i in leaks[:_EVIDENCE_ROWS]]
    gap = (dates - fit_end).astype("timedelta64[D]").astype(np.int64)
    note = ("synthetic research instrument: its paths are centred on the realised future by "
            "design; the stored window is the volatility window" if spec.synthetic else
            "the window is the first and last close in the fit's training targets")
    return CheckOutcome(
        name="forecasts_fit_before_forecast_day", passed=leaks.size == 0, severity="ERROR",
        description=f"{leaks.size} of {index.height} forecast days have a fit window that does "
        "not end before the day",
        metadata={"days_checked": index.height, "leaking_days": int(leaks.size),
                  "first_leaks": evidence, "min_days_from_fit_end": int(gap.min()),
                  "fit_windows": store.fit_windows.height, "note": note},
    )


def synthetic_accuracy_matches_nominal(
    store: MatrixStore, close_today: np.ndarray, future_closes: np.ndarray, spec: ModelSpec
) -> CheckOutcome:
    """A synthetic model's median path gets the 14-day direction right at its nominal rate."""
    if not spec.synthetic:
        return CheckOutcome(
            name="synthetic_accuracy_matches_nominal", passed=True, severity="ERROR",
            description="not a synthetic model: nothing to compare with a nominal accuracy",
            metadata={"applies": False},
        )
    nominal = float(spec.params["accuracy"])
    realised = realised_direction_accuracy(np.asarray(store.paths), close_today, future_closes)
    passed = bool(np.isfinite(realised) and abs(realised - nominal) <= SYNTHETIC_TOLERANCE)
    return CheckOutcome(
        name="synthetic_accuracy_matches_nominal", passed=passed, severity="ERROR",
        description=f"realised 14-day directional accuracy {realised:.3f}, nominal {nominal:.2f}",
        metadata={"applies": True, "observed": float(realised), "nominal": nominal,
                  "tolerance": SYNTHETIC_TOLERANCE, "days": store.index.height},
    )


def forecasts_band_coverage_calibrated(
    store: MatrixStore, close_today: np.ndarray, future_closes: np.ndarray, spec: ModelSpec
) -> CheckOutcome:
    """The central 80 % band of the paths holds 70-90 % of realised closes (mean over horizons)."""
    low, high = COVERAGE_RANGE
    if spec.synthetic:
        return CheckOutcome(
            name="forecasts_band_coverage_calibrated", passed=True, severity="WARN",
            description="synthetic instrument: its bands are centred on the realised future, "
            "so coverage says nothing about calibration",
            metadata={"applies": False, "threshold": [low, high]},
        )
    priced = close_today > 0
    metrics = forecast_metrics(np.asarray(store.paths)[priced], close_today[priced],
                               future_closes[priced])
    by_horizon = metrics["coverage_80"].to_numpy()
    observed = float(np.nanmean(by_horizon)) if np.isfinite(by_horizon).any() else float("nan")
    passed = bool(low <= observed <= high)
    return CheckOutcome(
        name="forecasts_band_coverage_calibrated", passed=passed, severity="WARN",
        description=f"80 % band holds {observed:.1%} of realised closes (mean over horizons), "
        f"expected {low:.0%}-{high:.0%}",
        metadata={"applies": True, "observed": observed, "threshold": [low, high],
                  "coverage_by_horizon": [round(float(v), 4) for v in by_horizon],
                  "days": int(metrics["n_days"].max())},
    )


def recompute_days(dates: np.ndarray, count: int, seed: int) -> list[np.datetime64]:
    """The stored days the recompute check re-derives: the last one and ``count - 1`` seeded
    random others (all when there are no more), sorted."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    if dates.size <= count:
        return list(dates)
    others = np.random.default_rng(seed).choice(dates.size - 1, size=count - 1, replace=False)
    return sorted([dates[-1], *dates[np.sort(others)]])


def forecasts_match_truncated_recompute(
    days: list[np.datetime64], stored: list[np.ndarray], recomputed: list[np.ndarray | str],
    uses_future: bool, fits_reused: int = 0,
) -> CheckOutcome:
    """Each sampled stored matrix equals, bit for bit, the matrix the honest daily path makes
    from history truncated at its day (a string in ``recomputed`` is why it could not be
    made). A model built from the future (``uses_future``) passes with that said: it is a
    research instrument, kept out of selection and trading by its mark.

    ``fits_reused`` is how many of the recompute's refits were handed back by the build's
    ``KeptFits`` because their training rows were byte-identical to a build fit; training rows
    that reached past the day differ from the truncated ones, so a leak there misses the cache
    and is refitted. Predictions, residual pools and paths are always recomputed."""
    name = "forecasts_match_truncated_recompute"
    if uses_future:
        return CheckOutcome(name, True, "ERROR", "not applicable: the matrices are built from "
                            "the realised future by design (marked uses_future; never traded)",
                            {"observed": 0, "threshold": 0, "days_checked": 0})
    differing = []
    for day, kept, made in zip(days, stored, recomputed, strict=True):
        if isinstance(made, str):
            differing.append({"day": str(day), "why": made})
        elif kept.shape != made.shape or not np.array_equal(kept, made):
            gap = (float(np.nanmax(np.abs(np.asarray(kept, np.float64) - made)))
                   if kept.shape == made.shape else float("nan"))
            differing.append({"day": str(day), "max_abs_difference": gap})
    return CheckOutcome(
        name, not differing, "ERROR",
        f"{len(days) - len(differing)} of {len(days)} sampled forecast days equal the daily "
        "path's matrix from history truncated at the day" if not differing else
        f"{len(differing)} of {len(days)} sampled forecast days differ from a recompute on "
        f"history truncated at the day (first: {differing[0]}): the stored forecasts used "
        "information from after their day; rebuild them and find the leak before backtesting",
        {"observed": len(differing), "threshold": 0, "days_checked": [str(d) for d in days],
         "fits_reused": fits_reused, "differing": differing[:_EVIDENCE_ROWS]})
