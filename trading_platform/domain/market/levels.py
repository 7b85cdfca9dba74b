"""Is a vendor file quoted like the series it would join? Units, contract and level checks.

A file in other units (USD per tonne instead of US cents per pound: 22x; dollars instead of
cents: 100x) or from another contract (a deferred month trades at a premium or discount) looks
like a perfectly valid file. It gives itself away only against what is stored, so:

- **overlap**: on at least ``MIN_OVERLAP`` dates the file shares with the stored series, the
  median of ``file close / stored close`` must lie within ``level_tolerance_pct`` of 1 (3 % by
  default). A genuine revision of a few days moves the median little; a unit or contract
  mismatch moves every day.
- **no overlap** (or fewer shared dates): the file's first new close is compared with the last
  stored close before it (``max_level_jump``, a factor of 2 by default, either way) and with the
  commodity's ``plausible_price`` range.

Ratios use positive closes only (crude may trade at or below zero, where a ratio says
nothing). A failure raises ``IngestError`` with rule ``level_mismatch`` (overlap), ``level_jump``
or ``implausible_level``, showing the ratio or the price that gave it away. Nothing is rescaled.
"""

from __future__ import annotations

import polars as pl

from trading_platform.config.universe import Universe
from trading_platform.domain.market.readers import IngestError

MIN_OVERLAP = 5


def check_levels(file: str, accepted: pl.DataFrame, stored: pl.DataFrame,
                 previous: pl.DataFrame, universe: Universe) -> None:
    """Raise ``IngestError`` if ``accepted`` (one file's rows) is quoted unlike the stored series.

    ``stored`` holds the stored rows on the file's dates; ``previous`` the last stored row of
    each commodity before the file's first date (both may be empty).
    """
    for commodity in accepted.get_column("commodity").unique().sort():
        mine = accepted.filter(pl.col("commodity") == commodity)
        shared = mine.join(stored.filter(pl.col("commodity") == commodity), on="date",
                           suffix="_stored").filter((pl.col("close") > 0)
                                                    & (pl.col("close_stored") > 0))
        if shared.height >= MIN_OVERLAP:
            _check_overlap(file, commodity, shared, universe)
        else:
            before = previous.filter(pl.col("commodity") == commodity)
            _check_first_close(file, commodity, mine.sort("date").row(0, named=True), before,
                               universe)


def _check_overlap(file: str, commodity: str, shared: pl.DataFrame, universe: Universe) -> None:
    ratio = float(shared.select((pl.col("close") / pl.col("close_stored")).median()).item())
    tolerance = universe.ingest.level_tolerance_pct / 100
    if abs(ratio - 1) <= tolerance:
        return
    unit = universe.commodity(commodity).unit
    first, last = shared["date"].min(), shared["date"].max()
    reason = (f"on the {shared.height} dates it shares with the stored {commodity} series "
              f"({first}..{last}) its closes are {ratio:.4g}x the stored ones (median ratio; "
              f"tolerance {universe.ingest.level_tolerance_pct:g} %): another unit than "
              f"{unit}, another contract or another vendor's series; nothing is rescaled. "
              "Check the file's unit and contract; if the stored series is the wrong one, "
              "export the right file for it instead")
    raise IngestError(file, None, "level_mismatch", reason)


def _check_first_close(file: str, commodity: str, first: dict, before: pl.DataFrame,
                       universe: Universe) -> None:
    spec, close = universe.commodity(commodity), first["close"]
    if spec.plausible_price is not None:
        low, high = spec.plausible_price
        if not low <= close <= high:
            reason = (f"its first close {close:g} on {first['date']} is outside the plausible "
                      f"{commodity} range {low:g}..{high:g} {spec.unit}: another unit or "
                      "instrument? nothing is rescaled; fix the file, or the range in "
                      f"commodities.{commodity}.plausible_price if the market really is there")
            raise IngestError(file, None, "implausible_level", reason)
    if before.is_empty():
        return
    last = before.row(0, named=True)
    jump = universe.ingest.max_level_jump
    if close > 0 and last["close"] > 0 and not 1 / jump <= close / last["close"] <= jump:
        reason = (f"its first close {close:g} on {first['date']} is {close / last['close']:.4g}x "
                  f"the last stored {commodity} close {last['close']:g} on {last['date']} "
                  f"(allowed 1/{jump:g}..{jump:g}): another unit ({spec.unit} is stored), "
                  "contract or vendor? nothing is rescaled")
        raise IngestError(file, None, "level_jump", reason)
