"""The shared (Redis) dupefilter of distributed crawls, on the same canonical fingerprint as a
single-process crawl. Only imported with `--scheduler redis://…` (scrapy-redis is optional)."""
from __future__ import annotations

from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.fingerprint import canonical_fingerprint


class CanonicalRedisDupeFilter(RFPDupeFilter):
    def request_fingerprint(self, request) -> str:
        return canonical_fingerprint(request).hex()
