"""A fault-injecting HTTP server for the reliability suite, scalable to tens of thousands of URLs.

Every response is derived from the path, so a 10,000-URL plan needs no per-URL setup:

    /good/<n>.html          a distinct article (its text is `article_text(n)`)
    /charset/<n>.html       an accented article whose header lies about its charset (stored, text intact)
    /flaky/<n>.html         503 + Retry-After: 0 once, then the article (stored after one retry)
    /hostile/<n>.html       an article whose title and links carry script/javascript: payloads (stored)
    /timeout/<n>.html       answers after `slow_seconds` (longer than the crawl's timeout)
    /reset/<n>.html         TCP reset instead of an answer
    /error500/<n>.html      always 500
    /ratelimit/<n>.html     always 429 with Retry-After: 3600
    /truncated/<n>.html     Content-Length larger than the bytes sent, then the connection closes
    /oversize/<n>.html      a body larger than the crawl's size cap (Content-Length given)
    /oversize-stream/<n>.html  the same without Content-Length (streamed until the cap trips)
    /bomb/<n>.html          a gzip bomb (50 MB of zeros in ~50 kB)
    /loop/<n>/a.html        a → b → a … redirect loop
    /gone/<n>.html          410
    /pdf/<n>.html           application/pdf (not HTML)
    /feed/<k>.xml           RSS listing plan entries [k*feed_size, (k+1)*feed_size)
    /badfeed/<k>.xml        malformed XML feed
    /laughs.xml, /xxe.xml   billion-laughs and external-entity feeds
    /redirect?to=URL        302 to URL (SSRF: redirects towards refused targets)
    /stray-byte/<n>.html    a UTF-8 article with an accented title and one stray 0xff byte (title must survive)
    /flash/<n>.html         a headline-only wire flash: headline, share buttons, no body
    /entities-late.xml      a feed whose entity declarations follow a 100 kB comment
    /dtd-sitemap.xml        a news sitemap that declares a DTD with entities

Listens on a loopback address only (default 127.0.0.1; the SSRF family uses 127.0.0.3 so
that `localhost` stays outside the test allowance).
"""
from __future__ import annotations

import gzip
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

# Kinds the crawler must store, and kinds it must refuse/fail and log with a reason.
GOOD_KINDS = ("good", "charset", "flaky", "hostile")
FAULT_KINDS = ("timeout", "reset", "error500", "ratelimit", "truncated", "oversize", "oversize-stream",
               "bomb", "loop", "gone", "pdf")
# The reason fragment each fault must leave in the run log (lower-case substring).
FAULT_REASONS = {
    "timeout": "timeout", "reset": "connection", "error500": "http 500", "ratelimit": "retry-after",
    "truncated": "connection", "oversize": "too large", "oversize-stream": "too large", "bomb": "too large",
    "loop": "redirect", "gone": "http 410", "pdf": "content type",
}

_WORDS = ("tariff exports imports steel aluminium soybeans semiconductors quota duty customs ministry "
          "trade deficit surplus shipments port freight container rates agreement talks negotiators "
          "commission anti-dumping probe safeguard subsidy levy retaliation sanctions supply chain "
          "manufacturers farmers exporters importers prices demand quarter growth forecast outlook "
          "officials announced said expected rose fell percent billion million tonnes barrels").split()
ACCENTED = "As exportações de café do Brasil subiram no trimestre, disse a associação do setor"
HOSTILE_TITLE = "<script>alert('t')</script> Tariff [win](javascript:alert(1)) <img src=x onerror=alert(2)>"


def article_text(n: int, paragraphs: int = 4) -> list[str]:
    """Distinct, deterministic article paragraphs for page n (no near-duplicates between pages)."""
    rng = random.Random(n * 7919 + 17)
    out = []
    for p in range(paragraphs):
        words = [rng.choice(_WORDS) for _ in range(38)]
        out.append(f"Report {n}-{p}: " + " ".join(words).capitalize() + f", said analyst number {n * 31 + p}.")
    return out


def article_html(title: str, paragraphs: list[str], *, charset_meta: str | None = None, extra_body: str = "") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="en"><head>{meta}<title>{title}</title>'
            f'<meta property="article:published_time" content="2026-11-20T08:00:00Z"></head><body>'
            f'<nav><a href="/">Home</a></nav><main><article><h1>{title}</h1>{body}{extra_body}</article></main>'
            f"<footer>Contact</footer></body></html>")


@dataclass(frozen=True)
class PlannedUrl:
    n: int
    kind: str
    path: str

    @property
    def good(self) -> bool:
        return self.kind in GOOD_KINDS


