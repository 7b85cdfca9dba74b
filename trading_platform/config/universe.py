"""The commodity universe: frozen, validated pydantic models loaded from YAML.

Costs are stated in percent as the desk quotes them: ``storage_cost_pct_per_day: 0.005`` means
0.005 % of the inventory's market value per calendar day held, ``transaction_cost_pct: 0.01``
means 0.01 % of sale proceeds. ``spike_threshold`` is an absolute daily log return (0.10 = a move
of about 10 %) above which the data checks raise a WARN. A universe's ``content_hash`` is its
identity in lineage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from functools import cached_property
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trading_platform.config.contracts import FuturesSpec
from trading_platform.config.exchange_calendars import library_holidays, rule_holidays

MonthDay = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]


class UniverseConfigError(ValueError):
    """A universe file that cannot be used; the message names the file and the field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TradingCalendarSpec(_Frozen):
    """Trading days: the listed weekdays (0 = Monday) minus fixed and explicit holidays.

    ``exchange_calendar`` (a pandas-market-calendars name) or ``holiday_rule`` (a documented
    rule) add their holidays to ``holidays`` when the spec is built
    (``config.exchange_calendars``); explicit ``holidays`` add one-off closures."""

    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    fixed_holidays: tuple[MonthDay, ...] = ()
    holidays: tuple[dt.date, ...] = ()
    exchange_calendar: str | None = None
    holiday_rule: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand_holidays(cls, data: object) -> object:
        if not isinstance(data, dict) or not (data.get("exchange_calendar")
                                              or data.get("holiday_rule")):
            return data
        days = {dt.date.fromisoformat(str(d)) if not isinstance(d, dt.date) else d
                for d in data.get("holidays") or ()}
        if data.get("exchange_calendar"):
            days |= set(library_holidays(str(data["exchange_calendar"])))
        if data.get("holiday_rule"):
            days |= set(rule_holidays(str(data["holiday_rule"])))
        return {**data, "holidays": tuple(sorted(days))}

    @cached_property
    def holiday_set(self) -> frozenset[dt.date]:
        """``holidays`` for membership tests (hundreds of dates once expanded)."""
        return frozenset(self.holidays)

    @field_validator("weekdays")
    @classmethod
    def _weekdays_in_range(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(day < 0 or day > 4 for day in value):
            raise ValueError("weekdays must be a non-empty subset of 0..4 (Monday..Friday)")
        return tuple(sorted(set(value)))


class HarvestSpec(_Frozen):
    """Intake window (month-day, may wrap the year end), the annual intake volume and, when
    set, the maximum holding age in calendar days after which stock is force-sold (otherwise
    it is force-sold at the end of its season). ``fill_lag_days``: the sessions between a sale
    decided at a close and its fill, 1 (the next session's close, the default) or 0 (the same
    close); backtests, paper trading and parity all use it."""

    intake_start: MonthDay
    intake_end: MonthDay
    annual_volume: float = Field(gt=0)
    volume_unit: str = "tonnes"
    max_holding_days: int | None = Field(default=None, ge=1)
    fill_lag_days: int = Field(default=1, ge=0, le=1)


class SyntheticSpec(_Frozen):
    """Parameters of the embedded synthetic market for one commodity (see domain.synthetic)."""

    base_price: float = Field(gt=0)
    daily_vol: float = Field(gt=0, lt=0.2)
    mean_reversion: float = Field(gt=0, lt=1)
    level_drift_vol: float = Field(ge=0, lt=0.05)
    jump_probability: float = Field(ge=0, lt=0.2)
    jump_size: float = Field(ge=0, lt=1)
    seasonal_amplitude: float = Field(default=0.0, ge=0, lt=0.5)
    base_volume: int = Field(gt=0)
    negative_excursion_probability: float = Field(default=0.0, ge=0, lt=0.05)


def normalise_name(text: str) -> str:
    """A file-name stem or alias in comparable form: lower case, ``-``/``.``/space -> ``_``."""
    return re.sub(r"[-. ]+", "_", text.strip().lower()).strip("_")


class CommoditySpec(_Frozen):
    """One tradable commodity: units, price legality, calendars, costs and data-check limits.

    ``aliases`` are the names vendor files use for it besides its key (file-name tokens such as
    ``coffee_arabica``, vendor root symbols such as ``kc``); ``quote_unit`` is the unit every
    stored price is in (``USc/lb``); ``plausible_price`` is the [low, high] range a close of the
    instrument is expected in, used to catch a file in other units when there is nothing stored
    to compare it with.
    """

    name: str
    units: str
    aliases: tuple[str, ...] = ()
    exchange: str | None = None
    contract: str | None = None
    currency: str = "USD"
    quote_unit: str | None = None
    plausible_price: tuple[float, float] | None = None
    allow_negative_prices: bool = False
    calendar: str
    harvest: HarvestSpec | None = None
    futures: FuturesSpec | None = None
    storage_cost_pct_per_day: float = Field(default=0.005, ge=0, lt=1)
    transaction_cost_pct: float = Field(default=0.01, ge=0, lt=10)
    spike_threshold: float = Field(gt=0, lt=5)
    max_price: float = Field(gt=0, description="prices above this are rejected as impossible")
    synthetic: SyntheticSpec

    @field_validator("aliases")
    @classmethod
    def _aliases_normalised(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(normalise_name(alias) for alias in value)
        if any(not name for name in names):
            raise ValueError("an alias must not be empty")
        return names

    @field_validator("plausible_price")
    @classmethod
    def _range_ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not value[0] < value[1]:
            raise ValueError("plausible_price must be [low, high] with low < high")
        return value

    @property
    def unit(self) -> str:
        """The quote unit of stored prices (``quote_unit``, else ``units``)."""
        return self.quote_unit or self.units

    @model_validator(mode="after")
    def _negative_excursions_need_legal_negatives(self) -> CommoditySpec:
        if self.synthetic.negative_excursion_probability > 0 and not self.allow_negative_prices:
            raise ValueError(
                "synthetic.negative_excursion_probability > 0 needs allow_negative_prices: true"
            )
        return self


# File-name tokens that say nothing about the instrument: vendors, frequencies, formats.
# Digits-only tokens (years, dates) are neutral too; anything else is a qualifier that could
# name another grade, contract month or exchange, so a file carrying it is refused.
DEFAULT_NEUTRAL_TOKENS = ("yahoo", "investing", "barchart", "stooq", "quandl", "nasdaq",
                          "daily", "eod", "prices", "price", "history", "historical", "data",
                          "ohlc", "ohlcv", "close", "settle", "settlement", "export", "download",
                          "continuous", "front", "month", "futures", "fut")


class IngestSpec(_Frozen):
    """How vendor files are matched to commodities and compared with what is stored.

    ``level_tolerance_pct``: on dates a file shares with the stored series, the median ratio of
    its closes to the stored ones must lie within this many percent of 1. ``max_level_jump``:
    without overlap, the first new close may differ from the last stored one by at most this
    factor (either way).
    """

    neutral_name_tokens: tuple[str, ...] = DEFAULT_NEUTRAL_TOKENS
    level_tolerance_pct: float = Field(default=3.0, gt=0, lt=50)
    max_level_jump: float = Field(default=2.0, gt=1, lt=10)

    @field_validator("neutral_name_tokens")
    @classmethod
    def _tokens_normalised(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(normalise_name(token) for token in value)


class Universe(_Frozen):
    """The whole universe: partition start, demo window, calendars and commodities."""

    partition_start: dt.date
    demo_years: int = Field(default=10, ge=1, le=40)
    seed: int = 42
    ingest: IngestSpec = IngestSpec()
    calendars: dict[str, TradingCalendarSpec]
    commodities: dict[str, CommoditySpec]

    @field_validator("commodities")
    @classmethod
    def _commodity_keys_are_identifiers(
        cls, value: dict[str, CommoditySpec]
    ) -> dict[str, CommoditySpec]:
        if not value:
            raise ValueError("at least one commodity is required")
        for key in value:
            if not key.isidentifier() or key != key.lower():
                raise ValueError(f"commodity key {key!r} must be a lower-case identifier")
        return value

    @model_validator(mode="after")
    def _calendars_exist(self) -> Universe:
        for key, spec in self.commodities.items():
            if spec.calendar not in self.calendars:
                raise ValueError(
                    f"commodities.{key}.calendar: unknown calendar {spec.calendar!r}; "
                    f"known: {sorted(self.calendars)}"
                )
            futures = spec.futures
            if futures is not None and futures.calendar is not None \
                    and futures.calendar not in self.calendars:
                raise ValueError(
                    f"commodities.{key}.futures.calendar: unknown calendar "
                    f"{futures.calendar!r}; known: {sorted(self.calendars)}")
        return self

    @model_validator(mode="after")
    def _aliases_unique(self) -> Universe:
        owner: dict[str, str] = {}
        for key in sorted(self.commodities):
            for alias in self.aliases_of(key):
                if owner.setdefault(alias, key) != key:
                    raise ValueError(
                        f"commodities.{key}.aliases: {alias!r} is already a name of "
                        f"{owner[alias]}; an alias must name one commodity only"
                    )
        return self

    def aliases_of(self, key: str) -> tuple[str, ...]:
        """The key and every alias of commodity ``key``, normalised."""
        return (normalise_name(key), *self.commodity(key).aliases)

    @property
    def alias_owners(self) -> dict[str, str]:
        """Every normalised alias (keys included) -> its commodity key."""
        return {alias: key for key in self.commodity_keys for alias in self.aliases_of(key)}

    @property
    def commodity_keys(self) -> list[str]:
        return sorted(self.commodities)

    @property
    def harvested_keys(self) -> list[str]:
        """Commodities with a harvest: the ones the producer's inventory book applies to."""
        return [key for key in self.commodity_keys if self.commodities[key].harvest is not None]

    def commodity(self, key: str) -> CommoditySpec:
        try:
            return self.commodities[key]
        except KeyError:
            raise KeyError(
                f"unknown commodity {key!r}; the universe has {self.commodity_keys}"
            ) from None

    def calendar_for(self, key: str) -> TradingCalendarSpec:
        return self.calendars[self.commodity(key).calendar]

    def exchange_calendar_for(self, key: str) -> TradingCalendarSpec:
        """The calendar of the commodity's futures rolls and reference days (its market
        calendar when the contract names none)."""
        futures = self.commodity(key).futures
        name = futures.calendar if futures and futures.calendar else self.commodity(key).calendar
        return self.calendars[name]

    @property
    def content_hash(self) -> str:
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def default_universe_path() -> Path:
    return Path(__file__).with_name("universe.yaml")


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"universe config {path}: {error.error_count()} invalid field(s)"]
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "<root>"
        lines.append(f"  {field}: {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


def load_universe(path: Path | str | None = None) -> Universe:
    """Load and validate a universe YAML; raise ``UniverseConfigError`` naming file and field."""
    source = Path(path) if path is not None else default_universe_path()
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UniverseConfigError(f"universe config {source}: cannot read YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise UniverseConfigError(f"universe config {source}: top level must be a mapping")
    try:
        return Universe.model_validate(raw)
    except ValidationError as exc:
        raise UniverseConfigError(_format_validation_error(source, exc)) from exc


