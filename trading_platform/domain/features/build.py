"""Point-in-time price and season features for the commodity panel.

Every feature is computed per commodity, and every window counts rows (the trading days present
in the input), never calendar days.

- Returns are simple returns on a floored base, so they stay finite when a price that may go
  negative (crude) is zero or crosses zero:
  ``ret_k = (c_t - c_{t-k}) / max(|c_{t-k}|, PRICE_FLOOR)``, with ``PRICE_FLOOR = 0.01`` in the
  commodity's quoted units. The floor lies below every real price of the commodities that
  cannot go negative, so for them this is the textbook simple return. The same floored ratio
  turns the MA ratios and the 52-week distances into relative differences:
  ``relative(x, base) = (x - base) / max(|base|, PRICE_FLOOR)``.
- ``ret_1d``, ``ret_5d``, ``ret_20d``, ``momentum_60``: returns over 1, 5, 20 and 60 rows.
- ``vol_20d``: sample standard deviation (ddof 1) of the last 20 ``ret_1d`` values, annualised
  with ``sqrt(252)`` (252 trading days a year).
- ``ma_ratio_5_20``, ``ma_ratio_20_60``: ``relative(short MA, long MA)`` of close, i.e.
  short / long - 1 for positive prices; simple moving averages.
- ``atr_14_pct``: simple 14-row mean of the true range (not Wilder's recursive smoothing), divided
  by ``max(|close|, PRICE_FLOOR)``. The true range is the span of high, low, close and the
  previous close: the textbook ``max(h, c_{t-1}) - min(l, c_{t-1})`` on consistent bars, and
  still >= 0 on vendor bars whose high and low do not bracket the close.
- ``rsi_14``: Cutler's RSI ``100 * G / (G + L)``, G and L the simple 14-row means of the gains
  and losses of close; 50 when both are 0, 100 when only L is 0.
- ``dist_52w_high``, ``dist_52w_low``: ``relative(close, extreme)`` against the max of high and
  the min of low over the last 252 rows, current row included.
- Close-only rows (vendors that publish one price; ``high`` and ``low`` stored empty) use the
  close as their high and low: the true range becomes ``|c_t - c_{t-1}|`` and the 52-week
  extremes become those of the closes.
- Season, from the commodity's harvest spec: ``in_harvest`` when the date's month-day lies in
  ``[intake_start, intake_end]`` (inclusive; the window may wrap the year end);
  ``day_of_season``: calendar days since the latest intake_start on or before the date (since
  Jan 1 for a commodity without a harvest); ``season_progress = day_of_season / 365``, which
  reaches 1.0 only on the last day of a season containing Feb 29.
- Calendar: ``day_of_week`` (0 = Monday), ``month`` (1-12), ``day_of_year`` (1-366).

Point in time, finite memory: a row depends only on itself and at most ``LOOKBACK_ROWS``
previous rows of its commodity. No EWM or recursive smoothing is used and every window is
reduced in its own loop (see ``domain.feature_kernels``), so a value is bit-identical whether
the input held the commodity's whole history or only its last ``LOOKBACK_ROWS`` rows. A value
whose window reaches before the commodity's first input row is null. The first ``WARMUP_ROWS``
rows of each commodity carry ``warm_up = True``; after them every column is finite.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from trading_platform.config.universe import HarvestSpec, Universe
from trading_platform.domain.features.kernels import (
    rolling_max_nb,
    rolling_mean_nb,
    rolling_min_nb,
    rolling_std_nb,
)

WARMUP_ROWS: int = 252
LOOKBACK_ROWS: int = WARMUP_ROWS
PRICE_FLOOR: float = 0.01
TRADING_DAYS_PER_YEAR: int = 252

FEATURE_SCHEMA: dict[str, pl.DataType] = {
    "commodity": pl.String(),
    "date": pl.Date(),
    "close": pl.Float64(),
    "ret_1d": pl.Float64(),
    "ret_5d": pl.Float64(),
    "ret_20d": pl.Float64(),
    "vol_20d": pl.Float64(),
    "ma_ratio_5_20": pl.Float64(),
    "ma_ratio_20_60": pl.Float64(),
    "atr_14_pct": pl.Float64(),
    "rsi_14": pl.Float64(),
    "momentum_60": pl.Float64(),
    "dist_52w_high": pl.Float64(),
    "dist_52w_low": pl.Float64(),
    "in_harvest": pl.Boolean(),
    "day_of_season": pl.Int32(),
    "season_progress": pl.Float64(),
    "day_of_week": pl.Int32(),
    "month": pl.Int32(),
    "day_of_year": pl.Int32(),
    "warm_up": pl.Boolean(),
}

_PRICE_COLUMNS = ("high", "low", "close")
_SEASON_BOUNDS = ("start_month", "start_day", "start_md", "end_md")


def build_features(market: pl.DataFrame, universe: Universe) -> pl.DataFrame:
    """Return one row of point-in-time features per market row, sorted by commodity and date.

    ``market`` has ``MARKET_SCHEMA``: any commodities of ``universe``, in any row order, one row
    per commodity and date, with finite high, low and close. The output has ``FEATURE_SCHEMA``;
    the conventions are stated in the module docstring. Raises ``KeyError`` for a commodity that
    ``universe`` lacks and ``ValueError`` for missing prices or duplicate dates.
    """
    panel = _validated_panel(market)
    position = panel["position"].to_numpy()
    prices = _price_features(*(panel[name].to_numpy() for name in _PRICE_COLUMNS), position)
    seasons = _season_table(panel["commodity"].unique().sort().to_list(), universe)
    return (
        panel.with_columns(
            pl.Series(name, values, nan_to_null=True) for name, values in prices.items()
        )
        .join(seasons, on="commodity", how="left", maintain_order="left")
        .with_columns(**_season_columns(), warm_up=pl.col("position") < WARMUP_ROWS)
        .select(pl.col(name).cast(dtype) for name, dtype in FEATURE_SCHEMA.items())
    )


def _validated_panel(market: pl.DataFrame) -> pl.DataFrame:
    """Sort by commodity and date, add each row's position in its commodity, check prices."""
    panel = market.select(
        "commodity", "date", *(pl.col(name).fill_null(pl.col("close")) for name in _PRICE_COLUMNS)
    ).sort("commodity", "date")
    not_finite = pl.any_horizontal(~pl.col(_PRICE_COLUMNS).is_finite().fill_null(False))
    bad = panel.filter(not_finite)
    if bad.height:
        first = bad.row(0, named=True)
        raise ValueError(
            f"build_features: {bad.height} market rows lack a finite high, low or close (first: "
            f"{first['commodity']} {first['date']}); quarantine or repair them before building "
            "features"
        )
    same_key = (pl.col("commodity") == pl.col("commodity").shift(1)) & (
        pl.col("date") == pl.col("date").shift(1)
    )
    duplicates = panel.filter(same_key)
    if duplicates.height:
        first = duplicates.row(0, named=True)
        raise ValueError(
            f"build_features: {duplicates.height} duplicate (commodity, date) rows (first: "
            f"{first['commodity']} {first['date']}); keep one row per commodity and date"
        )
    return panel.with_columns(position=pl.int_range(pl.len(), dtype=pl.Int64).over("commodity"))


