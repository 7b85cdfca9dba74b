"""Futures contract specifications: the part of a commodity's config the futures book trades by.

Prices are in the commodity's ``quote_unit``; ``multiplier`` is quote-unit quantities per
contract (37,500 lb of coffee); ``price_to_currency`` converts one quote unit of price into the
currency (0.01 for US cents), so a price change of ``dp`` on one contract is worth
``dp x multiplier x price_to_currency`` and one tick ``tick_size x multiplier x
price_to_currency``, which must equal ``tick_value``.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MONTH_CODES = "FGHJKMNQUVXZ"  # January .. December, the exchanges' contract-month letters


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExpiryRule(_Frozen):
    """A contract's reference day, the day positions must be out by (its first notice day, or
    its last trading day where notice comes later): ``business_days`` trading days before
    ``anchor``.

    - ``delivery_month``: the first trading day of the contract month (coffee: 7; grains and
      sugar: 1, the last trading day of the month before);
    - ``previous_month_day``: the ``day``-th calendar day of the month before the contract
      month, or the trading day before it when it is not one (WTI crude: 3 before the 25th).
    """

    anchor: Literal["delivery_month", "previous_month_day"]
    business_days: int = Field(ge=0, le=30)
    day: int | None = Field(default=None, ge=1, le=28)

    @model_validator(mode="after")
    def _day_only_for_previous_month_day(self) -> ExpiryRule:
        if (self.anchor == "previous_month_day") != (self.day is not None):
            raise ValueError("day is required by anchor previous_month_day and only by it")
        return self


class FuturesSpec(_Frozen):
    """How one commodity trades as a futures contract (see the module docstring for units)."""

    root: str = Field(min_length=1, max_length=4, description="exchange root symbol, e.g. KC")
    calendar: str | None = Field(default=None, description="the exchange calendar (a name in "
                                 "the universe's calendars) of roll and reference days; default: "
                                 "the commodity's market calendar")
    months: str = Field(description="listed contract months as letters, e.g. HKNUZ")
    multiplier: float = Field(gt=0, description="quote-unit quantity per contract")
    tick_size: float = Field(gt=0, description="minimum price step, in the quote unit")
    tick_value: float = Field(gt=0, description="currency value of one tick on one contract")
    price_to_currency: float = Field(default=1.0, gt=0,
                                     description="currency per quote unit of price (0.01: cents)")
    initial_margin: float = Field(gt=0, description="approximate initial margin per contract")
    expiry: ExpiryRule
    roll_business_days: int = Field(default=5, ge=0, le=30,
                                    description="trading days before the reference day to roll")

    @field_validator("months")
    @classmethod
    def _months_listed_in_order(cls, value: str) -> str:
        if not value or any(m not in MONTH_CODES for m in value) or \
                list(value) != sorted(set(value), key=MONTH_CODES.index):
            raise ValueError(f"months must be distinct letters of {MONTH_CODES} in calendar "
                             f"order, got {value!r}")
        return value

    @model_validator(mode="after")
    def _tick_value_matches(self) -> FuturesSpec:
        implied = self.tick_size * self.multiplier * self.price_to_currency
        if not math.isclose(implied, self.tick_value, rel_tol=1e-9):
            raise ValueError(f"tick_value {self.tick_value} contradicts tick_size x multiplier x "
                             f"price_to_currency = {self.tick_size} x {self.multiplier} x "
                             f"{self.price_to_currency} = {implied:g}")
        return self

    @property
    def contract_months(self) -> tuple[int, ...]:
        """The listed months as numbers 1..12."""
        return tuple(MONTH_CODES.index(m) + 1 for m in self.months)

    def point_value(self) -> float:
        """Currency value of a price change of one quote unit on one contract."""
        return self.multiplier * self.price_to_currency
