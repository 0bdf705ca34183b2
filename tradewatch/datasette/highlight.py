"""An article's text with its evidence and figures marked, for the reading page."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str          # "evidence" | "figure"
    note: str = ""     # tooltip: the measure or the figure's reading


def locate(text: str, start: int | None, end: int | None, quoted: str) -> tuple[int, int] | None:
    """Where a stored span sits in the text: its offsets when they hold the quoted words, else the
    first place the words occur (the extractor's offsets can refer to the title)."""
    if start is not None and end is not None and 0 <= start < end <= len(text):
        if not quoted or text[start:end].strip() == quoted.strip():
            return start, end
    if quoted:
        at = text.find(quoted)
        if at >= 0:
            return at, at + len(quoted)
    return None


def highlight(text: str, spans: list[Span]) -> Markup:
    """The text escaped, each stretch wrapped in <mark> classes of the spans that cover it."""
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out = []
    for low, high in zip(cuts, cuts[1:]):
        covering = [s for s in spans if s.start <= low and high <= s.end]
        piece = escape(text[low:high])
        if not covering:
            out.append(piece)
            continue
        kinds = sorted({f"tw-{s.kind}" for s in covering})
        note = "; ".join(dict.fromkeys(s.note for s in covering if s.note))
        out.append(Markup('<mark class="{}" title="{}">{}</mark>').format(" ".join(kinds), note, piece))
    return Markup("").join(out)
