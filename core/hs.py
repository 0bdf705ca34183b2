"""The one HS table: chapters with their names, and product words → chapters.

Data: `core/data/hs_chapters.csv` (chapter, description) and `core/data/hs_terms.csv` (term,
chapters). The extractor tags event products with chapters from the terms; watchlists and the
workbench expand a chapter back into its terms and show its name.
"""
from __future__ import annotations

import csv
import functools
from importlib import resources


def _rows(name: str) -> list[dict]:
    text = resources.files("core").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#")))


def parse_chapters(field: str) -> tuple[str, ...]:
    """"84;85" → ("84", "85"); "50-63" → ("50", …, "63")."""
    chapters: list[str] = []
    for part in (p.strip() for p in field.split(";")):
        if "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
            chapters.extend(f"{n:02d}" for n in range(low, high + 1))
        elif part:
            chapters.append(f"{int(part):02d}")
    return tuple(dict.fromkeys(chapters))


@functools.lru_cache(maxsize=1)
def chapter_names() -> dict[str, str]:
    """"72" → "Iron and steel"."""
    return {row["chapter"]: row["description"] for row in _rows("hs_chapters.csv")}


@functools.lru_cache(maxsize=1)
def product_terms() -> dict[str, tuple[str, ...]]:
    """Lower-case product word → its chapters ("steel" → ("72",))."""
    return {row["term"].strip().lower(): parse_chapters(row["chapters"]) for row in _rows("hs_terms.csv")}


@functools.lru_cache(maxsize=None)
def terms_of(chapter: str) -> tuple[str, ...]:
    """The product words that fall in one chapter (what a watchlist on "72" looks for)."""
    chapter = normalise_chapter(chapter)
    return tuple(term for term, chapters in product_terms().items() if chapter in chapters)


def normalise_chapter(value: object) -> str:
    """7 → "07"; "72" → "72". ValueError for anything that is not a known chapter."""
    text = str(value).strip().zfill(2)
    if text not in chapter_names():
        raise ValueError(f"{value!r} is not an HS chapter (01–97)")
    return text
