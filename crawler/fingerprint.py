"""Request fingerprints on the canonical URL: each article is requested once.

Scrapy's default fingerprint keeps tracking parameters, `www.` and trailing slashes, so a feed
that lists an article plain and again with `?utm_source=…` had it fetched twice (only storage
collapsed the copies). Keyed on `core.urls.canonical_url`, the dupefilter drops the second
request before it is sent. A redirect whose target is the same page as its source (www. →
apex, a slash added) is the page asked for again, not a duplicate: it keeps its own print.
"""
from __future__ import annotations

import hashlib
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.dupefilters import BaseDupeFilter

from core.urls import canonical_url


def canonical_fingerprint(request: Request) -> bytes:
    key = canonical_url(request.url)
    chain = request.meta.get("redirect_urls") or ()
    if chain and key in {canonical_url(url) for url in chain}:
        key = f"{key}#redirect-{len(chain)}"
    digest = hashlib.sha1()
    for part in (request.method.encode(), key.encode("utf-8"), request.body or b""):
        digest.update(part)
        digest.update(b"\x00")
    return digest.digest()


class CanonicalUrlFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS (crawler/settings.py)."""

    def __init__(self, crawler=None):
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        if request not in self._cache:
            self._cache[request] = canonical_fingerprint(request)
        return self._cache[request]


# One crawl runs per process (crawler.run): the fingerprints its spiders have asked for, so a page
# listed by a feed and by a sitemap (two spiders, two schedulers) is requested once too.
_REQUESTED: set[bytes] = set()


class CrawlWideDupeFilter(BaseDupeFilter):
    """DUPEFILTER_CLASS: one set of fingerprints for every spider of the crawl process."""

    def __init__(self, fingerprinter: CanonicalUrlFingerprinter | None = None):
        self.fingerprinter = fingerprinter or CanonicalUrlFingerprinter()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.request_fingerprinter)

    def request_seen(self, request: Request) -> bool:
        fingerprint = self.fingerprinter.fingerprint(request)
        if fingerprint in _REQUESTED:
            return True
        _REQUESTED.add(fingerprint)
        return False
