"""The run's shared state for every component of one crawler: knowledge base, run id, counts.

Components reach it with `RunRecorder.of(crawler)`; it is the only object that writes the
run log, so every failure lands there with its URL and reason.
"""
from __future__ import annotations

import logging
import resource
import os
import re
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

from crawler.batching import SharedStore, WriteBatch
from core.urls import canonical_url

logger = logging.getLogger(__name__)
STAT_PREFIX = "tradewatch/"
MAX_LISTED_FAILURES = 200


class RunRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("TRADEWATCH_DB")
        self.run_id = crawler.settings.get("TRADEWATCH_RUN_ID")
        self.recrawl = crawler.settings.getbool("TRADEWATCH_RECRAWL")
        self._store = None
        self.failures: list[dict] = []
        self.memory_marks = sorted(int(m) for m in crawler.settings.getlist("TRADEWATCH_MEMORY_MARKS"))
        self.memory: dict[str, int] = {}
        # Several processes share the file when distributed: no long-held write lock then.
        self.batch_pages = 0 if crawler.settings.getbool("TRADEWATCH_DISTRIBUTED") else \
            crawler.settings.getint("TRADEWATCH_WRITE_BATCH_PAGES", 200)
        self.batch_seconds = crawler.settings.getfloat("TRADEWATCH_WRITE_BATCH_SECONDS", 0.5)
        self.size_cap = SizeCapWatcher()
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        # Start URLs (configured or ad hoc) and those that answered: none answering = a failed crawl.
        self.start_urls: set[str] = set()
        self.start_urls_ok: set[str] = set()
        self.timings: dict[str, float] = {}
        self._opened_at = time.monotonic()
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)
        crawler.signals.connect(self.dropped, signal=signals.request_dropped)

    def opened(self, spider=None):
        self._opened_at = time.monotonic()

    def fetch_done(self) -> None:
        """The engine has nothing left to fetch (pages parked for cleaning may remain)."""
        self.timings["fetch_seconds"] = round(time.monotonic() - self._opened_at, 3)
        self.memory["rss_mb_after_fetch"] = resident_mb()

    def clean_stage_done(self, pages: int, seconds: float) -> None:
        self.timings["clean_stage_pages"] = pages
        self.timings["clean_stage_seconds"] = round(seconds, 3)
        self.memory["rss_mb_after_clean_stage"] = resident_mb()

    @classmethod
    def from_crawler(cls, crawler):
        return cls.of(crawler)

    @classmethod
    def of(cls, crawler) -> "RunRecorder":
        recorder = getattr(crawler, "_tradewatch_recorder", None)
        if recorder is None:
            recorder = cls(crawler)
            crawler._tradewatch_recorder = recorder
        return recorder

    @property
    def kb(self):
        """The knowledge base, one connection per file for all crawlers of this process."""
        return self._shared().kb

    @property
    def batch(self) -> WriteBatch:
        """The write batch every knowledge-base write of this process's crawl joins."""
        return self._shared().batch

    def _shared(self) -> SharedStore:
        if self._store is None:
            self._store = SharedStore.acquire(self.db_path, self.batch_pages, self.batch_seconds)
        return self._store

    def count_stored(self, key: str, n: int = 1) -> None:
        """A counter for a page's writes: applied once the batch holding them commits."""
        self.batch.count(self, key, n)

    def count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(STAT_PREFIX + key, n)
        if key == "pages_fetched" and self.memory_marks:
            fetched = self.crawler.stats.get_value(STAT_PREFIX + key)
            while self.memory_marks and fetched >= self.memory_marks[0]:
                self.memory[f"rss_mb_at_{self.memory_marks.pop(0)}_pages"] = resident_mb()

    def should_fetch(self, url: str, recrawl: bool = False) -> bool:
        """False when the article is already stored (or failed for good) and re-crawl is off
        (for the run, or for the source: `recrawl = true` in its config)."""
        if self.recrawl or recrawl:
            return True
        if self.kb.is_seen(canonical_url(url)):
            self.count("skipped_seen")
            return False
        return True

    def failure(self, url: str, reason: str, *, source: str | None = None, permanent: bool = False,
                counted_as: str = "pages_failed") -> None:
        """Write one failure to the run log; a permanent one also marks the URL seen."""
        logger.warning("crawl failure %s: %s", url, reason)
        self.count(counted_as)
        self.count("failures")
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append({"url": url, "reason": reason, "source": source})
        try:
            if self.run_id is not None:
                self.kb.log_failure(self.run_id, url, reason, source=source)
            if permanent:
                self.kb.mark_seen(canonical_url(url), source=source or "", status="failed",
                                  reason=reason, run_id=self.run_id)
        except Exception:  # the run log must never stop the crawl
            logger.exception("could not record failure for %s", url)

    def dropped(self, request, spider=None):
        """The dupefilter dropped a request: this run already asked for that page, under another
        URL (a tracking variant, or a URL that redirected to it). Not a failure; redirect loops end
        at the redirect cap instead (crawler.fingerprint keeps a page's own redirect apart).
        A start URL dropped this way is another crawl process's to fetch (shared Redis queue)."""
        if request.meta.get("kind") == "page":
            self.count("skipped_seen")
        self.start_succeeded(request.meta.get("start_url"))

    def start_requested(self, url: str) -> None:
        self.start_urls.add(url)

    def start_succeeded(self, url: str | None) -> None:
        if url:
            self.start_urls_ok.add(url)

    def stats(self) -> dict:
        """Our counters without the prefix, plus the failure list."""
        raw = self.crawler.stats.get_stats() if self.crawler.stats else {}
        out = {k[len(STAT_PREFIX):]: v for k, v in raw.items() if k.startswith(STAT_PREFIX)}
        out["failure_list"] = list(self.failures)
        out["start_urls"] = len(self.start_urls)
        out["start_urls_ok"] = len(self.start_urls_ok & self.start_urls)
        out["requests_total"] = raw.get("downloader/request_count", 0)
        out["responses_total"] = raw.get("downloader/response_count", 0)
        out["finish_reason"] = raw.get("finish_reason")
        if raw.get("elapsed_time_seconds") is not None:
            out["engine_seconds"] = round(raw["elapsed_time_seconds"], 3)
        out.update(self.memory)
        out.update(self.timings)
        return out

    def keep_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """A feed's or sitemap's ETag/Last-Modified, stored when the run finishes cleanly: only
        then have all its entries been handled (a killed run fetches the whole feed again)."""
        self.validators[url] = (etag, last_modified)

    def _store_validators(self, reason) -> None:
        if reason != "finished":
            if self.validators:
                logger.warning("run ended (%s): HTTP validators of %d feeds/sitemaps not stored, so they are "
                               "fetched in full next time", reason, len(self.validators))
            return
        try:
            with self.kb.transaction():
                for url, (etag, last_modified) in self.validators.items():
                    self.kb.set_http_validators(url, etag=etag, last_modified=last_modified)
        except Exception:  # a missing validator only costs a full fetch next time
            logger.exception("storing HTTP validators")

    def close(self, spider=None, reason=None):
        self.size_cap.remove()
        self._store_validators(reason)
        if self._store is not None:
            store, self._store = self._store, None
            try:
                store.release()           # commits the open batch
            except Exception:
                logger.exception("closing the knowledge base")
        self.final_stats = self.stats()