def _price_features(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, position: np.ndarray
) -> dict[str, np.ndarray]:
    """Return the price features as float64 arrays, NaN where a window is incomplete."""
    previous_close = _lag(close, position, 1)
    ret_1d = _relative(close, previous_close)
    change = close - previous_close
    gains = rolling_mean_nb(np.maximum(change, 0.0), position, 14)
    losses = rolling_mean_nb(np.maximum(-change, 0.0), position, 14)
    bar_top = np.maximum(np.maximum(high, low), np.maximum(close, previous_close))
    bar_bottom = np.minimum(np.minimum(high, low), np.minimum(close, previous_close))
    true_range = rolling_mean_nb(bar_top - bar_bottom, position, 14)
    with np.errstate(invalid="ignore", divide="ignore"):
        rsi = np.where(gains + losses == 0.0, 50.0, 100.0 * gains / (gains + losses))
    return {
        "ret_1d": ret_1d,
        "ret_5d": _relative(close, _lag(close, position, 5)),
        "ret_20d": _relative(close, _lag(close, position, 20)),
        "vol_20d": rolling_std_nb(ret_1d, position, 20) * math.sqrt(TRADING_DAYS_PER_YEAR),
        "ma_ratio_5_20": _moving_average_ratio(close, position, 5, 20),
        "ma_ratio_20_60": _moving_average_ratio(close, position, 20, 60),
        "atr_14_pct": true_range / np.maximum(np.abs(close), PRICE_FLOOR),
        "rsi_14": rsi,
        "momentum_60": _relative(close, _lag(close, position, 60)),
        "dist_52w_high": _relative(close, rolling_max_nb(high, position, 252)),
        "dist_52w_low": _relative(close, rolling_min_nb(low, position, 252)),
    }


