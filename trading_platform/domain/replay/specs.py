"""From a user-strategy spec to strategy objects: the class, its variants, and its screen's key.

A spec (``config.user_strategies``) names code and parameters. ``build_strategy`` makes the
object and labels it ``name v<version> [<hash>]`` (the label a failure names). A strategy class
lists in ``screen_parameters`` the parameters its screen reads; ``screen_key`` hashes the code,
version and those values, so two parameter sets with the same key share one candidate set, and
``sweep_variants`` says for each swept parameter whether it needs its own screen.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

from trading_platform.config.user_strategies import UserStrategySpec
from trading_platform.domain.replay.examples import MovingAverageCrossUser
from trading_platform.domain.replay.fusion import FusionUser

EXAMPLES: dict[str, type] = {"fusion": FusionUser, "moving_average_cross": MovingAverageCrossUser}


@dataclass(frozen=True)
class Variant:
    """One parameter set of a spec: the swept values (empty for the spec's own) and the
    strategy built with them."""

    name: str
    swept: dict[str, Any]
    strategy: Any
    screen_key: str

    @property
    def label(self) -> str:
        return str(self.strategy.label)


def strategy_class(code: str) -> type:
    """A registered example, or ``package.module:Class``."""
    if code in EXAMPLES:
        return EXAMPLES[code]
    module, _, name = code.partition(":")
    if not name:
        raise ValueError(f"strategy code {code!r}: not a registered example "
                         f"({sorted(EXAMPLES)}) nor a 'package.module:Class' path")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"strategy code {code!r}: cannot load it ({exc})") from exc


def build_strategy(name: str, spec: UserStrategySpec, overrides: dict[str, Any] | None = None
                   ) -> Any:
    """The strategy object for ``spec`` (with ``overrides``), labelled for its errors."""
    params = {**spec.params, **(overrides or {})}
    cls = strategy_class(spec.code)
    if not hasattr(cls, "screen"):
        raise ValueError(f"strategy {name}: {cls.__name__} declares no screen(columns)")
    try:
        strategy = cls(**params)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"strategy {name} v{spec.version}: parameters {params}: {exc}") \
            from exc
    suffix = "".join(f" {k}={v}" for k, v in (overrides or {}).items())
    strategy.label = f"{name} v{spec.version} [{spec.content_hash}]{suffix}"
    return strategy


def screen_key(spec: UserStrategySpec, strategy: Any,
               overrides: dict[str, Any] | None = None) -> str:
    """The identity of a strategy's screen: code, version and its screen parameters' values
    (every parameter, ``overrides`` applied, when the class does not list them)."""
    names = getattr(strategy, "screen_parameters", None)
    if names is None:  # a class that does not say: every parameter may change its screen
        values: Any = {**spec.params, **(overrides or {})}
    else:
        values = {n: getattr(strategy, n) for n in names}
    body = json.dumps([spec.code, spec.version, values], sort_keys=True, default=list)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def sweep_variants(name: str, spec: UserStrategySpec) -> list[Variant]:
    """The spec's own parameter set first, then one variant per combination of swept values
    (a combination equal to the spec's own is not repeated)."""
    base = build_strategy(name, spec)
    variants = [Variant(name, {}, base, screen_key(spec, base))]
    keys = list(spec.sweep)
    for values in itertools.product(*(spec.sweep[k] for k in keys)):
        swept = dict(zip(keys, values, strict=True))
        if all(spec.params.get(k) == v for k, v in swept.items()):
            continue
        strategy = build_strategy(name, spec, swept)
        variants.append(Variant(name, swept, strategy, screen_key(spec, strategy, swept)))
    return variants
