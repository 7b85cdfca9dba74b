"""Data-quality checks over stored market data: one tiny hand-built frame per finding."""

from __future__ import annotations

import json
import math
from datetime import date

import polars as pl
import pytest

from trading_platform.config import Universe
from trading_platform.domain.evidence import CheckOutcome
from trading_platform.domain.market.quality import (
    evaluate_freshness,
    evaluate_market_quality,
)
from trading_platform.domain.market.schema import MARKET_SCHEMA, empty_market_frame

CHECK_NAMES = [
    "schema_valid",
    "no_duplicate_dates",
    "prices_legal",
    "ohlc_consistent",
    "no_spikes",
    "volume_valid",
]
Bar = tuple[str, date, float | None, float | None, float | None, float | None, int | None]
# Tue 2024-01-02 .. Thu 01-04; closes 100 -> 101 -> 102 move ln(1.01) = 0.010 a day: no spike.
CLEAN: list[Bar] = [
    ("coffee", date(2024, 1, 2), 99.5, 101.0, 99.0, 100.0, 1200),
    ("coffee", date(2024, 1, 3), 100.0, 101.5, 99.5, 101.0, 1100),
    ("coffee", date(2024, 1, 4), 101.0, 102.5, 100.5, 102.0, 900),
    ("corn", date(2024, 1, 2), 450.0, 452.0, 449.0, 451.0, 20000),
    ("corn", date(2024, 1, 3), 451.0, 453.0, 450.0, 452.0, 21000),
]


def _frame(bars: list[Bar]) -> pl.DataFrame:
    rows = [(*bar, "", "vendor", "test", None, None, None) for bar in bars]
    return pl.DataFrame(rows, schema=MARKET_SCHEMA, orient="row")


def _outcomes(bars: list[Bar], universe: Universe) -> dict[str, CheckOutcome]:
    outcomes = evaluate_market_quality(_frame(bars), universe)
    assert [outcome.name for outcome in outcomes] == CHECK_NAMES
    for outcome in outcomes:
        json.dumps(outcome.metadata, allow_nan=False)  # Dagster metadata must be plain JSON
    return {outcome.name: outcome for outcome in outcomes}


def _failures(outcomes: dict[str, CheckOutcome]) -> dict[str, str]:
    return {name: outcome.severity for name, outcome in outcomes.items() if not outcome.passed}


def _replace(index: int, bar: Bar) -> list[Bar]:
    return [bar if position == index else row for position, row in enumerate(CLEAN)]


def test_evaluate_market_quality_given_clean_frame_passes_everything(universe: Universe) -> None:
    outcomes = _outcomes(CLEAN, universe)
    assert _failures(outcomes) == {}
    spikes = outcomes["no_spikes"]
    assert spikes.severity == "WARN"
    assert spikes.metadata["rows_checked"] == 5
    assert spikes.metadata["rows_per_commodity"] == {"coffee": 3, "corn": 2}
    assert spikes.metadata["thresholds"] == {"coffee": 0.10, "corn": 0.08}
    assert outcomes["prices_legal"].severity == "ERROR"  # what a failure would mean


def test_evaluate_market_quality_given_empty_frame_passes_with_zero_rows(
    universe: Universe,
) -> None:
    outcomes = evaluate_market_quality(empty_market_frame(), universe)
    assert all(outcome.passed for outcome in outcomes)
    assert {outcome.metadata["rows_checked"] for outcome in outcomes} == {0}


def test_evaluate_market_quality_given_wrong_schema_fails_every_check_without_crashing(
    universe: Universe,
) -> None:
    frame = _frame(CLEAN).drop("flags").with_columns(pl.col("volume").cast(pl.Float64))
    outcomes = evaluate_market_quality(frame, universe)
    assert [(o.name, o.passed, o.severity) for o in outcomes] == [
        (name, False, "ERROR") for name in CHECK_NAMES
    ]
    schema = outcomes[0].metadata
    assert schema["missing_columns"] == ["flags"]
    assert schema["wrong_dtypes"] == {"volume": {"expected": "Int64", "observed": "Float64"}}
    assert "could not be evaluated" in outcomes[1].description


