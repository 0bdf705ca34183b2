"""Robustness: one crawl over a server that fails in every way we know; nothing stops the run,
every failure is in the run log with its URL and reason. Plus the SSRF guard."""
from __future__ import annotations

import socket
import sqlite3

import pytest

from crawler.run import crawl
from tests.crawler.conftest import TEST_SETTINGS
from tests.crawler.faultserver import Tripwire, gzip_bomb, html_page
from tests.crawler.sitebuilder import ARTICLES, rss
from core.config import Config, Source

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

ACCENTED = ("As exportações de café do Brasil subiram no trimestre, disse a associação do setor, "
            "e os embarques para a Ásia e a Europa ganharam força depois de uma colheita maior. ")

FAULTS = {
    # path: (expected reason fragment or None when the page must be stored, permanent?)
    "/ok.html": (None, False),
    "/slow.html": ("timeout", False),
    "/reset.html": ("connection", False),
    "/gone.html": ("HTTP 410", True),
    "/missing.html": ("HTTP 404", True),
    "/busy.html": (None, False),                 # 503 + Retry-After: 1, then fine
    "/flaky.html": (None, False),                # 500 once (exponential backoff), then fine
    "/ratelimited.html": ("Retry-After", False),
    "/chain-1.html": (None, False),              # → chain-2 → chain-3 → final.html
    "/loop-a.html": ("redirect", False),
    "/huge.html": ("too large", True),
    "/huge-streamed.html": ("size cap", True),    # no Content-Length: Scrapy cancels mid-body
    "/bomb.html": ("too large", True),
    "/doc.pdf": ("content type application/pdf", True),
    "/json.html": ("content type application/json", True),
    "/latin1-but-utf8.html": (None, False),
    "/utf8-but-latin1.html": (None, False),
    "/no-charset.html": (None, False),
    "/truncated.html": (None, False),
    "/dataloss.html": ("connection", False),
    "/empty.html": ("no article text", True),
    "/private/robots.html": ("robots.txt", False),   # the test server's robots.txt disallows /private/
}


def _page(i: int, extra: str = "") -> str:
    a = ARTICLES[i % len(ARTICLES)]
    return html_page(f"{a['title']} {extra}".strip(), [f"{extra} {p}" for p in a["paragraphs"]])


def _setup(server) -> None:
    r = server.route
    r("/ok.html", _page(0))
    r("/slow.html", _page(1), delay=9.0)   # longer than all attempts together: no late answer can win
    r("/reset.html", reset=True)
    r("/gone.html", "gone", status=410)
    r("/gone-sitemap.xml", "gone", status=410)
    r("/busy.html", _page(2), fail_times=1, fail_status=503, fail_headers={"Retry-After": "1"})
    r("/flaky.html", _page(3, "Flaky"), fail_times=1, fail_status=500)
    r("/ratelimited.html", _page(1), fail_times=99, fail_status=429, fail_headers={"Retry-After": "3600"})
    r("/chain-1.html", status=301, headers={"Location": "/chain-2.html"})
    r("/chain-2.html", status=302, headers={"Location": server.base_url + "/chain-3.html"})
    r("/chain-3.html", status=307, headers={"Location": "/final.html"})
    r("/final.html", _page(0, "Final"))
    r("/loop-a.html", status=302, headers={"Location": "/loop-b.html"})
    r("/loop-b.html", status=302, headers={"Location": "/loop-a.html"})
    r("/huge.html", "<html><body><p>" + "x" * (2 * 1024 * 1024) + "</p></body></html>")
    r("/huge-streamed.html", "<html><body><p>" + "y" * (2 * 1024 * 1024) + "</p></body></html>", no_length=True)
    r("/bomb.html", gzip_bomb(50 * 1024 * 1024), headers={"Content-Encoding": "gzip"})
    r("/doc.pdf", b"%PDF-1.4 not really", content_type="application/pdf")
    r("/json.html", b'{"a": 1}', content_type="application/json")
    accented = html_page("Exportações de café", [ACCENTED * 3, ACCENTED * 2])
    r("/latin1-but-utf8.html", accented.encode("utf-8"), content_type="text/html; charset=iso-8859-1")
    r("/utf8-but-latin1.html", accented.replace("Exportações", "Vendas").encode("cp1252"),
      content_type="text/html; charset=utf-8")
    r("/no-charset.html", accented.replace("Exportações", "Embarques").encode("cp1252"), content_type="text/html")
    full = _page(2, "Truncated")
    r("/truncated.html", full[: full.index("</article>") - 40])          # cut mid-paragraph, no closing tags
    r("/dataloss.html", _page(3), truncate_to=300)                       # Content-Length says more
    r("/empty.html", b"")
    r("/private/robots.html", _page(1))
    items = [{"title": p, "url": server.base_url + p} for p in FAULTS]
    r("/feed.xml", rss(items), content_type="application/rss+xml")
    r("/malformed.xml", b'<?xml version="1.0"?><rss><channel><item><title>broken &amp', content_type="application/rss+xml")
    r("/empty-feed.xml", rss([]), content_type="application/rss+xml")


