"""Token patterns (JSONL, span-ruler format) matched only in sentences that can hold them.

A spaCy Matcher costs time per token and pattern, and most sentences of an article name no
trade measure. Each pattern is reduced to an anchor: the set of words one of its required
tokens must be (its content words, e.g. "tariff"/"tariffs" or the lemma "quota"). A sentence
containing no anchor word of any pattern is skipped; the result is the same as matching the
whole text, only faster.
"""
from __future__ import annotations

import json
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Span

from extract.lexicons.jurisdictions import space_tolerant

_LITERAL_ATTRS = ("LOWER", "LEMMA", "ORTH", "TEXT")


def read_patterns(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _anchor(pattern: list[dict], stop_words) -> set[str] | None:
    """Lower-cased words one required token must be, avoiding function words; None if no
    required token is literal enough to anchor on."""
    best = None
    for token in pattern:
        if token.get("OP") not in (None, "!", "+", "1"):
            continue
        for attr in _LITERAL_ATTRS:
            value = token.get(attr)
            values = [value] if isinstance(value, str) else (value.get("IN") if isinstance(value, dict) else None)
            if not values:
                continue
            words = {str(v).lower() for v in values}
            if any(w in stop_words for w in words):
                continue
            if best is None or len(words) < len(best):
                best = words
    return best


def _any_case_lemmas(pattern: list[dict]) -> list[dict]:
    """A proper noun keeps its case as lemma ("the Semiconductor Trade Agreement", "TALKS"):
    a LEMMA word also matches as Capitalised and UPPER."""
    out = []
    for token in pattern:
        value = token.get("LEMMA")
        if value is None:
            out.append(token)
            continue
        values = [value] if isinstance(value, str) else value.get("IN")
        if not values:
            out.append(token)
            continue
        variants = list(dict.fromkeys(v for word in values for v in (word, word.capitalize(), word.upper())))
        out.append({**token, "LEMMA": {**(value if isinstance(value, dict) else {}), "IN": variants}})
    return out


# A window longer than this is matched piece by piece (see CueMatcher._pieces); the overlap
# is longer than any cue pattern.
PIECE_TOKENS = 200
PIECE_OVERLAP = 40


class CueMatcher:
    """Matches labelled patterns ({"label", "pattern", "id"?}) as spans labelled `label`, with
    `id_` set to the pattern's id, stepping over line breaks.

    Patterns sharing an anchor go into one Matcher, and a sentence runs only the matchers
    whose anchor it contains: a sentence naming "tariffs" does not pay for the quota,
    subsidy and agreement patterns (the Matcher's cost grows with patterns x tokens)."""

    def __init__(self, nlp: Language, patterns: list[dict], max_per_window: int | None = None):
        # Work per sentence is bounded: past `max_per_window` matches a "sentence" is a list or
        # word soup, and reading every cue in it would cost its length in each cue's context.
        self.max_per_window = max_per_window
        self.groups: list[tuple[frozenset[str] | None, Matcher]] = []
        by_anchor: dict[frozenset[str] | None, Matcher] = {}
        stop_words = nlp.Defaults.stop_words
        for pattern in patterns:
            tokens = pattern["pattern"]
            key = f"{pattern['label']}|{pattern.get('id', '')}"
            anchor = _anchor(tokens, stop_words)
            anchor = frozenset(anchor) if anchor is not None else None
            if anchor not in by_anchor:
                by_anchor[anchor] = Matcher(nlp.vocab)
                self.groups.append((anchor, by_anchor[anchor]))
            by_anchor[anchor].add(key, [space_tolerant(_any_case_lemmas(tokens))])

    @staticmethod
    def _words(window: Span) -> set[str]:
        return {t.lower_ for t in window} | {t.lemma_.lower() for t in window}

    def __call__(self, windows: list[Span]) -> list[Span]:
        found = []
        for window in windows:
            spans = []
            for piece, limit in self._pieces(window):
                spans.extend(span for span in self._match(piece) if span.start < limit)
                if self.max_per_window is not None and len(spans) >= self.max_per_window:
                    break
            for span in spans[:self.max_per_window]:
                label, _, ident = span.label_.partition("|")
                found.append(Span(span.doc, span.start, span.end, label=label, span_id=ident))
        return found

    def _match(self, piece: Span) -> list[Span]:
        words = self._words(piece)
        spans = []
        for anchor, matcher in self.groups:
            if anchor is None or not anchor.isdisjoint(words):
                spans.extend(matcher(piece, as_spans=True))
        spans.sort(key=lambda span: (span.start, span.end))
        return spans

    def _pieces(self, window: Span):
        """The window itself, or (a "sentence" longer than any real one, when matches are
        capped) pieces of PIECE_TOKENS, read until the cap is reached: the Matcher's cost then
        stops at the cap too. Pieces overlap by PIECE_OVERLAP tokens so a pattern crossing a
        cut is still found; a match belongs to the piece it starts in."""
        if self.max_per_window is None or len(window) <= PIECE_TOKENS + PIECE_OVERLAP:
            yield window, window.end
            return
        doc = window.doc
        for start in range(window.start, window.end, PIECE_TOKENS):
            yield doc[start:min(start + PIECE_TOKENS + PIECE_OVERLAP, window.end)], start + PIECE_TOKENS
