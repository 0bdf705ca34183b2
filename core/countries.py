"""The one country lookup: jurisdiction names, aliases, demonyms and short forms → codes.

Codes are ISO 3166-1 alpha-2, `EU` for the European Union/Community and `INTL` for
multilateral bodies (GATT, WTO, COCOM), as the GUIDELINES score them.
Data: pycountry's names plus `core/data/jurisdictions.csv` (every form trade news uses, with
its kind: name, short, demonym, capital, bloc, body, government, leader, or ignore for a
pycountry name that is mostly a common word) and `core/data/countries.csv` (how a code is
shown). The extractor matches the same aliases in text; watchlists, filters and digests
resolve and show names with the functions below.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

import pycountry

IGNORE = "ignore"
SPECIAL_CODES = ("EU", "INTL")
# Kinds that name the jurisdiction itself: a person typing "Reagan" into a filter means nothing.
NAMING_KINDS = frozenset({"name", "short", "demonym", "capital", "bloc", "body"})


@dataclass(frozen=True)
class Alias:
    text: str
    code: str          # "" for an ignore row
    kind: str
    exact: bool        # match as written (False: any case)


def _rows(name: str) -> list[dict]:
    text = resources.files("core").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#")))


@functools.lru_cache(maxsize=1)
def aliases() -> tuple[Alias, ...]:
    """Every form of every jurisdiction: the lexicon rows, then pycountry's running-text names
    (the lexicon wins for the same text)."""
    rows = [Alias(r["alias"].strip(), (r.get("code") or "").strip().upper(), (r.get("kind") or "name").strip(),
                  (r.get("case") or "exact").strip() != "any")
            for r in _rows("jurisdictions.csv") if (r.get("alias") or "").strip()]
    known = {a.text.lower() for a in rows}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            # "Korea, Republic of" style names never occur in running text.
            if name and "," not in name and "(" not in name and name.lower() not in known:
                known.add(name.lower())
                rows.append(Alias(name, country.alpha_2, "name", True))
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def _display() -> dict[str, tuple[str, str]]:
    return {r["code"]: (r["name"], r["adjective"]) for r in _rows("countries.csv")}


@functools.lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, (name, adjective) in _display().items():
        for form in (code, name, adjective):
            lookup.setdefault(form.casefold(), code)
    for alias in aliases():
        if alias.code and alias.kind in NAMING_KINDS:
            lookup.setdefault(alias.text.casefold(), alias.code)
    ignored = {a.text.casefold() for a in aliases() if a.kind == IGNORE}
    return {k: v for k, v in lookup.items() if k not in ignored}


def code_of(name: str) -> str | None:
    """'Japan', 'jp', 'Japanese', 'USA', 'UK', 'Russia', 'South Korea', 'EU' → code; None if unknown."""
    text = (name or "").strip()
    if not text:
        return None
    found = _by_name().get(text.casefold())
    if found:
        return found
    if len(text) == 2 and pycountry.countries.get(alpha_2=text.upper()):
        return text.upper()
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def name_of(code: str | None) -> str:
    """'JP' → 'Japan'; an unknown code comes back as it is."""
    if not code:
        return ""
    code = code.upper()
    if code in _display():
        return _display()[code][0]
    country = pycountry.countries.get(alpha_2=code)
    return (getattr(country, "common_name", None) or country.name) if country else code


def adjective_of(code: str | None) -> str:
    """'JP' → 'Japanese'; falls back to the name."""
    if code and code.upper() in _display():
        return _display()[code.upper()][1]
    return name_of(code)


def is_code(value: str) -> bool:
    return value in SPECIAL_CODES or (len(value) == 2 and pycountry.countries.get(alpha_2=value) is not None)


def all_codes() -> dict[str, str]:
    """code → display name for every jurisdiction (the workbench's list)."""
    codes = {c.alpha_2: name_of(c.alpha_2) for c in pycountry.countries}
    codes.update({code: name_of(code) for code in _display()})
    return codes
