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
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

MonthDay = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]


class UniverseConfigError(ValueError):
    """A universe file that cannot be used; the message names the file and the field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TradingCalendarSpec(_Frozen):
    """Trading days: the listed weekdays (0 = Monday) minus fixed and explicit holidays."""

    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    fixed_holidays: tuple[MonthDay, ...] = ()
    holidays: tuple[dt.date, ...] = ()

    @field_validator("weekdays")
    @classmethod
    def _weekdays_in_range(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(day < 0 or day > 4 for day in value):
            raise ValueError("weekdays must be a non-empty subset of 0..4 (Monday..Friday)")
        return tuple(sorted(set(value)))


class HarvestSpec(_Frozen):
    """Intake window (month-day, may wrap the year end), the annual intake volume and, when
    set, the maximum holding age in calendar days after which stock is force-sold (otherwise
    it is force-sold at the end of its season)."""

    intake_start: MonthDay
    intake_end: MonthDay
    annual_volume: float = Field(gt=0)
    volume_unit: str = "tonnes"
    max_holding_days: int | None = Field(default=None, ge=1)


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


class CommoditySpec(_Frozen):
    """One tradable commodity: units, price legality, calendars, costs and data-check limits."""

    name: str
    units: str
    allow_negative_prices: bool = False
    calendar: str
    harvest: HarvestSpec | None = None
    storage_cost_pct_per_day: float = Field(default=0.005, ge=0, lt=1)
    transaction_cost_pct: float = Field(default=0.01, ge=0, lt=10)
    spike_threshold: float = Field(gt=0, lt=5)
    max_price: float = Field(gt=0, description="prices above this are rejected as impossible")
    synthetic: SyntheticSpec

    @model_validator(mode="after")
    def _negative_excursions_need_legal_negatives(self) -> CommoditySpec:
        if self.synthetic.negative_excursion_probability > 0 and not self.allow_negative_prices:
            raise ValueError(
                "synthetic.negative_excursion_probability > 0 needs allow_negative_prices: true"
            )
        return self


class Universe(_Frozen):
    """The whole universe: partition start, demo window, calendars and commodities."""

    partition_start: dt.date
    demo_years: int = Field(default=10, ge=1, le=40)
    seed: int = 42
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
        return self

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


