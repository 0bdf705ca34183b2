"""Sentence lookups in linear time.

spaCy's `Span.sent` / `Token.sent` walk the document (or the sentence) on every call, so a rule
that asks for the sentence of each mention is quadratic on a long text. Here the sentence starts
are found once per `Doc`, cached in `doc.user_data`, and each lookup is a binary search.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right

from spacy.attrs import IDX, SENT_START
from spacy.tokens import Doc, Span

_CACHE_KEY = "tradewatch.sentence_starts"


def sentence_starts(doc: Doc) -> list[int]:
    """Token indices where a sentence starts (always begins with 0 for a non-empty doc)."""
    cached = doc.user_data.get(_CACHE_KEY)
    # The length guards against a retokenised doc reusing a stale cache.
    if cached is not None and cached[0] == len(doc):
        return cached[1]
    if len(doc) == 0:
        starts: list[int] = []
    elif doc.has_annotation("SENT_START"):
        flags = doc.to_array([SENT_START]).ravel().tolist()   # one C pass, no Token objects
        starts = [0] + [i for i in range(1, len(flags)) if flags[i] == 1]
    else:
        starts = [0]
    doc.user_data[_CACHE_KEY] = (len(doc), starts)
    return starts


def token_starts(doc: Doc) -> list[int]:
    """Character offset of each token, read in one C pass (`doc.to_array`), not token by token."""
    return doc.to_array([IDX]).ravel().tolist() if len(doc) else []


def expanded_spans(doc: Doc, offsets: list[tuple[int, int, str]]) -> list[Span | None]:
    """Spans covering each (start_char, end_char, label), like `doc.char_span(…, alignment_mode=
    "expand")` for offsets that start on a token character (as found figures do), but found by
    binary search over the token offsets read once."""
    starts = token_starts(doc)
    n, spans = len(doc), []
    for start_char, end_char, label in offsets:
        first = max(bisect_right(starts, start_char) - 1, 0)
        last = bisect_left(starts, end_char)
        spans.append(Span(doc, first, last, label=label) if n and first < last <= n and end_char > start_char
                     else None)
    return spans


def sentence_bounds(doc: Doc, token_index: int) -> tuple[int, int]:
    """(start, end) token indices of the sentence holding `token_index`."""
    starts = sentence_starts(doc)
    if not starts:
        return 0, 0
    k = bisect_right(starts, token_index) - 1
    start = starts[max(k, 0)]
    end = starts[k + 1] if k + 1 < len(starts) else len(doc)
    return start, end


def sentence_of(doc: Doc, token_index: int) -> Span:
    """The sentence holding token `token_index` (the whole doc when it has no sentence boundaries)."""
    start, end = sentence_bounds(doc, token_index)
    return doc[start:end]


def sentence_of_span(span: Span) -> Span:
    """The sentence a span starts in, like `span.sent` but without rescanning the doc."""
    return sentence_of(span.doc, span.start)



def ents_near(doc: Doc, start: int, end: int) -> list[Span]:
    """Entities wholly inside tokens [start, end), read from the token IOB tags so the cost is the
    window, not the document (`Span.ents` filters every entity of the doc)."""
    found, i = [], start
    while i < end:
        token = doc[i]
        if token.ent_iob_ == "B":
            j = i + 1
            while j < len(doc) and doc[j].ent_iob_ == "I":
                j += 1
            if j <= end:
                found.append(Span(doc, i, j, label=token.ent_type_))
            i = j
        else:
            i += 1
    return found
