"""Scale-out: two crawl processes share one scrapy-redis queue and dupefilter and together
fetch every URL exactly once. Uses a real redis-server on a free loopback port."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time

import pytest

from crawler.run import clear_redis, crawl
from tests.crawler.conftest import TEST_SETTINGS
from tests.crawler.faultserver import html_page
from tests.crawler.sitebuilder import ARTICLES, rss
from core.config import Config, Source
from core.store import KnowledgeBase

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url():
    if not shutil.which("redis-server") and not __import__("os").path.exists(REDIS):
        pytest.skip("redis-server is not installed (make system-deps installs it)")
    port = _free_port()
    proc = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_processes_fetch_every_url_exactly_once(server, tmp_path, redis_url):
    """Deterministic on a busy machine: the knowledge base exists before either process starts (no
    two first-time schema creations racing), and every page is held back until both processes are
    crawling (each fetched robots.txt), so both get work from the shared queue."""
    n = 40
    both_running = threading.Event()
    items = []
    for i in range(n):
        a = ARTICLES[i % len(ARTICLES)]
        # Distinct texts, so dedupe does not hide pages.
        paragraphs = [f"Item {i}: " + p.replace("percent", f"percent ({i * 7 + 3} units)") for p in a["paragraphs"]]
        items.append({"title": f"{a['title']} #{i}",
                      "url": server.route(f"/a/{i}.html", html_page(f"{a['title']} #{i}", paragraphs), delay=0.2,
                                          gate=both_running)})
    feed = server.route("/feed.xml", rss(items), content_type="application/rss+xml")
    db_path = tmp_path / "kb.db"
    KnowledgeBase(db_path).close()
    config = Config(sources=[Source(name="wire", kind="feed", urls=[feed])])
    # Pages wait at the gate until the second process has started (seconds on a busy machine): with
    # the fast 2 s timeout the first process would time out and retry them, fetching each twice.
    settings = {**TEST_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "TRADEWATCH_REDIS_IDLE_CLOSE": 3.0,
                "DOWNLOAD_TIMEOUT": 90}
    results, errors = [], []

    def worker():
        try:
            results.append(crawl(config, db_path=str(db_path), settings=settings,
                                 scheduler=redis_url, scheduler_run="test-run", timeout=180))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    threads[0].start()
    _wait_for(lambda: server.hits("/robots.txt") >= 1)      # the first process is crawling …
    threads[1].start()
    _wait_for(lambda: server.hits("/robots.txt") >= 2)      # … and so is the second
    both_running.set()
    for t in threads:
        t.join(timeout=240)
    try:
        assert not errors, errors
        assert len(results) == 2
        assert [server.hits(f"/a/{i}.html") for i in range(n)] == [1] * n
        assert server.hits("/feed.xml") == 1                  # the feed, too, went through the shared dupefilter
        assert sum(r["pages_fetched"] for r in results) == n
        assert sum(r["articles_new"] + r["duplicates"] for r in results) == n
        assert all(r["pages_fetched"] > 0 for r in results), [r["pages_fetched"] for r in results]
    finally:
        assert clear_redis(redis_url, "test-run") >= 1


def _wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the crawl processes did not start")
        time.sleep(0.05)
