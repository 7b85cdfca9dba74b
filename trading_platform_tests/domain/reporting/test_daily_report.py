"""The daily report pack: files that parse back, halted commodities publish no action, NaN is
null, the HTML page is escaped and self-contained, and the markdown summary lists everyone."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re

import numpy as np
import polars as pl
import pytest

from trading_platform.domain.reporting.daily_report import (
    CommodityDay,
    ReportPack,
    build_report_pack,
    summary_markdown,
)

DAY = dt.date(2024, 5, 2)
GENERATED_AT = "2024-05-02T18:30:00+00:00"
NAN = float("nan")


def _recommendation(commodity: str, **overrides: object) -> dict[str, object]:
    # A full stored row: SELL 250 of 1,000 bags at 152.30; 250 * 152.30 = 38,075.00 gross.
    row: dict[str, object] = {
        "commodity": commodity, "date": DAY, "status": "ACTIONABLE", "action": "SELL",
        "quantity": 250.0, "share_of_inventory": 0.25, "available_inventory": 1_000.0,
        "reference_price": 152.3, "expected_proceeds": 38_075.0, "transaction_cost": 150.0,
        "storage_cost": 25.0, "net_proceeds": 37_900.0, "tier": "high", "share_above": 0.7,
        "mean_return": 0.012, "median_return": 0.01, "q10_return": -0.03, "q90_return": 0.05,
        "uncertainty": 0.08, "evaluation_day": 5, "explanation": "Prices are likely to fall.",
        "model": "xgboost", "model_version": "3", "strategy": "forecast_threshold",
        "strategy_hash": "ab12cd34", "data_partition": "2024-05-02", "run_id": "run-1",
        "champion_status": "confirmed", "champion_score": 0.4321,
        "opening_inventory": 1_000.0, "intake": 0.0, "closing_inventory": 750.0,
        "closing_cash": 37_900.0, "value": 152_125.0, "units": "US cents/lb",
        "volume_unit": "bags", "halted_reason": "",
    }
    row.update(overrides)
    return row


def _day(commodity: str, *, with_matrix: bool = True, checks: list[dict[str, object]] | None = None,
         monitoring: dict[str, object] | None = None, **overrides: object) -> CommodityDay:
    rng = np.random.default_rng(len(commodity))
    dates = pl.date_range(DAY - dt.timedelta(days=39), DAY, eager=True)
    closes = pl.DataFrame({"date": dates, "close": 150 + np.cumsum(rng.normal(size=40))})
    matrix = 152.3 * np.exp(rng.normal(0, 0.01, size=(50, 14)).cumsum(axis=1))
    book = pl.DataFrame({"date": [DAY], "inventory": [750.0], "value": [152_125.0]})
    passed = {"name": "sale_within_inventory", "passed": True, "severity": "ERROR",
              "description": "sale_within_inventory: sale 250 within available 1000"}
    default_monitoring = {"latest_ic": 0.12, "latest_rank_ic": 0.1, "directional_accuracy": 0.56,
                          "recent_directional_accuracy": 0.58,
                          "drift": {"drifting": False, "reason": ""}, "regimes": {}}
    return CommodityDay(
        recommendation=_recommendation(commodity, **overrides),
        checks=[passed] if checks is None else checks, closes=closes,
        matrix=matrix if with_matrix else None, book=book,
        monitoring=default_monitoring if monitoring is None else monitoring)


@pytest.fixture(scope="module")
def pack() -> ReportPack:
    # coffee sells; sugar is halted with a malicious explanation; wheat is expected but absent.
    days = {
        "coffee": _day("coffee"),
        "sugar": _day("sugar", status="HALTED", halted_reason="drawdown breaker tripped",
                      explanation="<script>alert('x')</script> & more", with_matrix=False,
                      monitoring={"latest_ic": NAN, "drift": {"drifting": True,
                                                             "reason": "IC below floor"}}),
        "cocoa": _day("cocoa", share_above=NAN, mean_return=NAN, uncertainty=NAN),
    }
    return build_report_pack(DAY, days, ["cocoa", "coffee", "sugar", "wheat"], GENERATED_AT)


def _html(pack: ReportPack) -> str:
    return pack.files["report.html"].decode("utf-8")


def test_build_report_pack_given_three_commodities_writes_the_four_files(pack):
    assert set(pack.files) == {"trades.csv", "signals.json", "monitoring.json", "report.html"}
    assert all(pack.files.values())


def test_trades_csv_given_halted_commodity_parses_with_none_action_and_reason(pack):
    trades = pl.read_csv(io.BytesIO(pack.files["trades.csv"]), try_parse_dates=True)
    assert trades["commodity"].to_list() == ["cocoa", "coffee", "sugar"]
    sugar = trades.filter(pl.col("commodity") == "sugar").row(0, named=True)
    assert sugar["published_action"] == "NONE (HALTED)"
    assert sugar["reason"] == "drawdown breaker tripped"
    assert sugar["quantity"] is None  # nothing to execute while halted
    coffee = trades.filter(pl.col("commodity") == "coffee").row(0, named=True)
    assert (coffee["published_action"], coffee["quantity"]) == ("SELL", 250.0)
    assert coffee["date"] == DAY


def test_trades_csv_given_blocked_commodity_names_the_failed_validators():
    failed = [{"name": name, "passed": False, "severity": "ERROR", "description": "no"}
              for name in ("sale_within_inventory", "sale_within_daily_share")]
    pack = build_report_pack(DAY, {"corn": _day("corn", status="BLOCKED", checks=failed)},
                             ["corn"], GENERATED_AT)
    trades = pl.read_csv(io.BytesIO(pack.files["trades.csv"]))
    assert trades["published_action"].to_list() == ["NONE (BLOCKED)"]
    assert trades["reason"].to_list() == ["sale_within_inventory; sale_within_daily_share"]
    assert "NONE (BLOCKED): sale_within_inventory; sale_within_daily_share" in _html(pack)


def test_signals_json_given_nan_forecast_writes_null(pack):
    assert b"NaN" not in pack.files["signals.json"]
    signals = json.loads(pack.files["signals.json"])
    assert (signals["date"], signals["generated_at"]) == ("2024-05-02", GENERATED_AT)
    cocoa = signals["commodities"]["cocoa"]
    assert cocoa["forecast"]["share_above"] is None
    assert cocoa["forecast"]["q10_return"] == -0.03
    assert cocoa["champion"] == {"model": "xgboost", "model_version": "3",
                                 "strategy": "forecast_threshold", "strategy_hash": "ab12cd34",
                                 "status": "confirmed", "score": 0.4321}


def test_monitoring_json_given_nan_ic_writes_null(pack):
    monitoring = json.loads(pack.files["monitoring.json"])
    assert monitoring["date"] == "2024-05-02"
    assert monitoring["commodities"]["sugar"]["latest_ic"] is None
    assert monitoring["commodities"]["coffee"]["latest_ic"] == 0.12


def test_report_html_given_commodities_has_a_section_each(pack):
    page = _html(pack)
    for commodity in ("cocoa", "coffee", "sugar"):
        assert f"<section id='commodity-{commodity}'>" in page
    assert "Daily trading report: 2024-05-02" in page


def test_report_html_given_malicious_explanation_escapes_it(pack):
    page = _html(pack)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page


def test_report_html_given_missing_and_halted_commodities_shows_the_red_banner(pack):
    page = _html(pack)
    assert pack.missing == ["wheat"]
    assert "<div class='banner'><p>missing: wheat" in page
    assert "trading halted for sugar (drawdown breaker tripped): see below; resume only after a " \
           "recorded reset" in page
    assert "NONE (HALTED): drawdown breaker tripped" in page


def test_report_html_given_nothing_missing_or_halted_shows_no_banner():
    pack = build_report_pack(DAY, {"coffee": _day("coffee")}, ["coffee"], GENERATED_AT)
    assert "class='banner'" not in _html(pack)
    assert pack.missing == []


def test_report_html_given_charts_embeds_two_png_images_per_commodity(pack):
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", _html(pack))
    assert len(images) == 6  # 3 commodities x (price or fan chart, book chart)
    assert all(base64.b64decode(image)[:8] == b"\x89PNG\r\n\x1a\n" for image in images)


def test_report_html_given_sell_formats_the_line_for_people(pack):
    # 250 of 1,000 bags = 25 %; proceeds 38,075.00 gross, 37,900.00 net
    assert ("SELL 250 bags (25 % of 1,000 available) at 152.30 US cents/lb: expected proceeds "
            "38,075.00, net 37,900.00 after transaction cost 150.00 and storage cost 25.00"
            ) in _html(pack)


def test_report_html_given_monitoring_shows_ic_accuracy_and_drift(pack):
    page = _html(pack)
    assert "IC 0.120, rank IC 0.100, directional accuracy 56.0 % (recent 58.0 %), drift: " \
           "no drift" in page
    assert "IC n/a, rank IC n/a" in page
    assert "drift: DRIFTING (IC below floor)" in page


def test_report_html_given_lineage_shows_model_strategy_and_champion(pack):
    page = _html(pack)
    for value in ("ab12cd34", "run-1", "2024-05-02", "confirmed", "0.4321"):
        assert f"<td>{value}</td>" in page


def test_summary_given_pack_has_one_row_per_commodity_with_champion(pack):
    assert pack.summary.columns == ["commodity", "status", "published_action", "quantity",
                                    "reference_price", "net_proceeds", "tier", "champion"]
    assert pack.summary["commodity"].to_list() == ["cocoa", "coffee", "sugar"]
    assert pack.summary["champion"].to_list() == ["xgboost x forecast_threshold"] * 3


def test_summary_markdown_given_pack_lists_every_commodity_and_the_missing(pack):
    markdown = summary_markdown(pack)
    for commodity in ("cocoa", "coffee", "sugar"):
        assert f"| {commodity} |" in markdown
    assert "| sugar | HALTED | NONE (HALTED) | n/a | 152.30 |" in markdown
    assert markdown.endswith("missing: wheat")


def test_build_report_pack_given_recommendation_of_another_day_raises():
    stale = {"coffee": _day("coffee", date=DAY - dt.timedelta(days=1))}
    with pytest.raises(ValueError, match="coffee is dated 2024-05-01, the report is for 2024-05"):
        build_report_pack(DAY, stale, ["coffee"], GENERATED_AT)


def test_build_report_pack_given_incomplete_recommendation_names_the_lacking_columns():
    entry = _day("coffee")
    del entry.recommendation["run_id"]
    with pytest.raises(ValueError, match="coffee lacks run_id"):
        build_report_pack(DAY, {"coffee": entry}, ["coffee"], GENERATED_AT)


def test_build_report_pack_given_no_recommendations_reports_all_missing():
    pack = build_report_pack(DAY, {}, ["coffee", "sugar"], GENERATED_AT)
    assert pack.missing == ["coffee", "sugar"]
    assert pack.summary.height == 0
    assert pl.read_csv(io.BytesIO(pack.files["trades.csv"])).height == 0
    assert "missing: coffee, sugar" in _html(pack)
