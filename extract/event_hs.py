"""Product words → HS 2-digit chapters, from `data/lexicons/hs_chapters.csv`.

Only words whose chapter is unambiguous are in the lexicon ("rice" → 10, "textiles" →
50–63); anything else maps to no chapter rather than a guess.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extract.jurisdictions import without_spaces


@dataclass(frozen=True)
class HsMatch:
    start: int  # token offsets
    end: int
    term: str
    chapters: tuple[str, ...]


def parse_chapters(field: str) -> tuple[str, ...]:
    """"84;85" → ("84", "85"); "50-63" → ("50", …, "63")."""
    chapters: list[str] = []
    for part in field.split(";"):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
            chapters.extend(f"{n:02d}" for n in range(low, high + 1))
        else:
            chapters.append(f"{int(part):02d}")
    return tuple(dict.fromkeys(chapters))


def load_hs_lexicon(path: Path) -> dict[str, tuple[str, ...]]:
    with open(path, encoding="utf-8") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        return {row["term"].strip().lower(): parse_chapters(row["chapters"]) for row in csv.DictReader(lines)}


class HsLexicon:
    def __init__(self, nlp: Language, terms: dict[str, tuple[str, ...]]):
        self.terms = terms
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for term in terms:
            self.matcher.add(term, [nlp.make_doc(term)])

    def matches(self, doc: Doc) -> list[HsMatch]:
        spans = filter_spans([Span(doc, s, e, label=key) for key, s, e in without_spaces(doc, [self.matcher])])
        return [HsMatch(s.start, s.end, s.label_, self.terms.get(s.label_, ())) for s in spans]

    @staticmethod
    def chapters_within(matches: list[HsMatch], start: int, end: int) -> list[str]:
        found: list[str] = []
        for match in matches:
            if match.start >= start and match.end <= end:
                found.extend(match.chapters)
        return sorted(set(found))
