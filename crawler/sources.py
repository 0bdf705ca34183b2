"""Configured sources → the spiders that crawl them.

Adding a source kind: name it in `core/data/vocabulary.toml` [source_kinds], write its spider
in `crawler/spiders/`, and register the spider here. Sources cross into the crawl process as
dicts (`core.config.Source.to_dict` / `Source.coerce`).
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from core.config import Source
from crawler.guard import ALLOWED_SCHEMES

ADHOC_KIND = "any"           # a URL given on the command line: feed, sitemap or page, sniffed once fetched
SPIDER_FOR_KIND = {
    "feed": "crawler.spiders.feeds.FeedSpider",
    "sitemap": "crawler.spiders.sitemaps.SitemapSpider",
    "site": "crawler.spiders.sites.SiteSpider",
    ADHOC_KIND: "crawler.spiders.adhoc.UrlSpider",
}


def adhoc_url_problem(url: str) -> str | None:
    """Why a URL given on the command line cannot be crawled (the run-log reason), or None.

    Checked before any crawl starts, so a typo gets its real reason ("not a URL", "no such
    file") instead of a crawl that fetches nothing and says nothing."""
    text = (url or "").strip()
    if not text:
        return "not a URL: the value is empty; give an http(s) URL such as https://example.org/rss.xml"
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if not scheme or (len(scheme) == 1 and re.match(r"[a-z]:[\\/]", text, re.I)):     # C:\… is a path
        if text.startswith(("/", "./", "../", "~", "\\")) or "\\" in text or re.match(r"[a-z]:[\\/]", text, re.I):
            path = Path(text).expanduser()
            if path.exists():
                return (f"not a URL: {text} is a local file; crawl fetches http(s) URLs only "
                        "(serve the file over HTTP, or give the URL it came from)")
            return f"not a URL, and no such file: {text}; give an http(s) URL such as https://example.org/rss.xml"
        guess = f" (did you mean https://{text}?)" if re.match(r"[\w-]+(\.[\w-]+)+(/|$)", text) else ""
        return f"not a URL: {text!r} has no scheme{guess}; give an http(s) URL such as https://example.org/rss.xml"
    if scheme not in ALLOWED_SCHEMES:
        return f"refused: scheme {scheme!r} is not http/https; only http(s) URLs are crawled"
    if not parts.hostname:
        return f"not a URL: {text!r} has no host; give an http(s) URL such as https://example.org/rss.xml"
    try:
        parts.port
    except ValueError:
        return f"not a URL: {text!r} has an invalid port; fix the port number"
    return None


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
