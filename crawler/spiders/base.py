"""What every tradewatch spider shares: sources → requests, feed/sitemap/page handling,
failures to the run log. Subclasses only say how their start URLs are read."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import guard
from crawler.resolver import HOST_NOT_RESOLVED
from crawler.extensions import RunRecorder
from crawler.items import FeedEntry, Page
from crawler.middlewares import NotHtml, html_response
from crawler.parsing import ParseFailure, parse_feed, parse_sitemap, sniff_kind
from core.config import Source
from core.urls import origin_of, rebase_url

MAX_SITEMAP_DEPTH = 3        # index → sitemap → (nested index) is as deep as real sites go
PERMANENT_STATUSES = {404, 410, 451}


class TradewatchSpider(scrapy.Spider):
    """Sources arrive as `core.config.Source` dicts over the wire to the crawl process."""

    start_kind = "page"          # how start URLs are parsed: "feed", "sitemap", "site" or "any"

    def __init__(self, sources=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = {s.name: s for s in (Source.coerce(s) for s in sources)}
        # Offsite policy: the registered domains of the configured URLs (feeds may add their site).
        self.allowed_domains = sorted({guard.source_domain(u) for s in self.sources.values() for u in s.urls})
        # Local mirrors (`mirror_of`): their own origins, and the origin their pages are stored under.
        self.mirrors = {s.name: (frozenset(origin_of(u) for u in s.urls), s.mirror_of)
                        for s in self.sources.values() if s.mirror_of}

    @property
    def distributed(self) -> bool:
        return self.crawler.settings.getbool("TRADEWATCH_DISTRIBUTED")

    @property
    def recorder(self) -> RunRecorder:
        return RunRecorder.of(self.crawler)

    # -- start --------------------------------------------------------------------------

    async def start(self):
        for source in self.sources.values():
            for url in source.urls:
                self.recorder.start_requested(url)
                yield self.source_request(url, source.name, self.start_kind, start_url=url)

    def source_request(self, url: str, source: str, kind: str, **meta) -> scrapy.Request:
        """A feed/sitemap/site start page: fetched every run (conditionally). Only with a shared
        (Redis) scheduler does the dupefilter see it, so one process of the run fetches it."""
        callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap,
                    "site": self.parse_site_start, "any": self.parse_any}[kind]
        return scrapy.Request(
            url, callback=callback, errback=self.failed, dont_filter=not self.distributed,
            meta={"source": source, "kind": kind, "conditional": kind in ("feed", "sitemap", "any"),
                  "handle_httpstatus_list": [304], **meta},
        )

    def identity_url(self, url: str, source: str) -> str:
        """The URL a page is known by: itself, or on a mirror the same path on the mirrored origin
        (so a mirror that moves to another host or port stores nothing twice)."""
        if source not in self.mirrors:
            return url
        origins, mirrored = self.mirrors[source]
        return rebase_url(url, origins, mirrored)

    def page_request(self, url: str, source: str, entry: FeedEntry | None = None, **meta) -> scrapy.Request | None:
        spec = self.sources.get(source)
        if not self.recorder.should_fetch(self.identity_url(url, source), recrawl=bool(spec and spec.recrawl)):
            return None
        return scrapy.Request(url, callback=self.parse_page, errback=self.failed,
                              meta={"source": source, "kind": "page", "entry": entry, **meta})

    # -- feeds and sitemaps -------------------------------------------------------------

    def parse_any(self, response: Response):
        """Ad hoc URL: feed, sitemap or page, decided by its bytes."""
        if response.status == 304:
            return self._not_modified(response)
        kind = sniff_kind(response.body, response.headers.get(b"Content-Type", b"").decode("latin-1"))
        handler = {"feed": self.parse_feed, "sitemap": self.parse_sitemap}.get(kind)
        if handler:
            return handler(response)
        # A page: the same content checks and charset repair as pages found through feeds.
        try:
            response = html_response(response)
        except NotHtml as exc:
            self.recorder.failure(response.url, str(exc), source=response.meta.get("source"),
                                  permanent=True, counted_as="pages_skipped")
            return []
        self._start_succeeded(response)
        return self.parse_page(response)

    def parse_feed(self, response: Response):
        if response.status == 304:
            return self._not_modified(response)
        source = response.meta["source"]
        try:
            entries, info = parse_feed(response.body, response.url, source=source)
        except ParseFailure as exc:
            self.recorder.failure(response.url, f"feed: {exc}", source=source, counted_as="sources_failed")
            return []
        self.recorder.count("feeds_fetched")
        self._start_succeeded(response)
        if info.get("link") and guard.source_domain(info["link"]) not in self.allowed_domains:
            # A feed served from a feed host (feeds.example.com, feedburner) opens its own site.
            self.allowed_domains.append(guard.source_domain(info["link"]))
        if not entries:
            self.recorder.count("empty_sources")
        self._remember_validators(response)
        return self._entries_to_requests(entries, source)

    def parse_sitemap(self, response: Response):
        if response.status == 304:
            return self._not_modified(response)
        source = response.meta["source"]
        try:
            sitemap = parse_sitemap(response.body, response.url, source=source)
        except ParseFailure as exc:
            self.recorder.failure(response.url, f"sitemap: {exc}", source=source, counted_as="sources_failed")
            return []
        self.recorder.count("sitemaps_fetched")
        self._start_succeeded(response)
        self._remember_validators(response)
        if sitemap.kind == "index":
            depth = response.meta.get("sitemap_depth", 0) + 1
            if depth > MAX_SITEMAP_DEPTH:
                self.recorder.failure(response.url, "sitemap: index nested too deep", source=source,
                                      counted_as="sources_failed")
                return []
            return [self.source_request(u, source, "sitemap", sitemap_depth=depth) for u in sitemap.sitemaps]
        if not sitemap.entries:
            self.recorder.count("empty_sources")
        return self._entries_to_requests(sitemap.entries, source)

    def _entries_to_requests(self, entries, source):
        out = []
        self.recorder.batch.begin()         # a sitemap's thousand entries: one transaction
        for entry in entries:
            self.recorder.count("entries_seen")
            request = self.page_request(entry.url, source, entry)
            if request is None:
                continue
            try:
                self.recorder.kb.save_entry({**entry.to_dict(), "url": self.identity_url(entry.url, source)},
                                            run_id=self.recorder.run_id)
            except Exception as exc:
                self.logger.warning("could not save entry %s: %s", entry.url, exc)
            out.append(request)
        self.recorder.batch.commit()
        return out

    def _not_modified(self, response):
        self.recorder.count("not_modified")
        self._start_succeeded(response)
        return []

    def _start_succeeded(self, response) -> None:
        """A start URL answered with something usable (a feed, a sitemap, a page, or 304):
        the crawl did not fail as a whole, whatever became of the pages it led to."""
        self.recorder.start_succeeded(response.meta.get("start_url"))

    def _remember_validators(self, response):
        """Kept until the run finishes cleanly (see RunRecorder.keep_validators): stored now, a
        kill before this feed's entries are fetched would make the next run's 304 hide them."""
        etag = response.headers.get(b"ETag")
        modified = response.headers.get(b"Last-Modified")
        if etag or modified:
            self.recorder.keep_validators(response.url, etag.decode("latin-1") if etag else None,
                                          modified.decode("latin-1") if modified else None)

    # -- sites --------------------------------------------------------------------------

    def parse_site_start(self, response: Response):
        raise NotImplementedError  # SiteSpider

    # -- pages --------------------------------------------------------------------------

    def parse_page(self, response: Response):
        page = self._page_from(response)
        return [page] if page else []

    def _page_from(self, response: Response) -> Page | None:
        source = response.meta.get("source", "")
        if not hasattr(response, "text"):
            self.recorder.failure(response.url, "skipped: not a text response", source=source,
                                  permanent=True, counted_as="pages_skipped")
            return None
        self.recorder.count("pages_fetched")
        request_url = response.meta.get("redirect_urls", [response.url])[0]
        return Page(
            url=request_url,
            final_url=response.url,
            source=source,
            status=response.status,
            html=response.text,
            fetched_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1"),
            entry=response.meta.get("entry"),
        )

    # -- failures -----------------------------------------------------------------------

    def failed(self, failure):
        request = failure.request
        if request.meta.get("tradewatch_recorded"):
            return
        kind = request.meta.get("kind", "page")
        reason, permanent = describe_failure(failure)
        cut_off = self.recorder.size_cap.reason(request.url)
        if cut_off:
            reason, permanent = cut_off, True
        chain = request.meta.get("redirect_urls") or []
        if chain and "redirection" in reason:
            reason = f"redirect loop or chain longer than the cap: {' -> '.join(chain + [request.url])}"
        if reason.startswith("refused"):
            self.recorder.count("refused")
        self.recorder.failure(
            chain[0] if chain else request.url, reason, source=request.meta.get("source"),
            permanent=permanent and kind == "page",
            counted_as="pages_failed" if kind == "page" else "sources_failed",
        )


def describe_failure(failure) -> tuple[str, bool]:
    """(reason for the run log, whether retrying later is pointless)."""
    exc = failure.value
    request = failure.request
    if isinstance(exc, HttpError):
        status = exc.response.status
        giveup = request.meta.get("tradewatch_giveup")
        if giveup:
            return giveup, False
        if 300 <= status < 400:
            return _unfollowed_redirect(request.url, status, exc.response.headers.get(b"Location"))
        return f"HTTP {status}", status in PERMANENT_STATUSES
    refused = guard.refused_at_connect(request.url)
    if refused and isinstance(exc, HOST_NOT_RESOLVED):
        return refused, True
    name = type(exc).__name__
    text = str(exc).strip()
    if "max size" in text.lower() or "maxsize" in text.lower() or "larger than download" in text.lower():
        return f"too large: {text}", True
    if "timeout" in name.lower() or "timed out" in text.lower():
        return f"timeout: {text or name}", False
    if name in ("ConnectionLost", "ResponseFailed", "ResponseNeverReceived", "ConnectionDone",
                "ConnectionRefusedError", "DownloadConnectionRefusedError", "ConnectError", "ResponseDataLossError",
                "DownloadFailedError"):
        return f"connection failed: {name} {text}".strip(), False
    return f"{name}: {text}" if text else name, False


def _unfollowed_redirect(url: str, status: int, location: bytes | None) -> tuple[str, bool]:
    """Why a 3xx reached the errback: Scrapy follows http(s) redirects up to the cap itself
    (a loop ends in "max redirections reached"), so here the target was not http(s) or absent."""
    if not location:
        return f"HTTP {status}: redirect without a Location header", True
    target = urljoin(url, location.decode("latin-1").strip())
    scheme = urlsplit(target).scheme.lower()
    if scheme not in guard.ALLOWED_SCHEMES:
        shown = target if len(target) <= 80 else target[:79] + "…"
        return f"refused: redirect to a {scheme or 'scheme-less'}: URL ({shown}); only http/https is followed", True
    return f"HTTP {status}: redirect to {target} not followed", False
