"""Cross-article identity: which company row a name belongs to, which event row a report belongs to."""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime
from importlib import resources
from typing import Iterable

from rapidfuzz import fuzz, process

# Two reports are the same measure only if their dates are this close (days).
EVENT_WINDOW_DAYS = 45
# ...and their stated effective/announce dates (when both give one) this close.
EVENT_DATE_TOLERANCE_DAYS = 10
# Products compared with token-set similarity (0..100); "steel" vs "steel imports" passes.
PRODUCT_MIN_SIMILARITY = 80
# Company names that differ only slightly ("Toyota Motor Corp" / "Toyota Motor Corporation").
COMPANY_MIN_SIMILARITY = 92


@functools.lru_cache(maxsize=1)
def _legal_suffixes() -> frozenset[str]:
    text = resources.files("tradewatch.store").joinpath("data/legal_suffixes.txt").read_text("utf-8")
    return frozenset(w for w in (line.split("#", 1)[0].strip().lower() for line in text.splitlines()) if w)


@functools.lru_cache(maxsize=65536)  # the same names come back in article after article
def name_key(name: str) -> str:
    """Comparison key for a company name: case, accents, punctuation, '&' and legal suffixes ignored."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace("&", " and ")
    words = re.sub(r"[^\w\s]", " ", text).split()
    suffixes = _legal_suffixes()
    while len(words) > 1 and words[-1] in suffixes:
        words.pop()
    return " ".join(words)


class FallbackResolver:
    """Canonical company name by exact key, then close spelling. Used when
    `extract.canonical_names.CompanyResolver` is not available."""

    def __init__(self, existing: Iterable[tuple[str, Iterable[str]]] = ()):
        self._by_key: dict[str, str] = {}
        for name, aliases in existing:
            self.add(name, aliases)

    def add(self, name: str, aliases: Iterable[str] = ()) -> None:
        for form in (name, *aliases):
            key = name_key(form)
            if key:
                self._by_key.setdefault(key, name)

    def resolve(self, name: str, aliases: Iterable[str] = ()) -> str:
        for form in (name, *aliases):
            hit = self._by_key.get(name_key(form))
            if hit:
                return hit
        key = name_key(name)
        if key and self._by_key:
            match = process.extractOne(key, self._by_key.keys(), scorer=fuzz.ratio, score_cutoff=COMPANY_MIN_SIMILARITY)
            if match:
                return self._by_key[match[0]]
        return name


def make_resolver(existing: list[tuple[str, list[str]]]):
    """The companies stage's resolver when present, else the fallback above.
    `existing`: (canonical name, aliases) of every company already stored."""
    try:
        from extract.canonical_names import CompanyResolver  # type: ignore[import-not-found]
    except ImportError:
        return FallbackResolver(existing)
    return CompanyResolver(existing)


def parse_day(value: str | None) -> date | None:
    """The calendar day of an ISO date/datetime string, or None."""
    if not value:
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            return None


# A report that names no product still joins a measure that does (and vice versa), ranked below
# reports whose product agrees.
ONE_SIDED_PRODUCT_SCORE = 50.0


def product_similarity(a: str | None, b: str | None) -> float:
    """0..100; 100 for equal products; ONE_SIDED_PRODUCT_SCORE when only one side names one."""
    a, b = (a or "").strip().lower(), (b or "").strip().lower()
    if not a and not b:
        return 100.0
    if not a or not b:
        return ONE_SIDED_PRODUCT_SCORE
    return fuzz.token_set_ratio(a, b)


def _dates_agree(x: str | None, y: str | None) -> bool:
    dx, dy = parse_day(x), parse_day(y)
    return dx is None or dy is None or abs((dx - dy).days) <= EVENT_DATE_TOLERANCE_DAYS


def event_match_score(report: dict, candidate: dict, report_day: date | None) -> float:
    """How well a report fits an existing event of the same type, actor and targets (0 = not at all).
    `candidate` has product, announced, effective, first_seen, last_seen."""
    first, last = parse_day(candidate.get("first_seen")), parse_day(candidate.get("last_seen"))
    if report_day and first and last:
        if (first - report_day).days > EVENT_WINDOW_DAYS or (report_day - last).days > EVENT_WINDOW_DAYS:
            return 0.0
    if not _dates_agree(report.get("effective"), candidate.get("effective")):
        return 0.0
    if not _dates_agree(report.get("announced"), candidate.get("announced")):
        return 0.0
    a, b = (report.get("product") or "").strip(), (candidate.get("product") or "").strip()
    score = product_similarity(a, b)
    if bool(a) != bool(b) or score >= PRODUCT_MIN_SIMILARITY:
        return score
    return 0.0
