"""Downloader middlewares: address guard, polite retries, conditional GET, content checks."""
from __future__ import annotations

import logging
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

from crawler import guard
from crawler.resolver import HOST_NOT_RESOLVED
from crawler.charset import effective_charset
from crawler.extensions import RunRecorder

logger = logging.getLogger(__name__)


class AddressGuardMiddleware:
    """Refuse, before connecting, anything but http(s) to configured hosts on public addresses.

    Runs on every request, so redirect targets and robots.txt fetches are checked too.
    `TRADEWATCH_ALLOWED_NETWORKS` (empty by default) lets tests and local mirrors through.
    """

    def __init__(self, crawler):
        self.recorder = RunRecorder.of(crawler)
        self.crawler = crawler
        self.networks = guard.parse_networks(crawler.settings.getlist("TRADEWATCH_ALLOWED_NETWORKS"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        spider = self.crawler.spider
        allowed = getattr(spider, "allowed_domains", None) or None
        try:
            # Literal addresses and cached names are checked inline; new names in a thread.
            try:
                guard.check_url(request.url, self.networks, allowed, resolver=guard.resolve_cached)
            except guard.NotResolvedYet:
                await maybe_deferred_to_future(
                    deferToThread(guard.check_url, request.url, self.networks, allowed)
                )
        except guard.Refused as exc:
            reason = str(exc)
            self.recorder.count("refused")
            self.recorder.failure(request.url, reason, source=request.meta.get("source"),
                                  counted_as=_failure_counter(request))
            request.meta["tradewatch_recorded"] = True
            raise IgnoreRequest(reason) from None
        return None


def _failure_counter(request) -> str:
    kind = request.meta.get("kind")
    return "pages_failed" if kind == "page" else "sources_failed" if kind else "other_failed"


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date → seconds from now."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting before each one: Retry-After when the server gives one
    (429/503), else exponential backoff. A Retry-After beyond RETRY_BACKOFF_MAX gives up."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is not None and delay > self.cap:
            request.meta["tradewatch_giveup"] = f"HTTP {response.status}, Retry-After {delay:.0f} s exceeds the {self.cap:.0f} s cap"
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(delay if delay is not None else self._backoff(request))
        return retry

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        if isinstance(exception, HOST_NOT_RESOLVED) and guard.refused_at_connect(request.url):
            return None                     # the address guard refused it when connecting: final
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self._wait(self._backoff(request))
        return retry

    def _backoff(self, request) -> float:
        return min(self.cap, self.base * 2 ** request.meta.get("retry_times", 0))

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            from twisted.internet import reactor  # the one Scrapy installed (imported late on purpose)

            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class ConditionalGetMiddleware:
    """Feeds and sitemaps are asked for with the validators of their last good fetch;
    the spider stores new validators after parsing and treats 304 as 'nothing new'."""

    def __init__(self, crawler):
        self.recorder = RunRecorder.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if not request.meta.get("conditional") or b"If-None-Match" in request.headers:
            return None
        try:
            validators = self.recorder.kb.get_http_validators(request.url) or {}
        except Exception:
            logger.exception("reading HTTP validators for %s", request.url)
            return None
        if validators.get("etag"):
            request.headers[b"If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            request.headers[b"If-Modified-Since"] = validators["last_modified"]
        return None


class ContentGuardMiddleware:
    """Article pages: HTML only, decoded with the charset the bytes really use.

    Sits after HttpCompressionMiddleware on the way in, so it sees decompressed bodies
    (whose size Scrapy caps at DOWNLOAD_MAXSIZE, which stops gzip bombs)."""

    def __init__(self, crawler):
        self.recorder = RunRecorder.of(crawler)
        self.html_types = [t.lower() for t in crawler.settings.getlist("HTML_CONTENT_TYPES")]

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if request.meta.get("kind") != "page" or not (200 <= response.status < 300):
            return response
        try:
            return html_response(response, self.html_types)
        except NotHtml as exc:
            self.recorder.failure(request.url, str(exc), source=request.meta.get("source"),
                                  permanent=True, counted_as="pages_skipped")
            request.meta["tradewatch_recorded"] = True
            raise IgnoreRequest(str(exc)) from None


class NotHtml(Exception):
    pass


def html_response(response, html_types=("text/html", "application/xhtml+xml")):
    """The response as HtmlResponse decoded with the charset its bytes really use;
    NotHtml when its content type says it is something else."""
    header = response.headers.get(b"Content-Type", b"").decode("latin-1")
    mime = header.split(";", 1)[0].strip().lower()
    body = response.body
    if mime and mime not in html_types and not _looks_like_html(body, mime):
        raise NotHtml(f"skipped: content type {mime} is not HTML")
    if not body.strip():
        return response   # the pipeline records an empty page
    return response.replace(cls=HtmlResponse, encoding=effective_charset(body, header))


def _looks_like_html(body: bytes, mime: str) -> bool:
    """Servers that send HTML as text/plain or octet-stream: trust the bytes for those only."""
    if mime not in ("text/plain", "application/octet-stream", "binary/octet-stream"):
        return False
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))
