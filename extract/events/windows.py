"""An article as sentence windows, with what each window holds.

A window is a sentence, also cut at paragraph breaks and after the headline (the tagger's
sentences sometimes run over them). Each window lists the measure cues, status cues and
jurisdictions inside it, so every learned step looks at one window's own spans (linear in the
article's length, whatever the text).
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

import numpy
from spacy.attrs import IS_SPACE
from spacy.tokens import Doc, Span

HEADLINE_MAX_TOKENS = 40
# A blank line after one of these (or before a capital) ends a paragraph; "beef\n\nand" is a glitch.
_SENTENCE_END = frozenset(".!?:\"'”’)")


@dataclass(eq=False)          # identity: a window is one place in one document
class Window:
    index: int
    span: Span
    headline: bool
    cues: list[Span] = field(default_factory=list)        # measure cues: label = event type, id_ = strength
    statuses: list[Span] = field(default_factory=list)    # status cues: label = status
    places: list[Span] = field(default_factory=list)      # jurisdictions: label = code, id_ = kind

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end


def sentence_windows(doc: Doc) -> tuple[list[Span], bool]:
    """Sentences, also cut at the blank line after the headline so it never runs into the body;
    and whether the text has a headline (the first window) at all."""
    boundary = next((t.i for t in doc[:HEADLINE_MAX_TOKENS] if t.is_space and "\n\n" in t.text), None)
    # A headline has no closing full stop; a first paragraph does.
    if boundary is not None and doc[:boundary].text.rstrip()[-1:] in (".", "!", "?", '"'):
        boundary = None
    # space tokens found from flags read in one C pass, not by visiting every token
    spaces = numpy.flatnonzero(doc.to_array([IS_SPACE])).tolist() if len(doc) else []
    breaks = [i for i in spaces if 0 < i < len(doc) - 1 and "\n\n" in doc[i].text
              and (doc[i - 1].text[-1] in _SENTENCE_END or doc[i + 1].text[:1].isupper())]
    if boundary is not None and boundary not in breaks:
        breaks = sorted(breaks + [boundary])
    windows = []
    index = 0
    for sent in doc.sents:
        start = sent.start
        while index < len(breaks) and breaks[index] < sent.start:
            index += 1
        while index < len(breaks) and breaks[index] < sent.end:
            if breaks[index] > start:
                windows.append(doc[start:breaks[index]])
            start = breaks[index] + 1
            index += 1
        if start < sent.end:
            windows.append(doc[start:sent.end])
    return windows, boundary is not None


def build_windows(doc: Doc, cues: list[Span], statuses: list[Span], places: list[Span]) -> list[Window]:
    spans, has_headline = sentence_windows(doc)
    windows = [Window(i, span, has_headline and i == 0) for i, span in enumerate(spans)]
    starts = [w.start for w in windows]
    for group, attribute in ((cues, "cues"), (statuses, "statuses"), (places, "places")):
        for span in group:
            index = bisect_left(starts, span.start + 1) - 1
            if 0 <= index < len(windows) and span.end <= windows[index].end:
                getattr(windows[index], attribute).append(span)
    return windows


def window_of(windows: list[Window], start_char: int, end_char: int) -> list[Window]:
    """The windows a character range touches."""
    return [w for w in windows if w.span.start_char < end_char and w.span.end_char > start_char]
