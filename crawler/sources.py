"""Configured sources → what the spiders need, in a form that crosses a process boundary."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

SPIDER_FOR_KIND = {
    "feed": "crawler.spiders.feeds.FeedSpider",
    "sitemap": "crawler.spiders.sitemaps.SitemapSpider",
    "site": "crawler.spiders.sites.SiteSpider",
    "any": "crawler.spiders.urls.UrlSpider",
}


@dataclass
class SourceSpec:
    """tradewatch.config.Source, reduced to plain values (JSON-able)."""

    name: str
    kind: str
    urls: list[str]
    language: str = "en"
    tier: str = "national"
    tags: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    depth: int = 1
    rate: float | None = None
    recrawl: bool = False

    @classmethod
    def coerce(cls, value) -> "SourceSpec":
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            value = {f.name: getattr(value, f.name) for f in fields(cls) if hasattr(value, f.name)}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in known})

    def to_dict(self) -> dict:
        return asdict(self)


def adhoc_sources(urls) -> list[SourceSpec]:
    """One-off URLs given on the command line, one source per host (the outlet); their kind
    is sniffed once fetched."""
    from urllib.parse import urlsplit

    by_host: dict[str, SourceSpec] = {}
    for url in urls:
        name = f"adhoc:{urlsplit(url).hostname or url}"
        by_host.setdefault(name, SourceSpec(name=name, kind="any", urls=[])).urls.append(url)
    return list(by_host.values())


def group_by_spider(sources) -> dict[str, list[SourceSpec]]:
    """Spider class path → the sources it crawls (one spider per source kind)."""
    groups: dict[str, list[SourceSpec]] = {}
    for source in sources:
        spec = SourceSpec.coerce(source)
        if spec.kind not in SPIDER_FOR_KIND:
            raise ValueError(f"source {spec.name}: unknown kind {spec.kind!r}")
        groups.setdefault(SPIDER_FOR_KIND[spec.kind], []).append(spec)
    return groups
