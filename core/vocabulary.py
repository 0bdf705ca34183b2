"""The registries every layer agrees on, read from `core/data/vocabulary.toml`.

    EVENT_TYPES, STATUSES, TIERS, SOURCE_KINDS     names, in file order
    FIGURE_KINDS                                  what a watchlist's figure rule may ask for
    event_type(name) / status(name) / tier(name)  the table of one entry (label, weight …)
"""
from __future__ import annotations

import functools
import tomllib
from importlib import resources


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, dict[str, dict]]:
    return tomllib.loads(resources.files("core").joinpath("data/vocabulary.toml").read_text("utf-8"))


EVENT_TYPES: tuple[str, ...] = tuple(registry()["event_types"])
STATUSES: tuple[str, ...] = tuple(registry()["statuses"])
TIERS: tuple[str, ...] = tuple(registry()["tiers"])
SOURCE_KINDS: tuple[str, ...] = tuple(registry()["source_kinds"])
FIGURE_KINDS: tuple[str, ...] = tuple(registry()["figure_kinds"])


def event_type(name: str) -> dict:
    return registry()["event_types"].get(name, {})


def status(name: str) -> dict:
    return registry()["statuses"].get(name, {})


def tier(name: str) -> dict:
    return registry()["tiers"].get(name, {})