def test_every_fault_is_recorded_and_the_run_goes_on(server, db_path):
    _setup(server)
    base = server.base_url
    config = Config(sources=[
        Source(name="faulty", kind="feed", urls=[base + "/feed.xml"]),
        Source(name="malformed", kind="feed", urls=[base + "/malformed.xml"]),
        Source(name="empty", kind="feed", urls=[base + "/empty-feed.xml"]),
        Source(name="dead", kind="feed", urls=[base + "/dead.xml"]),
        Source(name="dead-map", kind="sitemap", urls=[base + "/gone-sitemap.xml"]),
    ])
    settings = {**TEST_SETTINGS, "DOWNLOAD_MAXSIZE": 1024 * 1024, "DOWNLOAD_WARNSIZE": 256 * 1024, "RETRY_TIMES": 2}
    stats = crawl(config, db_path=db_path, settings=settings, timeout=120)

    conn = sqlite3.connect(db_path)
    failures = {url.replace(base, ""): reason for url, reason in conn.execute("SELECT url, reason FROM run_failures")}
    stored = {url.replace(base, ""): text for url, text in conn.execute("SELECT url, text FROM articles")}
    seen = dict(conn.execute("SELECT url, status FROM seen_urls"))
    for path, (reason, permanent) in FAULTS.items():
        if reason is None:
            final = "/final.html" if path == "/chain-1.html" else path
            assert final in stored, (path, failures.get(path))
            assert path not in failures
        else:
            assert reason.lower() in failures.get(path, "").lower(), (path, failures, server.hit_times(path), list(stored))
            assert path not in stored
            assert (seen.get(base + path) == "failed") == permanent, (path, seen.get(base + path))

    # Charset repairs: the text reads right whatever the header said.
    assert "exportações de café" in stored["/latin1-but-utf8.html"] and "Ásia" in stored["/latin1-but-utf8.html"]
    assert "exportações" in stored["/utf8-but-latin1.html"] and "Ã" not in stored["/utf8-but-latin1.html"]
    assert "exportações" in stored["/no-charset.html"]
    # Retries: 503 waited for its Retry-After; 429 with an hour's Retry-After was not retried.
    busy = server.hit_times("/busy.html")
    assert len(busy) >= 2 and busy[-1] - busy[-2] >= 0.9
    assert server.hits("/ratelimited.html") == 1 and 2 <= server.hits("/flaky.html") <= 3
    assert server.hits("/loop-a.html") + server.hits("/loop-b.html") <= 6        # capped, not endless
    assert server.hits("/private/robots.html") == 0                             # robots.txt obeyed
    # Broken and empty sources: recorded, and the others still ran.
    assert "feed" in failures["/malformed.xml"] and failures["/dead.xml"] == "HTTP 404"
    assert failures["/gone-sitemap.xml"] == "HTTP 410" and stats["sources_failed"] == 3, ({k: v for k, v in stats.items() if k != "failure_list"}, failures)
    assert stats["empty_sources"] == 1 and "/empty-feed.xml" not in failures
    assert stats["articles_new"] + stats["duplicates"] == sum(r is None for r, _ in FAULTS.values()), stats
    run_errors = conn.execute("SELECT errors FROM runs WHERE id = ?", [stats["run_id"]]).fetchone()[0]
    assert run_errors == len(failures) == stats["failures"]


