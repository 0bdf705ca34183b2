"""Configured sources → the spiders that crawl them.

Adding a source kind: name it in `core/data/vocabulary.toml` [source_kinds], write its spider
in `crawler/spiders/`, and register the spider here. Sources cross into the crawl process as
dicts (`core.config.Source.to_dict` / `Source.coerce`).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from core.config import Source

ADHOC_KIND = "any"           # a URL given on the command line: feed, sitemap or page, sniffed once fetched
SPIDER_FOR_KIND = {
    "feed": "crawler.spiders.feeds.FeedSpider",
    "sitemap": "crawler.spiders.sitemaps.SitemapSpider",
    "site": "crawler.spiders.sites.SiteSpider",
    ADHOC_KIND: "crawler.spiders.adhoc.UrlSpider",
}


def adhoc_sources(urls) -> list[Source]:
    """One-off URLs given on the command line, one source per host (the outlet)."""
    by_host: dict[str, Source] = {}
    for url in urls:
        name = f"adhoc:{urlsplit(url).hostname or url}"
        by_host.setdefault(name, Source(name=name, kind=ADHOC_KIND, urls=[])).urls.append(url)
    return list(by_host.values())


def group_by_spider(sources) -> dict[str, list[Source]]:
    """Spider class path → the sources it crawls (one spider per source kind)."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        source = Source.coerce(source)
        if source.kind not in SPIDER_FOR_KIND:
            raise ValueError(f"source {source.name}: unknown kind {source.kind!r}")
        groups.setdefault(SPIDER_FOR_KIND[source.kind], []).append(source)
    return groups
