"""The demo site over real HTTP on 127.0.0.1, in a background thread.

    with DemoSite() as site:                 # free port, all hand-written articles
        crawl(site.feed_url)                 # site.sitemap_url, site.atom_url, site.base_url ...

    with DemoSite(batch=1) as site:          # daily/incremental tests
        crawl(site.feed_url)
        site.publish_batch(2)                # the later stories (one updates a known measure) go live
        site.add_articles(3)                 # three more generated stories at /extra/<n>.html
        crawl(site.feed_url)

    with DemoSite(scale=20_000) as site:     # benchmarks: /scaled/1.html … /scaled/20000.html
        crawl(site.sitemap_index_url)        # paged sitemaps; or site.scaled_feed_urls

Every response carries an ETag (hash of the body) and, where it has a date, Last-Modified;
conditional GETs (If-None-Match / If-Modified-Since) get 304. `site.requests` records
what was asked for, so tests can check robots.txt was obeyed or 304s happened.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from tradewatch.demo.content import DemoContent
from tradewatch.demo.manifest import DemoArticle
from tradewatch.demo.pages import DemoPages, Response

MAX_LOGGED_REQUESTS = 200_000


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str              # as requested, query included
    status: int
    conditional: bool      # carried If-None-Match or If-Modified-Since
    user_agent: str


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _not_modified(headers, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("If-Modified-Since")
    if since and last_modified is not None:
        try:
            since_at = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if since_at.tzinfo is None:
            since_at = since_at.replace(tzinfo=timezone.utc)
        return last_modified.replace(microsecond=0) <= since_at
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"          # keep-alive, like real news sites
    server_version = "TariffLedgerDemo/1.0"
    timeout = 30                           # idle keep-alive connections close after this

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        site: DemoSite = self.server.demo_site  # type: ignore[attr-defined]
        path = unquote(urlsplit(self.path).path) or "/"
        if site.delay:
            time.sleep(site.delay)
        forced = site.forced_status.get(path)
        if forced is not None:
            response = Response(forced, "text/plain; charset=utf-8", f"status {forced}\n".encode())
        else:
            response = site.pages.get(path)
        etag = _etag(response.body)
        conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
        status = response.status
        if status == 200 and conditional and _not_modified(self.headers, etag, response.last_modified):
            status = 304
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        if status in (200, 304):
            self.send_header("ETag", etag)
            if response.last_modified is not None:
                self.send_header("Last-Modified", format_datetime(response.last_modified, usegmt=True))
            self.send_header("Cache-Control", "public, max-age=60")
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(response.body)
        site.requests.append(RequestRecord(self.command, self.path, status, conditional,
                                           self.headers.get("User-Agent", "")))

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # requests are recorded in DemoSite.requests instead of stderr


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128               # crawlers open many connections at once

    def handle_error(self, request, client_address) -> None:
        # A crawler closing a keep-alive connection early is normal, not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class DemoSite:
    """The embedded demo news site, served over HTTP from a background thread.

    Args:
        scale: serve that many generated pages at /scaled/<n>.html (n = 1..scale), listed in
            paged sitemaps (/sitemaps/scaled-<k>.xml, 1,000 URLs each, all in the sitemap
            index) and paged RSS feeds (/scaled/feed-<k>.xml, 500 items each, linked by
            atom:link rel="next"). Built on request; nothing is written to disk.
        batch: serve hand-written articles with batch <= this (None: all). Batch 1 holds
            15 stories, batch 2 two later ones (see site/manifest.toml).
        extra_articles: start with that many generated "new" stories at /extra/<n>.html.
        host, port: where to listen; port 0 picks a free port.
        delay: seconds to sleep before each response (slow-server tests).
    """

    def __init__(self, *, scale: int = 0, batch: int | None = None, extra_articles: int = 0,
                 host: str = "127.0.0.1", port: int = 0, delay: float = 0.0):
        self.content = DemoContent(scale=scale, batch=batch, extra_articles=extra_articles)
        self.host, self._port = host, port
        self.delay = delay
        self.forced_status: dict[str, int] = {}
        self.requests: deque[RequestRecord] = deque(maxlen=MAX_LOGGED_REQUESTS)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.pages: DemoPages | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> "DemoSite":
        if self._server is not None:
            return self
        server = _Server((self.host, self._port), _Handler)
        server.demo_site = self  # type: ignore[attr-defined]
        self._server = server
        self.pages = DemoPages(self.content, self.base_url)
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"demo-site:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port. Safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "DemoSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("DemoSite is not running; use it as a context manager or call start()")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def feed_url(self) -> str:
        """RSS 2.0 feed of every listed article (item links carry utm_* parameters)."""
        return self.url("/feed.xml")

    @property
    def atom_url(self) -> str:
        return self.url("/atom.xml")

    @property
    def sitemap_url(self) -> str:
        """Google News sitemap of every listed article."""
        return self.url("/news-sitemap.xml")

    @property
    def sitemap_index_url(self) -> str:
        """Sitemap index: the news sitemap plus, with scale, the paged scaled sitemaps."""
        return self.url("/sitemap-index.xml")

    @property
    def robots_url(self) -> str:
        return self.url("/robots.txt")

    @property
    def index_url(self) -> str:
        """Front page linking the newest stories, with 'Older stories' pagination."""
        return self.url("/")

    @property
    def scaled_feed_urls(self) -> list[str]:
        return [self.url(f"/scaled/feed-{k}.xml") for k in range(1, self.pages.scaled_feed_pages() + 1)]

    # -- what is live ------------------------------------------------------------------
    @property
    def articles(self) -> list[DemoArticle]:
        """Articles listed in the feeds and news sitemap right now, newest first."""
        return self.content.listed()

    @property
    def listed_urls(self) -> list[str]:
        return [self.url(a.path) for a in self.content.listed()]

    @property
    def article_urls(self) -> list[str]:
        """Canonical URLs of every article page served right now: listed ones, then scaled."""
        return self.listed_urls + [self.url(f"/scaled/{n}.html") for n in range(1, self.content.scale + 1)]

    def article(self, article_id: str) -> DemoArticle:
        """A hand-written article by manifest id (live or not)."""
        return self.content.by_id(article_id)

    def publish_batch(self, batch: int | None) -> None:
        """Make hand-written batches up to `batch` live (None: all)."""
        self.content.publish_batch(batch)

    def add_articles(self, count: int = 1) -> list[DemoArticle]:
        """Publish `count` more generated stories (/extra/<n>.html); returns them."""
        return self.content.add_articles(count)

    def set_status(self, path: str, status: int | None) -> None:
        """Make `path` answer with `status` (e.g. 500, 404); None restores it."""
        if status is None:
            self.forced_status.pop(path, None)
        else:
            self.forced_status[path] = status

    def hits(self, path: str | None = None, *, status: int | None = None, prefix: str | None = None) -> int:
        """How many recorded requests match (path without query, exact or by prefix; status)."""
        count = 0
        for record in list(self.requests):
            bare = record.path.split("?", 1)[0]
            if path is not None and bare != path:
                continue
            if prefix is not None and not bare.startswith(prefix):
                continue
            if status is not None and record.status != status:
                continue
            count += 1
        return count


def serve_forever(port: int = 8765, scale: int = 0, *, host: str = "127.0.0.1",
                  batch: int | None = None, extra_articles: int = 0) -> None:
    """Serve the demo site until Ctrl-C; for `tradewatch demo-site [--port N] [--scale N]`.

    Prints the useful URLs first. Port 0 picks a free port. Binds to 127.0.0.1 unless
    `host` says otherwise.
    """
    site = DemoSite(scale=scale, batch=batch, extra_articles=extra_articles, host=host, port=port)
    with site:
        print(f"Demo site: {site.base_url}/  ({len(site.articles)} stories"
              + (f", {scale} scaled pages" if scale else "") + ")")
        print(f"  RSS feed      {site.feed_url}")
        print(f"  Atom feed     {site.atom_url}")
        print(f"  News sitemap  {site.sitemap_url}")
        print(f"  Sitemap index {site.sitemap_index_url}")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("Stopped.")