def test_retry_after_then_success_and_a_permanent_failure_is_not_refetched(server, db_path):
    server.route("/a.html", _page(0), fail_times=2, fail_status=429, fail_headers={"Retry-After": "1"})
    server.route("/gone.html", "gone", status=410)
    server.route("/feed.xml", rss([{"title": "a", "url": server.base_url + "/a.html"},
                                   {"title": "g", "url": server.base_url + "/gone.html"}]),
                 content_type="application/rss+xml")
    config = Config(sources=[Source(name="f", kind="feed", urls=[server.base_url + "/feed.xml"])])
    first = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    assert first["articles_new"] == 1 and first["pages_failed"] == 1
    times = server.hit_times("/a.html")
    assert len(times) == 3 and times[2] - times[0] >= 1.8
    second = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    assert second["skipped_seen"] == 2 and server.hits("/gone.html") == 1


# -- SSRF -------------------------------------------------------------------------------

def test_loopback_is_refused_without_allow_private(server, db_path):
    server.route("/feed.xml", rss([]), content_type="application/rss+xml")
    config = Config(sources=[Source(name="local", kind="feed", urls=[server.base_url + "/feed.xml"])])
    stats = crawl(config, db_path=db_path, settings={k: v for k, v in TEST_SETTINGS.items()
                                                      if k != "TRADEWATCH_ALLOWED_NETWORKS"})
    assert server.log == []                       # not even robots.txt
    assert stats["refused"] >= 1 and "loopback" in stats["failure_list"][0]["reason"]


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_private_metadata_and_non_http_targets_are_refused_before_connecting(server, db_path):
    wires = [Tripwire("127.0.0.2")] + ([Tripwire("::1")] if _ipv6_loopback_available() else [])
    try:
        targets = {
            "ten": "http://10.23.0.5/admin",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "file": "file:///etc/passwd",
            "ftp": "ftp://127.0.0.1/pub",
            "loopback2": wires[0].url,
        }
        if len(wires) > 1:
            targets["v6"] = wires[1].url
        # Redirects from an allowed page to each target.
        for name, target in targets.items():
            server.route(f"/to-{name}.html", status=302, headers={"Location": target})
        adhoc = list(targets.values()) + [server.base_url + f"/to-{n}.html" for n in targets]
        stats = crawl(None, db_path=db_path, urls=adhoc, settings=TEST_SETTINGS)
        assert all(w.connections() == 0 for w in wires)
        reasons = {f["url"]: f["reason"] for f in stats["failure_list"]}
        for name, target in targets.items():
            assert target in reasons, (name, reasons)
            assert reasons[target].startswith("refused"), reasons[target]
        assert "link-local" in reasons[targets["metadata"]] and "private" in reasons[targets["ten"]]
        assert "scheme" in reasons[targets["file"]] and "scheme" in reasons[targets["ftp"]]
        assert stats["articles_new"] == 0
        conn = sqlite3.connect(db_path)
        logged = {u for (u,) in conn.execute("SELECT url FROM run_failures")}
        assert set(targets.values()) <= logged
    finally:
        for w in wires:
            w.close()


def test_offsite_links_in_a_feed_are_dropped_without_dns(server, db_path):
    server.route("/ok.html", _page(0))
    server.route("/feed.xml", rss([{"title": "ok", "url": server.base_url + "/ok.html"},
                                   {"title": "off", "url": "http://unrelated-host.invalid/story"}]),
                 content_type="application/rss+xml")
    config = Config(sources=[Source(name="f", kind="feed", urls=[server.base_url + "/feed.xml"])])
    stats = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    reasons = {f["url"]: f["reason"] for f in stats["failure_list"]}
    assert stats["articles_new"] == 1
    assert reasons["http://unrelated-host.invalid/story"] == "refused: offsite host unrelated-host.invalid"
