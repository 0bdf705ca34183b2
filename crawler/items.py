"""Items as dataclasses: what the spiders hand to the pipelines."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FeedEntry:
    """What a feed or sitemap already says about an article, before its page is fetched."""

    url: str
    source: str = ""
    title: str = ""
    summary: str = ""
    published: str | None = None      # UTC ISO 8601
    author: str = ""
    categories: list[str] = field(default_factory=list)
    origin: str = ""                  # "feed" or "sitemap"
    origin_url: str = ""              # the feed/sitemap it came from
    lastmod: str | None = None        # sitemap <lastmod>, UTC ISO 8601

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Page:
    """A fetched article page."""

    url: str                          # as requested
    final_url: str                    # after redirects
    source: str
    status: int
    html: str
    fetched_at: str                   # UTC ISO 8601
    content_type: str = ""
    entry: FeedEntry | None = None

    def to_dict(self) -> dict:
        return asdict(self)
