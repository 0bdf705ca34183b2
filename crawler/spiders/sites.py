"""Sites without feeds: start pages, links filtered by allow/deny patterns, to a depth limit.

Start pages are listings (not stored); every followed page is a candidate article, and the
cleaning stage decides whether it holds one.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.linkextractors import LinkExtractor

from crawler import guard
from crawler.spiders.base import TradewatchSpider


class SiteSpider(TradewatchSpider):
    name = "sites"
    start_kind = "site"

    def __init__(self, sources=(), *args, **kwargs):
        super().__init__(sources, *args, **kwargs)
        self.extractors = {
            name: LinkExtractor(allow=s.allow or (), deny=s.deny or (), unique=True)
            for name, s in self.sources.items()
        }

    def parse_site_start(self, response):
        if response.status == 304:
            return self._not_modified(response)
        self.recorder.count("site_pages_fetched")
        self._start_succeeded(response)
        return list(self._follow(response, depth=0))

    def parse_site_page(self, response):
        page = self._page_from(response)
        if page:
            yield page
        yield from self._follow(response, depth=response.meta.get("site_depth", 1))

    def _follow(self, response, depth: int):
        source = self.sources[response.meta["source"]]
        if depth >= source.depth or not hasattr(response, "text"):
            return
        for link in self.extractors[source.name].extract_links(response):
            if not guard.host_allowed(urlsplit(link.url).hostname or "", self.allowed_domains):
                continue          # links off the site are not followed (and are not failures)
            request = self.page_request(link.url, source.name, site_depth=depth + 1)
            if request is not None:
                yield request.replace(callback=self.parse_site_page)
