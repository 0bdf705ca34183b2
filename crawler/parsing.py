"""Feeds and sitemaps → FeedEntry values. Pure functions over bytes, no Scrapy."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from xml.etree.ElementTree import ParseError

from crawler.dates import localized_rfc822, to_utc_iso
from crawler.items import FeedEntry

feedparser.registerDateHandler(localized_rfc822)
# Summaries are cleaned later by extract; feedparser must not rewrite relative links to
# something else or drop markup we may want.
feedparser.SANITIZE_HTML = True
feedparser.RESOLVE_RELATIVE_URIS = True


class ParseFailure(ValueError):
    """A feed or sitemap that cannot be used; the message is the logged reason."""


@dataclass
class Sitemap:
    kind: str                                              # "index" or "urlset"
    sitemaps: list[str] = field(default_factory=list)      # index: child sitemap URLs
    entries: list[FeedEntry] = field(default_factory=list)  # urlset: article URLs


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def refuse_entities(body: bytes) -> None:
    """Entity declarations (billion laughs, external entities) make a document unusable,
    wherever they sit (a long comment may push the DTD far down)."""
    if not _ENTITY_DECLARATION.search(body):
        return
    try:
        SafeET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseFailure(f"XML entity declarations refused ({type(exc).__name__})") from None
    except ParseError:
        pass


_ENTITY_DECLARATION = re.compile(rb"<!entity", re.I)
_DOCTYPE_OPEN = re.compile(rb"<!doctype", re.I)


def root_offset(body: bytes) -> int:
    """Where the root element starts: past the BOM, XML declaration, comments, processing
    instructions and the DOCTYPE with its internal subset. -1 when the prolog never ends."""
    i, n = 0, len(body)
    if body.startswith(b"\xef\xbb\xbf"):
        i = 3
    while i < n:
        while i < n and body[i] in b" \t\r\n":
            i += 1
        if body.startswith(b"<?", i):
            end = body.find(b"?>", i + 2)
            i = -1 if end < 0 else end + 2
        elif body.startswith(b"<!--", i):
            end = body.find(b"-->", i + 4)
            i = -1 if end < 0 else end + 3
        elif _DOCTYPE_OPEN.match(body, i):
            close, subset = body.find(b">", i), body.find(b"[", i)
            if 0 <= subset < close or (close < 0 <= subset):
                end = body.find(b"]", subset)
                close = -1 if end < 0 else body.find(b">", end)
            i = -1 if close < 0 else close + 1
        else:
            return i
        if i < 0:
            return -1
    return -1


def sniff_kind(body: bytes, content_type: str = "") -> str:
    """'feed', 'sitemap' or 'page' from the root element (content types lie)."""
    start = root_offset(body)
    head = body[start:start + 256].lower() if start >= 0 else b""
    if head.startswith((b"<urlset", b"<sitemapindex")) or re.match(rb"<\w+:(urlset|sitemapindex)\b", head):
        return "sitemap"
    if head.startswith((b"<rss", b"<feed", b"<rdf:rdf", b"<rdf")) or re.match(rb"<\w+:rdf\b", head):
        return "feed"
    ctype = content_type.lower()
    if "rss" in ctype or "atom" in ctype:
        return "feed"
    return "page"


def parse_feed(body: bytes, url: str, source: str = "") -> tuple[list[FeedEntry], dict]:
    """RSS 0.9x/1.0/2.0 or Atom → entries with what the feed knows, plus feed-level info."""
    refuse_entities(body)
    parsed = feedparser.parse(body, response_headers={"content-location": url, "content-type": "application/xml"})
    if not parsed.get("version") and not parsed.entries:
        raise ParseFailure(f"not a feed: {_bozo_reason(parsed) or 'no RSS/Atom root element'}")
    entries = []
    for item in parsed.entries:
        link = _entry_link(item, url)
        if not link:
            continue
        entries.append(FeedEntry(
            url=link,
            source=source,
            title=(item.get("title") or "").strip(),
            summary=(item.get("summary") or "").strip(),
            published=to_utc_iso(item.get("published_parsed") or item.get("updated_parsed") or item.get("created_parsed")),
            author=(item.get("author") or "").strip(),
            categories=[t.get("term", "").strip() for t in item.get("tags", []) if t.get("term")],
            origin="feed",
            origin_url=url,
        ))
    if parsed.get("bozo") and not entries and not _only_encoding_trouble(parsed):
        raise ParseFailure(f"malformed feed: {_bozo_reason(parsed)}")
    info = {
        "version": parsed.get("version") or "",
        "title": parsed.feed.get("title", ""),
        "link": parsed.feed.get("link", ""),
        "language": parsed.feed.get("language", ""),
        "bozo": bool(parsed.get("bozo")),
    }
    return entries, info


def _bozo_reason(parsed) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return ""
    return getattr(exc, "getMessage", lambda: None)() or str(exc) or type(exc).__name__


def _only_encoding_trouble(parsed) -> bool:
    return isinstance(parsed.get("bozo_exception"), (feedparser.CharacterEncodingOverride,
                                                     feedparser.NonXMLContentType))


def _entry_link(item, base: str) -> str | None:
    candidates = [item.get("link")]
    candidates += [l.get("href") for l in item.get("links", []) if l.get("rel", "alternate") == "alternate"]
    candidates.append(item.get("id") if str(item.get("guidislink", "")).lower() == "true" else None)
    for link in candidates:
        if link:
            link = urljoin(base, link.strip())
            if urlsplit(link).scheme in ("http", "https"):
                return link
    return None


def parse_sitemap(body: bytes, url: str, source: str = "") -> Sitemap:
    """Sitemap index or urlset (with Google News `news:` and `lastmod`), no entity expansion."""
    try:
        root = SafeET.fromstring(body.lstrip(b"\xef\xbb\xbf \t\r\n"), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseFailure(f"refused: it declares a DTD or entities ({type(exc).__name__}); "
                           "sitemaps need neither") from None
    except ParseError as exc:
        raise ParseFailure(f"malformed sitemap XML: {exc}") from None
    kind = _local(root.tag)
    if kind == "sitemapindex":
        locs = [_text(child, "loc") for child in root if _local(child.tag) == "sitemap"]
        return Sitemap("index", sitemaps=[urljoin(url, l) for l in locs if l])
    if kind != "urlset":
        raise ParseFailure(f"not a sitemap: root element <{kind}>")
    entries = []
    for node in root:
        if _local(node.tag) != "url":
            continue
        loc = _text(node, "loc")
        if not loc:
            continue
        news = next((c for c in node if _local(c.tag) == "news"), None)
        title, published, keywords = "", None, []
        if news is not None:
            title = _text(news, "title")
            published = to_utc_iso(_text(news, "publication_date"))
            keywords = [k.strip() for k in _text(news, "keywords").split(",") if k.strip()]
        entries.append(FeedEntry(
            url=urljoin(url, loc), source=source, title=title, published=published,
            categories=keywords, origin="sitemap", origin_url=url,
            lastmod=to_utc_iso(_text(node, "lastmod")),
        ))
    return Sitemap("urlset", entries=entries)


def _text(node, name: str) -> str:
    for child in node:
        if _local(child.tag) == name:
            # URLs never hold whitespace, but real sitemaps wrap them across lines.
            return ("" if name == "loc" else " ").join((child.text or "").split())
    return ""