def make_plan(count: int, fault_share: float = 0.2, seed: int = 9) -> list[PlannedUrl]:
    """`count` URLs, `fault_share` of them faults spread evenly over FAULT_KINDS, the rest good
    (mostly plain, with charset lies, flaky 503s and hostile titles mixed in), shuffled."""
    rng = random.Random(seed)
    n_faults = round(count * fault_share)
    kinds = [FAULT_KINDS[i % len(FAULT_KINDS)] for i in range(n_faults)]
    special = ("charset", "flaky", "hostile")
    for i in range(count - n_faults):
        kinds.append(special[i // 20 % 3] if i % 20 == 0 else "good")
    rng.shuffle(kinds)
    plan = []
    for n, kind in enumerate(kinds):
        path = f"/loop/{n}/a.html" if kind == "loop" else f"/{kind}/{n}.html"
        plan.append(PlannedUrl(n, kind, path))
    return plan


def rss(items: list[tuple[str, str]], title: str = "Stress feed") -> bytes:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    parts = [
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link><description>Summary</description>"
        f"<pubDate>{format_datetime(start + timedelta(minutes=i))}</pubDate></item>"
        for i, (t, u) in enumerate(items)
    ]
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>http://127.0.0.1/</link><description>stress</description>{''.join(parts)}</channel></rss>"
            ).encode("utf-8")


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "lol">'
                  + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10)
                             for i in range(9))
                  + b']><rss version="2.0"><channel><title>&j;</title><item><title>&j;</title>'
                    b"<link>http://127.0.0.1/x</link></item></channel></rss>")
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   b'<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title>'
                   b"<link>http://127.0.0.1/xxe-item</link><description>&xxe;</description></item></channel></rss>")
MALFORMED_FEED = b'<?xml version="1.0"?><rss><channel><item><title>broken &amp <link>'
# Entity declarations past the first 64 kB: a long comment first.
LATE_ENTITIES = (b'<?xml version="1.0"?><!-- ' + b"padding " * 13_000 + b'-->'
                 b'<!DOCTYPE rss [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                 b'<rss version="2.0"><channel><title>&b;</title><item><title>&b;</title>'
                 b"<link>http://127.0.0.1/late-entity-item</link></item></channel></rss>")
DTD_SITEMAP = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY site "http://127.0.0.1">]>'
               b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&site;/dtd-item</loc>'
               b"</url></urlset>")
STRAY_BYTE_TITLE = "Exportações de café sobem"
FLASH_HEADLINE = "US raises steel tariff to 50 percent"


