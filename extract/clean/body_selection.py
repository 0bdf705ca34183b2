"""Main text of a page: trafilatura in precision mode, with a second opinion when its
result looks short or suspicious.

The cascade is cheap on the common page (one fast trafilatura pass) and only pays for
readability where the first result is short, or covers little of the page's paragraph text.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import lxml.html
from lxml import etree
import trafilatura
from lxml.etree import ParserError
from readability import Document

# A body shorter than this (characters) is suspicious: retried in balanced mode and readability.
SHORT_BODY = 500
# The body covers less than this share of the page's <p> text: readability may see more.
LOW_PARAGRAPH_SHARE = 0.5
# Readability wins only if it is much longer and contains nearly all of the first body.
LONGER_FACTOR = 2.0
MIN_CONTAINMENT = 0.9

_BLOCKS = frozenset("p div li h1 h2 h3 h4 h5 h6 blockquote pre tr br section article ul ol table".split())
_WORD = re.compile(r"\w+")
_PARAGRAPH_TEXT = etree.XPath("//p//text()")


@dataclass
class Body:
    text: str          # paragraphs separated by one newline
    method: str        # which won: "trafilatura", "trafilatura-balanced", "readability", "json-ld"


def extract_body(tree, html: str, url: str | None = None, structured_body: str = "") -> Body:
    """`tree` is the parsed page (consumed: trafilatura prunes it); `html` the same page as text;
    `structured_body` the page's JSON-LD articleBody if any."""
    paragraph_chars = sum(map(len, _PARAGRAPH_TEXT(tree)))
    first = _trafilatura(tree, url, precision=True)
    if len(first) < SHORT_BODY:
        return _best_of_short(first, html, url, structured_body)
    if len(first) < LOW_PARAGRAPH_SHARE * paragraph_chars:
        second = _readability(html)
        if len(second) > LONGER_FACTOR * len(first) and containment(first, second) >= MIN_CONTAINMENT:
            return Body(second, "readability")
    return Body(first, "trafilatura")


def _best_of_short(first: str, html: str, url: str | None, structured_body: str) -> Body:
    balanced = _trafilatura(html, url, precision=False)
    second = _readability(html)
    if len(second) >= SHORT_BODY and len(second) < len(balanced):
        best = Body(second, "readability")
    elif len(balanced) > len(first):
        best = Body(balanced, "trafilatura-balanced")
    else:
        best = Body(first, "trafilatura")
    # Pages that render their text by script often still carry it as structured data.
    if len(best.text) < SHORT_BODY and len(structured_body.strip()) >= len(best.text):
        return Body(structured_body.strip(), "json-ld")
    return best


def _trafilatura(page, url: str | None, precision: bool) -> str:
    document = trafilatura.bare_extraction(
        page, url=url, fast=True, favor_precision=precision, include_comments=False,
        with_metadata=False, deduplicate=False,
    )
    return (document.text or "") if document else ""


def _readability(html: str) -> str:
    try:
        summary = Document(html).summary(html_partial=True)
        return block_text(lxml.html.fromstring(summary))
    except (ParserError, ValueError, TypeError):
        return ""


def block_text(element) -> str:
    """Text of an element with one line per block, the way trafilatura lays out its result."""
    lines, current = [], []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag.lower() in _BLOCKS:
                lines.append("".join(current)); current = []
            if node.text and tag.lower() not in ("script", "style"):
                current.append(node.text)
        else:
            if tag.lower() in _BLOCKS:
                lines.append("".join(current)); current = []
            if node.tail and node is not element:
                current.append(node.tail)
    lines.append("".join(current))
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def containment(part: str, whole: str, size: int = 4) -> float:
    """Share of `part`'s word 4-grams that also occur in `whole`."""
    part_grams, whole_grams = _shingles(part, size), _shingles(whole, size)
    total = sum(part_grams.values())
    return sum((part_grams & whole_grams).values()) / total if total else 0.0


def _shingles(text: str, size: int) -> Counter:
    tokens = _WORD.findall(text)
    return Counter(tuple(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1)))
