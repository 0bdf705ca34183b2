"""HTML page → clean Article (main text + metadata).

`clean_html` never raises: a page it cannot use comes back with an empty text and
the reason in `error` (empty, binary, not HTML, too large, too deeply nested, invalid
UTF-8, no main text). A page with a headline and no article body (a wire flash) comes back
with its title, an empty text and no error: what an extractor finds on such a page besides
the headline is page furniture ("Skip to content", share buttons, the site's name).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import trafilatura
from lxml import etree

from extract.clean.artifacts import clean_text, fix_mojibake
from extract.clean.body_selection import extract_body
from extract.clean.metadata import detect_language, read_metadata

MAX_PAGE_BYTES = 10 * 1024 * 1024
# Real pages nest a few dozen levels. libxml2 silently stops nesting at 255 (what lies
# deeper is lost), so a page reaching this depth is refused with a reason instead.
MAX_DEPTH = 250
# An element MAX_DEPTH levels down; the node set empties within a few dozen steps on real pages.
_TOO_DEEP = etree.XPath("/*" * MAX_DEPTH)
# Extraction time grows with the element count; long real articles stay far below this.
MAX_ELEMENTS = 40_000
_ELEMENT_COUNT = etree.XPath("count(//*)")

_HTML_HINT = re.compile(
    rb"<\s*(!doctype|html|head|body|meta|title|p|div|article|main|section|span|a|br|h[1-6]|table|ul|li)\b",
    re.IGNORECASE,
)
_DECLARED_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF")
_WORD = re.compile(r"\w+")
# A body paragraph: this many words (or characters, for scripts without spaces), or a sentence
# of at least BODY_SENTENCE_WORDS words.
BODY_PARAGRAPH_WORDS = 10
BODY_PARAGRAPH_CHARS = 60
BODY_SENTENCE_WORDS = 4
_SENTENCE_END = re.compile(r"[.!?…。！？][\"”’')\]」』]*$")
# A fragment ("<div><p>…</p></div>") gets a document around it: the loader refuses bare fragments.
_HAS_HTML_ROOT = re.compile(r"<\s*(html|body|!doctype)\b", re.IGNORECASE)


@dataclass
class Article:
    """A cleaned article. `text` is what is stored and what evidence offsets point into."""

    url: str | None = None
    title: str = ""
    text: str = ""
    published: str | None = None          # UTC ISO 8601
    published_source: str | None = None   # which source of the date won: "meta", "feed", "sitemap", "text"
    author: str = ""
    language: str | None = None           # ISO 639-1
    canonical_url: str | None = None
    site_name: str = ""
    error: str | None = None              # reason when text is empty (none for a headline-only page)
    extractor: str | None = None          # which extractor produced the text

    def to_dict(self) -> dict:
        return asdict(self)


class UnusablePage(ValueError):
    """The page cannot be cleaned; the message is the reason given to the caller."""


def clean_html(html: str | bytes, url: str | None = None) -> Article:
    """Main text and metadata of one page; never raises, an empty text comes with `error`."""
    try:
        return _clean(html, url)
    except UnusablePage as reason:
        return Article(url=url, error=str(reason))
    except (RecursionError, MemoryError):
        return Article(url=url, error="page too complex to parse")
    except Exception as exc:  # a bug or a library failure loses this page only
        return Article(url=url, error=f"cleaning failed: {type(exc).__name__}: {exc}"[:300])


def _clean(html: str | bytes, url: str | None) -> Article:
    page = decode_page(html)
    tree = parse_page(page)
    meta = read_metadata(tree, url)
    body = extract_body(tree, page, url, structured_body=meta.article_body)
    lines = drop_byline_lines(drop_title_lines(body.text.split("\n"), meta.title), meta.author)
    language = detect_language(" ".join(lines), meta.declared_language)
    text = clean_text("\n\n".join(lines), language or "en")
    if not text:
        raise UnusablePage("no main text found")
    if not has_body(text, meta.title, meta.site_name):
        if not meta.title:
            raise UnusablePage("no main text found")
        text = ""                        # headline only: the title is the news, the rest is furniture
    return Article(
        url=url,
        # The body's mojibake is repaired by clean_text; the title and author come from the same bytes.
        title=fix_mojibake(meta.title),
        text=text,
        published=meta.published,
        published_source=meta.published_source,
        author=fix_mojibake(meta.author),
        language=language,
        canonical_url=meta.canonical_url,
        site_name=meta.site_name,
        extractor=body.method,
    )


def decode_page(html: str | bytes) -> str:
    """Checked page text: bytes are decoded (UTF-8, or the charset the page declares)."""
    if html is None:
        raise UnusablePage("empty page")
    if isinstance(html, str):
        if len(html) > MAX_PAGE_BYTES:
            raise UnusablePage(f"page too large (over {MAX_PAGE_BYTES} bytes)")
        try:
            raw = html.encode("utf-8")
        except UnicodeEncodeError:
            raise UnusablePage("invalid UTF-8 (unpaired surrogates)") from None
    elif isinstance(html, (bytes, bytearray)):
        raw = bytes(html)
    else:
        raise UnusablePage(f"not a page: {type(html).__name__}")
    if len(raw) > MAX_PAGE_BYTES:
        raise UnusablePage(f"page too large (over {MAX_PAGE_BYTES} bytes)")
    if not raw.strip():
        raise UnusablePage("empty page")
    head = raw[:65536]
    # Binary only by its magic bytes or a real share of NULs; a stray NUL in a page is debris.
    if raw.startswith(_BINARY_MAGIC) or head.count(b"\x00") > len(head) // 100:
        raise UnusablePage("binary content, not HTML")
    if b"\x00" in raw:
        raw = raw.replace(b"\x00", b"")
        html = raw if isinstance(html, (bytes, bytearray)) else html.replace("\x00", "")
    if not _HTML_HINT.search(raw):
        raise UnusablePage("not HTML (no markup found)")
    if isinstance(html, str):
        return html
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        declared = _DECLARED_CHARSET.search(raw[:4096])
        charset = declared.group(1).decode("ascii").lower() if declared else ""
        if charset and charset.replace("-", "") not in ("utf8", "utf16", "utf32"):
            try:
                return raw.decode(charset)
            except (LookupError, UnicodeDecodeError):
                pass
        # A few bad bytes in an otherwise UTF-8 page are replaced, not a reason to lose the page.
        text = raw.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(1, len(raw) // 100):
            return text
        raise UnusablePage("invalid UTF-8 and no usable declared charset") from None


def parse_page(page: str):
    try:
        # trafilatura's own loader: its parser settings (comments dropped) are what its
        # extractor expects; comments left in the tree cut paragraphs short.
        tree = trafilatura.load_html(page if _HAS_HTML_ROOT.search(page[:4096]) else f"<html><body>{page}</body></html>")
    except (etree.ParserError, ValueError, TypeError) as exc:
        raise UnusablePage(f"unparseable HTML: {exc}") from None
    if tree is None:
        raise UnusablePage("unparseable HTML")
    if _TOO_DEEP(tree):
        raise UnusablePage(f"HTML nested deeper than {MAX_DEPTH} levels")
    if _ELEMENT_COUNT(tree) > MAX_ELEMENTS:
        raise UnusablePage(f"page has more than {MAX_ELEMENTS} elements")
    return tree


def has_body(text: str, title: str = "", site_name: str = "") -> bool:
    """Whether a cleaned text holds an article body: a paragraph other than the headline and
    the site's name that is long (BODY_PARAGRAPH_WORDS words or BODY_PARAGRAPH_CHARS characters)
    or a sentence (ending in . ! ? 。). Links and buttons ("Copy link", "Comments are closed")
    are neither."""
    furniture = {tuple(_WORD.findall(part.lower())) for part in (title, site_name) if part}
    for paragraph in text.split("\n"):
        words = _WORD.findall(paragraph.lower())
        if not words or tuple(words) in furniture:
            continue
        if len(words) >= BODY_PARAGRAPH_WORDS or len(paragraph.strip()) >= BODY_PARAGRAPH_CHARS:
            return True
        if _SENTENCE_END.search(paragraph.strip()) and (len(words) >= BODY_SENTENCE_WORDS or not paragraph.isascii()):
            return True
    return False


def drop_title_lines(lines: list[str], title: str) -> list[str]:
    """The headline is metadata: a body that starts by repeating it loses that line."""
    lines = [line for line in lines if line.strip()]
    title_words = _WORD.findall(title.lower())
    while lines and title_words and _WORD.findall(lines[0].lower()) == title_words:
        lines = lines[1:]
    return lines


def drop_byline_lines(lines: list[str], author: str) -> list[str]:
    """A line that only names the author ("By Jane Doe") repeats metadata."""
    author_words = _WORD.findall(author.lower())
    if not author_words:
        return lines
    bylines = {tuple(author_words), ("by", *author_words)}
    return [line for line in lines if tuple(_WORD.findall(line.lower())) not in bylines]
