"""The figure finder's knowledge, read from data files: currencies, scales, units, cues.

Nothing here knows a currency or a unit by name; adding one is a line in a CSV file
under `extract/figures/data/`. `FigureLexicon.load()` reads the files and compiles
the one regular expression that finds amounts in text.
"""
from __future__ import annotations

import csv
import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

DEFAULT_PATHS = {
    "currencies": "currencies.csv",
    "currency_countries": "currencies_by_country.csv",
    "scales": "scales.csv",
    "units": "units.csv",
    "number_words": "figures_number_words.csv",
    "cues": "figures_cues.toml",
}


def resolve_path(path: str | Path) -> Path:
    """Relative paths are relative to `extract/data/`, so a saved config stays portable."""
    path = Path(path)
    return path if path.is_absolute() else DATA_DIR / path


def read_csv(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV lexicon; lines starting with '#' are comments."""
    with open(resolve_path(path), encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)   # called for every figure found; the surfaces are few
def norm_surface(text: str) -> str:
    """Lowercase and single-spaced: the key under which surfaces are looked up."""
    return _SPACES.sub(" ", text.strip().lower())


def surface_pattern(surface: str) -> str:
    """Regex for a lexicon surface: literal characters, any whitespace between words."""
    return r"\s+".join(re.escape(part) for part in surface.split())


def first_chars(surfaces) -> str:
    """A character class of the characters the surfaces can start with (both cases): a cheap
    look-ahead before a long alternation, so most positions are refused at one character."""
    chars = {c for s in surfaces if s for c in (s[0].lower(), s[0].upper())}
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def alternation(surfaces) -> str:
    # Longest first, so "swiss francs" wins over "francs" and "per cent" over "per". Factored by
    # first character ("d(?:ollars|lrs|…)"): the engine refuses a position once per letter
    # instead of once per surface; within one first letter the longest-first order is kept.
    ordered = sorted(set(s for s in surfaces if s), key=lambda s: (-len(s), s))
    groups: dict[str, list[str]] = {}
    for surface in ordered:
        groups.setdefault(surface[0].lower(), []).append(surface)
    parts = []
    for members in groups.values():
        if len(members) == 1:
            parts.append(surface_pattern(members[0]))
            continue
        heads = sorted({m[0] for m in members})
        head = re.escape(heads[0]) if len(heads) == 1 else "[" + "".join(re.escape(h) for h in heads) + "]"
        rests = [(r"\s+" if m[1:2].isspace() else "") + surface_pattern(m[1:]) for m in members]
        parts.append(head + "(?:" + "|".join(rests) + ")")
    return "|".join(parts)


@dataclass(frozen=True)
class Currency:
    code: str
    factor: float
    family: str
    qualified: bool


@dataclass(frozen=True)
class Unit:
    unit: str
    kind: str  # percent | pp | quantity | points


@dataclass
class FigureLexicon:
    prefixes: dict[str, Currency]
    suffixes: dict[str, Currency]
    attached_currencies: dict[str, Currency]
    scales: dict[str, float]
    attached_scales: set[str]
    units: dict[str, Unit]
    number_words: dict[str, float]
    country_cues: dict[str, list[tuple[str, list[str]]]]
    cues: dict
    amount_re: re.Pattern = field(init=False, repr=False)
    scale_names: dict[float, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.amount_re = self._compile()
        # A multiplier's name is its first spelling in scales.csv ("million" for mln, m, mn …).
        self.scale_names = {}
        for surface, multiplier in self.scales.items():
            self.scale_names.setdefault(multiplier, surface)

    @classmethod
    def load(cls, **paths: str) -> "FigureLexicon":
        paths = {**DEFAULT_PATHS, **{k: v for k, v in paths.items() if v}}
        prefixes, suffixes, attached = {}, {}, {}
        for row in read_csv(paths["currencies"]):
            currency = Currency(row["code"].upper(), float(row["factor"] or 1), row["family"],
                                row["qualified"].lower() in {"yes", "true", "1"})
            target = {"prefix": prefixes, "suffix": suffixes, "attached": attached}[row["position"]]
            target[norm_surface(row["surface"])] = currency
        scales, attached_scales = {}, set()
        for row in read_csv(paths["scales"]):
            surface = norm_surface(row["surface"])
            scales[surface] = float(row["multiplier"])
            if row["spacing"] == "attached":
                attached_scales.add(surface)
        units = {norm_surface(r["surface"]): Unit(r["unit"], r["kind"]) for r in read_csv(paths["units"])}
        words = {norm_surface(r["word"]): float(r["value"]) for r in read_csv(paths["number_words"])}
        country_cues: dict[str, list[tuple[str, list[str]]]] = {}
        for row in read_csv(paths["currency_countries"]):
            cues = [norm_surface(c) for c in row["cues"].split("|") if c.strip()]
            country_cues.setdefault(row["family"], []).append((row["code"].upper(), cues))
        with open(resolve_path(paths["cues"]), "rb") as handle:
            cues = tomllib.load(handle)
        return cls(prefixes, suffixes, attached, scales, attached_scales, units, words, country_cues, cues)

    # -- lookups -------------------------------------------------------------------
    def cue_set(self, section: str, key: str) -> set[str]:
        return {norm_surface(w) for w in self.cues.get(section, {}).get(key, [])}

    def cue_regex(self, section: str, key: str) -> str:
        return alternation(self.cue_set(section, key))

    # -- the amount grammar ----------------------------------------------------------
    def _compile(self) -> re.Pattern:
        digits = (
            r"(?:\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?"  # 14,000  1.234,5  1,234.56
            r"|\d+(?:[.,]\d+)?"  # 77.2  1,7  2000
            r"|\.\d+)"  # .5
            r"(?:-\d{1,2}/\d{1,2})?"  # wire-style fractions: 7-1/2
            r"(?![\d])"  # all of "1.3516", not "1.351" and a stray "6"
        )
        words = alternation(self.number_words)
        words_first = first_chars(self.number_words)
        number = rf"(?:(?P<num>{digits})|(?P<numw>\b(?={words_first})(?:{words})(?:[- ](?:{words}))*\b))"
        spaced = alternation(s for s in self.scales if s not in self.attached_scales)
        glued = alternation(self.attached_scales)
        spaced_first = first_chars(s for s in self.scales if s not in self.attached_scales)
        scale = (rf"(?:(?P<scale_att>{glued})(?![A-Za-z])"
                 rf"|(?=\s*-?{spaced_first})(?:\s*|-)(?P<scale>{spaced})(?![A-Za-z]))")
        prefix = rf"(?:(?<![A-Za-z0-9])(?={first_chars(self.prefixes)})(?P<pre>{alternation(self.prefixes)})\s?)"
        # A short parenthesis or size may stand between a number and its unit:
        # "10 mln (60-kg) bags", "five mln 60-kilo bags";
        # a hyphen too ("an 18.2-mln-dlr surplus"), which makes a quantity adjectival.
        aside = r"(?:\s*\([^()$£€¥\n]{1,20}\)|\s+\d[\d.,]*-[A-Za-z]+)?"
        suffixes = alternation(list(self.suffixes) + list(self.units))
        suffix = (
            rf"(?:(?P<post_att>{alternation(self.attached_currencies)})(?![A-Za-z0-9])"
            rf"|{aside}(?=\s*-?{first_chars(list(self.suffixes) + list(self.units))})"
            rf"(?:\s*|-)(?P<post>{suffixes})(?![A-Za-z0-9]))"
        )
        # Not inside a word, a number or a code ("G7", "covid-19", "1,7" after a digit).
        start = r"(?<![\w$£€¥./,])(?<![A-Za-z]-)"
        return re.compile(rf"{start}{prefix}?{number}{scale}?{suffix}?", re.IGNORECASE)