def _lag(values: np.ndarray, position: np.ndarray, rows: int) -> np.ndarray:
    """Return the value ``rows`` rows earlier in the same commodity, NaN where there is none."""
    lagged = np.full(values.shape[0], np.nan)
    lagged[rows:] = values[:-rows]
    lagged[position < rows] = np.nan
    return lagged


def _relative(value: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Return ``(value - base) / max(|base|, PRICE_FLOOR)``: finite through zero prices."""
    return (value - base) / np.maximum(np.abs(base), PRICE_FLOOR)


def _moving_average_ratio(
    close: np.ndarray, position: np.ndarray, short: int, long: int
) -> np.ndarray:
    """Return ``relative(short MA, long MA)`` of close."""
    return _relative(
        rolling_mean_nb(close, position, short), rolling_mean_nb(close, position, long)
    )


def _season_table(commodities: list[str], universe: Universe) -> pl.DataFrame:
    """Return each commodity's season start (month, day, month*100+day) and intake end."""
    rows = [(key, *_season_bounds(key, universe.commodity(key).harvest)) for key in commodities]
    schema = {"commodity": pl.String(), **dict.fromkeys(_SEASON_BOUNDS, pl.Int32())}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _season_bounds(key: str, harvest: HarvestSpec | None) -> tuple[int, int, int, int | None]:
    """Return ``_SEASON_BOUNDS`` for one commodity; no harvest means a Jan 1 season, no intake."""
    if harvest is None:
        return 1, 1, 101, None
    month, day = (int(part) for part in harvest.intake_start.split("-"))
    try:
        dt.date(2001, month, day)
    except ValueError:
        raise ValueError(
            f"commodities.{key}.harvest.intake_start {harvest.intake_start!r} is not a day of "
            "every year; season features need a start that every year has (e.g. 02-28 or 03-01)"
        ) from None
    end_month, end_day = (int(part) for part in harvest.intake_end.split("-"))
    return month, day, month * 100 + day, end_month * 100 + end_day


def _season_columns() -> dict[str, pl.Expr]:
    date = pl.col("date")
    month_day = date.dt.month().cast(pl.Int32) * 100 + date.dt.day().cast(pl.Int32)
    start, end = pl.col("start_md"), pl.col("end_md")
    in_window = (
        pl.when(end.is_null())
        .then(False)
        .when(start <= end)
        .then(month_day.is_between(start, end))
        .otherwise((month_day >= start) | (month_day <= end))
    )
    this_year = pl.date(date.dt.year(), pl.col("start_month"), pl.col("start_day"))
    last_year = pl.date(date.dt.year() - 1, pl.col("start_month"), pl.col("start_day"))
    season_start = pl.when(this_year <= date).then(this_year).otherwise(last_year)
    day_of_season = (date - season_start).dt.total_days()
    return {
        "in_harvest": in_window,
        "day_of_season": day_of_season,
        "season_progress": day_of_season / 365.0,
        "day_of_week": date.dt.weekday() - 1,
        "month": date.dt.month(),
        "day_of_year": date.dt.ordinal_day(),
    }
