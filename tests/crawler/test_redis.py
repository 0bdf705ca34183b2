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
from tradewatch.config import Config, Source

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
    n = 40
    items = []
    for i in range(n):
        a = ARTICLES[i % len(ARTICLES)]
        # Distinct texts, so dedupe does not hide pages; enough latency that the later-starting process
        # still finds work on a busy machine.
        paragraphs = [f"Item {i}: " + p.replace("percent", f"percent ({i * 7 + 3} units)") for p in a["paragraphs"]]
        items.append({"title": f"{a['title']} #{i}",
                      "url": server.route(f"/a/{i}.html", html_page(f"{a['title']} #{i}", paragraphs), delay=0.4)})
    feed = server.route("/feed.xml", rss(items), content_type="application/rss+xml")
    config = Config(sources=[Source(name="wire", kind="feed", urls=[feed])])
    settings = {**TEST_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "TRADEWATCH_REDIS_IDLE_CLOSE": 3.0}
    results, errors = [], []

    def worker(index):
        try:
            results.append(crawl(config, db_path=str(tmp_path / "kb.db"), settings=settings,
                                 scheduler=redis_url, scheduler_run="test-run", timeout=180))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    try:
        assert not errors, errors
        assert len(results) == 2
        for i in range(n):
            assert server.hits(f"/a/{i}.html") == 1, i
        assert server.hits("/feed.xml") == 1
        assert sum(r["pages_fetched"] for r in results) == n
        assert sum(r["articles_new"] + r["duplicates"] for r in results) == n
        assert all(r["pages_fetched"] > 0 for r in results), [r["pages_fetched"] for r in results]
    finally:
        assert clear_redis(redis_url, "test-run") >= 1
