"""HTML page → clean Article (main text + metadata)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import trafilatura

from extract.artifacts import clean_text


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
    error: str | None = None              # reason when text is empty

    def to_dict(self) -> dict:
        return asdict(self)


def clean_html(html: str | bytes, url: str | None = None) -> Article:
    """Main text and metadata of one page; never raises, an empty text comes with `error`."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html or not html.strip():
        return Article(url=url, error="empty page")
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if not doc or not doc.text:
        return Article(url=url, error="no main text found")
    return Article(
        url=url,
        title=doc.title or "",
        text=clean_text(doc.text),
        published=doc.date,
        published_source="meta" if doc.date else None,
        author=doc.author or "",
        language=doc.language,
        canonical_url=doc.url,
        site_name=doc.sitename or "",
    )
