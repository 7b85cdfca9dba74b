"""Which commodity a vendor file holds, from its name: by whole aliases, never by a guess.

A file's stem (the name without ``.csv``/``.parquet`` and without ``.gz``/``.zip``) is
lower-cased and cut into tokens at ``_``, ``-``, ``.`` and spaces. Every alias of every
commodity (its key, and ``aliases`` from the universe) is a run of such tokens, so an alias
with an underscore (``soybean_oil``, ``coffee_arabica``) is matched as a whole. The longest
aliases are taken first and may not overlap. The stem then resolves to one commodity only if

- the aliases found name exactly one commodity, and
- every other token says nothing about the instrument: digits only (years, dates), a neutral
  word from the universe's ``ingest.neutral_name_tokens`` (vendors, ``daily``, ``prices``...),
  or a word of the commodity's own exchange.

Otherwise the name is refused, naming the candidates and the two ways to say which commodity
the file holds: ``ingest --commodity KEY`` or the drop subfolder ``incoming/KEY/``. A known
name plus an unknown qualifier (``coffee_robusta``, ``sugar_white_london``, ``corn_z24``) is
refused on purpose: it is how another grade, contract month or exchange shows in a file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from trading_platform.config.universe import Universe, normalise_name

COMPRESSED_SUFFIXES = (".gz", ".zip")


class CommodityNameError(ValueError):
    """A file name that does not name exactly one commodity; ``rule`` says how it failed."""

    def __init__(self, rule: str, reason: str) -> None:
        self.rule = rule
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class _Match:
    commodity: str
    alias: str
    start: int
    end: int  # exclusive token index


def data_stem(file: str) -> str:
    """The name without its directory, compression suffix and data suffix."""
    name = PurePath(file).name
    for suffix in COMPRESSED_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return PurePath(name).stem if PurePath(name).suffix else name


def how_to_choose(universe: Universe, keys: list[str] | None = None) -> str:
    """The sentence naming the options that force a commodity (both exist)."""
    shown = keys or universe.commodity_keys
    first = shown[0]
    return (f"say which commodity it holds with `ingest --commodity {first}` (one of "
            f"{', '.join(shown)}) or by dropping it into incoming/{first}/, or add the name "
            f"to commodities.<key>.aliases in the universe config")


def _matches(tokens: list[str], universe: Universe) -> list[_Match]:
    found = []
    for alias, key in universe.alias_owners.items():
        parts = alias.split("_")
        for start in range(len(tokens) - len(parts) + 1):
            if tokens[start : start + len(parts)] == parts:
                found.append(_Match(key, alias, start, start + len(parts)))
    chosen: list[_Match] = []
    for match in sorted(found, key=lambda m: (m.start - m.end, m.start)):
        if all(match.end <= other.start or match.start >= other.end for other in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def _is_neutral(token: str, commodity: str, universe: Universe) -> bool:
    exchange = universe.commodity(commodity).exchange or ""
    return (token.isdigit() or token in universe.ingest.neutral_name_tokens
            or token in normalise_name(exchange).split("_"))


def commodity_from_file_name(file: str, universe: Universe) -> str:
    """The one commodity ``file``'s name resolves to (see the module doc); else raise
    ``CommodityNameError`` with rule ``unknown_commodity``, ``ambiguous_commodity`` or
    ``partial_commodity_match``."""
    stem = data_stem(file)
    tokens = [token for token in normalise_name(stem).split("_") if token]
    matches = _matches(tokens, universe)
    owners = sorted({match.commodity for match in matches})
    if not owners:
        raise CommodityNameError("unknown_commodity", (
            f"the name {stem!r} holds no name or alias of a universe commodity; "
            + how_to_choose(universe)))
    if len(owners) > 1:
        named = ", ".join(f"{m.commodity} (as {m.alias!r})" for m in matches)
        raise CommodityNameError("ambiguous_commodity", (
            f"the name {stem!r} names more than one commodity: {named}; "
            + how_to_choose(universe, owners)))
    covered = {index for match in matches for index in range(match.start, match.end)}
    unknown = [token for index, token in enumerate(tokens)
               if index not in covered and not _is_neutral(token, owners[0], universe)]
    if unknown:
        spec = universe.commodity(owners[0])
        raise CommodityNameError("partial_commodity_match", (
            f"the name {stem!r} matches {owners[0]} ({spec.name}) only in part: "
            f"{', '.join(repr(t) for t in unknown)} is not part of any of its aliases and may "
            "name another grade, contract month or exchange; if the file holds "
            f"{spec.name} in {spec.unit}, " + how_to_choose(universe, owners)))
    return owners[0]