def test_evaluate_market_quality_given_duplicate_date_errors_with_both_rows(
    universe: Universe,
) -> None:
    copy = ("corn", date(2024, 1, 3), 451.0, 453.0, 450.0, 452.5, 1)  # CLEAN[4] closed 452.0
    outcomes = _outcomes([*CLEAN, copy], universe)
    assert _failures(outcomes) == {"no_duplicate_dates": "ERROR"}
    evidence = outcomes["no_duplicate_dates"].metadata["first_offending_rows"]
    assert [(row["date"], row["close"]) for row in evidence] == [
        ("2024-01-03", 452.0), ("2024-01-03", 452.5)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("bar", "rule"),
    [
        (("coffee", date(2024, 1, 3), 100.0, 101.5, -1.0, 101.0, 1), "non_positive_price"),
        (("coffee", date(2024, 1, 3), 100.0, 2500.0, 99.5, 101.0, 1), "price_out_of_range"),
        (("coffee", date(2024, 1, 3), 100.0, math.inf, 99.5, 101.0, 1), "non_finite"),
        (("bananas", date(2024, 1, 3), 100.0, 101.5, 99.5, 101.0, 1), "unknown_commodity"),
    ],
)
def test_evaluate_market_quality_given_illegal_price_errors(
    bar: Bar, rule: str, universe: Universe
) -> None:
    # coffee forbids negatives and caps prices at max_price 2000; inf is never a price.
    outcome = _outcomes(_replace(1, bar), universe)["prices_legal"]
    assert (outcome.passed, outcome.severity) == (False, "ERROR")
    assert outcome.metadata["violations"][rule] == 1
    offending = outcome.metadata["first_offending_rows"]
    assert [(row["commodity"], row["date"], row["rule"]) for row in offending] == [
        (bar[0], "2024-01-03", rule)
    ]  # fmt: skip


def test_evaluate_market_quality_given_negative_crude_price_passes(universe: Universe) -> None:
    crude = [("crude", date(2020, 4, 17), 19.87, 20.39, 17.31, 18.27, 5),
             ("crude", date(2020, 4, 20), 17.73, 17.85, -40.32, -37.63, 5)]  # fmt: skip
    assert _failures(_outcomes(crude, universe)) == {}  # crude allows negatives; no log return


@pytest.mark.parametrize(
    ("bar", "rule", "severity", "reason"),
    [
        # high 99 < low 101: impossible -> ERROR
        (("coffee", date(2024, 1, 3), 100.0, 99.0, 101.0, 100.0, 1), "ohlc_impossible", "ERROR",
         "high 99.0 < low 101.0"),
        # close 101 above high 100.5 while high >= low: unbracketed, real but suspicious -> WARN
        (("coffee", date(2024, 1, 3), 100.0, 100.5, 99.5, 101.0, 1), "ohlc_unbracketed", "WARN",
         "high 100.5 / low 99.5 do not bracket open 100.0 / close 101.0"),
        (("coffee", date(2024, 1, 3), None, 101.5, 99.5, 101.0, 1), "missing_price", "ERROR",
         "null: open"),
    ],
)  # fmt: skip
def test_evaluate_market_quality_given_ohlc_problem_reports_severity_and_row(
    bar: Bar, rule: str, severity: str, reason: str, universe: Universe
) -> None:
    outcomes = _outcomes(_replace(1, bar), universe)
    assert _failures(outcomes) == {"ohlc_consistent": severity}
    evidence = outcomes["ohlc_consistent"].metadata["first_offending_rows"]
    assert [(row["date"], row["rule"], row["reason"]) for row in evidence] == [
        ("2024-01-03", rule, reason)
    ]  # fmt: skip


def test_evaluate_market_quality_given_impossible_and_unbracketed_errors(
    universe: Universe,
) -> None:
    bars = _replace(1, ("coffee", date(2024, 1, 3), 100.0, 99.0, 101.0, 100.0, 1))
    bars = [*bars, ("corn", date(2024, 1, 4), 452.0, 452.5, 451.0, 453.0, 1)]  # close > high
    outcome = _outcomes(bars, universe)["ohlc_consistent"]
    assert (outcome.passed, outcome.severity) == (False, "ERROR")  # any hard break wins
    assert (outcome.metadata["error_rows"], outcome.metadata["warn_rows"]) == (1, 1)