class SizeCapWatcher(logging.Handler):
    """Which downloads Scrapy cut off at DOWNLOAD_MAXSIZE while streaming (no Content-Length).

    Scrapy then only cancels the download, and the errback sees a bare cancellation; the size
    is in the warning its download handler logs, which this handler reads (only warnings of
    the downloader's loggers reach it, so it costs nothing per page)."""

    _MESSAGE = re.compile(r"^Received (\d+) bytes which is larger than download max size \((\d+)\) "
                          r"in request <\S+ (.+)>\.?$", re.S)
    LOGGER = "scrapy.core.downloader"
    MAX_KEPT = 1000

    def __init__(self):
        super().__init__(logging.WARNING)
        self.cut: dict[str, tuple[int, int]] = {}       # url → (bytes received, cap)
        logging.getLogger(self.LOGGER).addHandler(self)

    def emit(self, record):
        try:
            match = self._MESSAGE.match(record.getMessage())
        except Exception:
            return
        if match:
            if len(self.cut) >= self.MAX_KEPT:
                self.cut.clear()
            self.cut[match.group(3)] = (int(match.group(1)), int(match.group(2)))

    def reason(self, url: str) -> str | None:
        """The run-log reason for a download of `url` cut off at the cap, else None."""
        if url not in self.cut:
            return None
        received, cap = self.cut.pop(url)
        return (f"too large: more than the {cap:,}-byte size cap (DOWNLOAD_MAXSIZE) streamed without a "
                f"Content-Length; download cut off after {received:,} bytes")

    def remove(self) -> None:
        logging.getLogger(self.LOGGER).removeHandler(self)


def resident_mb() -> float:
    """This process's resident memory in MB (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 1e6, 1)
    except (OSError, ValueError):
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class DistributedIdle:
    """With a shared Redis queue, an idle crawler may still get work from another process's
    feeds: stay open until the queue has been empty for TRADEWATCH_REDIS_IDLE_CLOSE seconds."""

    def __init__(self, crawler):
        if not crawler.settings.getbool("TRADEWATCH_DISTRIBUTED"):
            raise NotConfigured
        self.crawler = crawler
        self.clock = time.monotonic
        self.wait = crawler.settings.getfloat("TRADEWATCH_REDIS_IDLE_CLOSE", 5.0)
        self.last_activity = self.clock()
        for signal in (signals.response_received, signals.request_scheduled, signals.spider_opened):
            crawler.signals.connect(self.active, signal=signal)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def active(self, *args, **kwargs):
        self.last_activity = self.clock()

    def idle(self, spider=None):
        scheduler = self.crawler.engine._slot.scheduler if self.crawler.engine._slot else None
        if scheduler is not None and scheduler.has_pending_requests():
            self.active()
        if self.clock() - self.last_activity < self.wait:
            self._poll_soon()
            raise DontCloseSpider

    POLL_SECONDS = 0.25

    def _poll_soon(self) -> None:
        """An idle engine looks at its scheduler again only on its 5-second heartbeat; by then
        a busier process may have taken all the shared work. Look at the shared queue sooner."""
        from twisted.internet import reactor  # the one Scrapy installed (imported late on purpose)

        def poll():
            slot = self.crawler.engine._slot if self.crawler.engine else None
            if slot is not None and not slot.closing:
                slot.nextcall.schedule()

        reactor.callLater(self.POLL_SECONDS, poll)