def flash_html(headline: str) -> str:
    """A wire flash as news sites publish it: the headline in page furniture, no article body."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{headline} | Ledger Wire</title>'
            f'<meta property="og:title" content="{headline}"><meta property="og:site_name" content="Ledger Wire">'
            f'<meta property="article:published_time" content="2026-11-20T08:00:00Z"></head><body>'
            f'<a class="skip-link" href="#main">Skip to content</a><header><a href="/">Ledger Wire</a></header>'
            f'<main id="main"><article><h1>{headline}</h1><div class="byline">By Wire Desk</div>'
            f'<div class="share"><span>Share</span> <a href="https://share.example.com/x">LinkedIn</a> '
            f'<a href="mailto:?x">Email</a> <button>Copy link</button></div><div class="article-body"></div>'
            f"</article></main><footer><p>Ledger Wire</p></footer></body></html>")


class StressFaultServer:
    """Serves `plan` (see make_plan) plus the fixed fault routes; counts what it was asked."""

    def __init__(self, plan: list[PlannedUrl] | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 feed_size: int = 500, slow_seconds: float = 4.0, oversize_bytes: int = 2 * 1024 * 1024):
        self.plan = plan or []
        self.feed_size = feed_size
        self.slow_seconds = slow_seconds
        self.requests = 0
        self.paths: dict[str, int] = {}
        self._flaky_done: set[str] = set()
        self._lock = threading.Lock()
        self._oversize = b"<html><body><p>" + b"x" * oversize_bytes + b"</p></body></html>"
        self._bomb = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
        handler = _make_handler(self)
        self.httpd = _QuietServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"

    # -- plan helpers -----------------------------------------------------------------------

    @property
    def feed_urls(self) -> list[str]:
        pages = (len(self.plan) + self.feed_size - 1) // self.feed_size
        return [f"{self.base_url}/feed/{k}.xml" for k in range(pages)]

    def url(self, path: str) -> str:
        return self.base_url + path

    def hits(self, prefix: str) -> int:
        with self._lock:
            return sum(v for k, v in self.paths.items() if k.startswith(prefix))

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- responses --------------------------------------------------------------------------

    def respond(self, path: str):
        """(status, headers, body, how) for a path; how: None, 'reset', 'truncate', 'stream'."""
        parts = urlsplit(path)
        segs = parts.path.strip("/").split("/")
        head = segs[0]
        html = {"Content-Type": "text/html; charset=utf-8"}
        n = _number(segs[1]) if len(segs) > 1 else -1
        if parts.path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n", None
        if head == "good":
            return 200, html, article_html(f"Trade report {n}", article_text(n)).encode(), None
        if head == "charset":
            page = article_html(f"Exportações {n}", [f"{ACCENTED} {n}."] + article_text(n, 3))
            if n % 2:   # declared latin-1, really UTF-8
                return 200, {"Content-Type": "text/html; charset=iso-8859-1"}, page.encode("utf-8"), None
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("cp1252"), None
        if head == "flaky":
            with self._lock:
                first = path not in self._flaky_done
                self._flaky_done.add(path)
            if first:
                return 503, {"Content-Type": "text/plain", "Retry-After": "0"}, b"busy", None
            return 200, html, article_html(f"Flaky report {n}", article_text(n)).encode(), None
        if head == "hostile":
            links = ('<p><a href="javascript:alert(document.cookie)">more</a> '
                     '<a href="data:text/html,<script>x</script>">data</a></p>')
            title = HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;") + f" {n}"
            return 200, html, article_html(title, article_text(n), extra_body=links).encode(), None
        if head == "timeout":
            time.sleep(self.slow_seconds)
            return 200, html, article_html("late", article_text(n)).encode(), None
        if head == "reset":
            return 0, {}, b"", "reset"
        if head == "error500":
            return 500, {"Content-Type": "text/plain"}, b"internal error", None
        if head == "ratelimit":
            return 429, {"Content-Type": "text/plain", "Retry-After": "3600"}, b"slow down", None
        if head == "truncated":
            return 200, html, article_html(f"Cut {n}", article_text(n)).encode(), "truncate"
        if head == "oversize":
            return 200, html, self._oversize, None
        if head == "oversize-stream":
            return 200, html, self._oversize, "stream"
        if head == "bomb":
            return 200, {**html, "Content-Encoding": "gzip"}, self._bomb, None
        if head == "loop":
            other = "b.html" if segs[-1] == "a.html" else "a.html"
            return 302, {"Location": f"/loop/{segs[1]}/{other}"}, b"", None
        if head == "gone":
            return 410, {"Content-Type": "text/plain"}, b"gone", None
        if head == "pdf":
            return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 not an article", None
        if head == "feed":
            k = _number(segs[1].split(".")[0])
            chunk = self.plan[k * self.feed_size:(k + 1) * self.feed_size]
            body = rss([(f"Item {p.n}", self.base_url + p.path) for p in chunk])
            return 200, {"Content-Type": "application/rss+xml"}, body, None
        if head == "badfeed":
            return 200, {"Content-Type": "application/rss+xml"}, MALFORMED_FEED, None
        if parts.path == "/laughs.xml":
            return 200, {"Content-Type": "application/rss+xml"}, BILLION_LAUGHS, None
        if parts.path == "/xxe.xml":
            return 200, {"Content-Type": "application/rss+xml"}, EXTERNAL_ENTITY, None
        if head == "stray-byte":
            page = article_html(STRAY_BYTE_TITLE, [f"{ACCENTED} {n}."] + article_text(n, 3))
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8").replace(
                b"<footer>", b"<footer>\xff"), None
        if head == "flash":
            return 200, html, flash_html(f"{FLASH_HEADLINE} {n}").encode(), None
        if parts.path == "/entities-late.xml":
            return 200, {"Content-Type": "application/rss+xml"}, LATE_ENTITIES, None
        if parts.path == "/dtd-sitemap.xml":
            return 200, {"Content-Type": "application/xml"}, DTD_SITEMAP, None
        if parts.path == "/redirect":
            target = parse_qs(parts.query).get("to", [""])[0]
            return 302, {"Location": target}, b"", None
        if parts.path == "/redirect-feed.xml":   # a feed whose single entry redirects to `to`
            target = parse_qs(parts.query).get("to", [""])[0]
            return 200, {"Content-Type": "application/rss+xml"}, rss([("r", target)]), None
        return 404, {"Content-Type": "text/plain"}, b"not found", None


class _QuietServer(ThreadingHTTPServer):
    """Clients that give up (timeouts, size caps) reset connections: expected, not worth a traceback."""

    def handle_error(self, request, client_address):
        pass


def _number(text: str) -> int:
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else -1


def _make_handler(server: StressFaultServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            with server._lock:
                server.requests += 1
                key = self.path.split("?", 1)[0]
                server.paths[key] = server.paths.get(key, 0) + 1
            status, headers, body, how = server.respond(self.path)
            if how == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if how == "stream":
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                length = len(body) + (1000 if how == "truncate" else 0)
                self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                self.wfile.write(body)
                self.wfile.flush()
            except OSError:
                pass
            if how == "truncate":
                self.close_connection = True

    return Handler