def test_evaluate_market_quality_given_jump_warns_spike_per_commodity_threshold(
    universe: Universe,
) -> None:
    # coffee 102 -> 114.24 = +12 %: ln(1.12) = 0.113 > 0.10 -> spike.
    # corn 452 -> 492.68 = +9 %: ln(1.09) = 0.086 > corn's 0.08 -> spike (coffee would pass).
    bars = [*CLEAN, ("coffee", date(2024, 1, 5), 113.0, 115.0, 112.0, 114.24, 1),
            ("corn", date(2024, 1, 4), 490.0, 493.0, 489.0, 492.68, 1)]  # fmt: skip
    outcome = _outcomes(bars, universe)["no_spikes"]
    assert (outcome.passed, outcome.severity) == (False, "WARN")
    assert outcome.metadata["offending_per_commodity"] == {"coffee": 1, "corn": 1}
    assert outcome.metadata["thresholds"] == {"coffee": 0.10, "corn": 0.08}
    returns = [row["log_return"] for row in outcome.metadata["first_offending_rows"]]
    assert returns == pytest.approx([math.log(1.12), math.log(1.09)])


def test_evaluate_market_quality_given_nine_percent_coffee_move_passes(universe: Universe) -> None:
    # ln(1.09) = 0.086 <= coffee's 0.10
    bars = [*CLEAN, ("coffee", date(2024, 1, 5), 110.0, 111.5, 110.0, 111.18, 1)]
    assert _outcomes(bars, universe)["no_spikes"].passed


@pytest.mark.parametrize(
    ("volume", "severity"), [(-5, "ERROR"), (0, "WARN"), (None, "WARN")]
)  # fmt: skip
def test_evaluate_market_quality_given_bad_volume_reports_severity(
    volume: int | None, severity: str, universe: Universe
) -> None:
    bar = ("coffee", date(2024, 1, 4), 101.0, 102.5, 100.5, 102.0, volume)
    outcomes = _outcomes(_replace(2, bar), universe)
    assert _failures(outcomes) == {"volume_valid": severity}
    assert outcomes["volume_valid"].metadata["first_offending_rows"][0]["volume"] == volume


def test_evaluate_market_quality_given_many_offenders_keeps_ten_as_evidence(
    universe: Universe,
) -> None:
    bars = [("corn", date(2024, 1, day), 450.0, 452.0, 449.0, 451.0, 0) for day in range(1, 16)]
    outcome = _outcomes(bars, universe)["volume_valid"]
    assert outcome.metadata["violations"] == {"negative_volume": 0, "zero_volume": 15,
                                              "missing_volume": 0}  # fmt: skip
    assert len(outcome.metadata["first_offending_rows"]) == 10


def test_evaluate_freshness_given_weekend_expects_friday(universe: Universe) -> None:
    # as_of Monday 2024-01-08: the last complete trading day is Friday 01-05 on every calendar.
    # Latest Fri -> lag 0; Thu 01-04 -> lag 1 (allowed); Wed 01-03 -> lag 2 (stale); none -> stale.
    latest = dict.fromkeys(universe.commodity_keys, date(2024, 1, 5))
    latest |= {"corn": date(2024, 1, 4), "sugar": date(2024, 1, 3), "wheat": None}
    outcome = evaluate_freshness(latest, universe, as_of=date(2024, 1, 8))
    assert (outcome.name, outcome.passed, outcome.severity) == ("market_data_fresh", False, "WARN")
    assert outcome.metadata["stale"] == ["sugar", "wheat"]
    per = outcome.metadata["per_commodity"]
    assert per["coffee"] == {
        "latest": "2024-01-05", "expected": "2024-01-05", "lag_trading_days": 0
    }  # fmt: skip
    assert per["corn"]["lag_trading_days"] == 1
    assert per["sugar"]["lag_trading_days"] == 2
    assert per["wheat"] == {"latest": None, "expected": "2024-01-05", "lag_trading_days": None}
    json.dumps(outcome.metadata)


def test_evaluate_freshness_given_holiday_skips_it(universe: Universe) -> None:
    # as_of Tue 2024-01-16; Mon 01-15 is an ICE and CBOT holiday, not a NYMEX one. So the
    # expected day is Fri 01-12 except for crude (Mon 01-15): data through Fri leaves crude 1
    # trading day behind, allowed by default and stale when no lag is allowed.
    latest = dict.fromkeys(universe.commodity_keys, date(2024, 1, 12))
    outcome = evaluate_freshness(latest, universe, as_of=date(2024, 1, 16))
    per = outcome.metadata["per_commodity"]
    assert outcome.passed
    assert per["coffee"]["expected"] == "2024-01-12" and per["crude"]["expected"] == "2024-01-15"
    assert per["crude"]["lag_trading_days"] == 1
    strict = evaluate_freshness(latest, universe, as_of=date(2024, 1, 16), max_stale_trading_days=0)
    assert strict.metadata["stale"] == ["crude"]
    assert "crude latest 2024-01-12, 1 trading days behind" in strict.description
