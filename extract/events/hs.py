"""Product words in the text → HS 2-digit chapters (the table: core.hs, core/data/hs_terms.csv).

Only words whose chapter is unambiguous are in the lexicon ("rice" → 10, "textiles" →
50–63); anything else maps to no chapter rather than a guess.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extract.lexicons.jurisdictions import without_spaces


@dataclass(frozen=True)
class HsMatch:
    start: int  # token offsets
    end: int
    term: str
    chapters: tuple[str, ...]


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
