"""A crawl dies with the process that started it: a daily job killed with -9 leaves no crawl
running on its own. Real processes: a parent script calls crawl() against a slow local page,
the test SIGKILLs that parent alone (not its group) and watches the crawl process go."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from tests.crawler.sitebuilder import rss

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

PARENT = textwrap.dedent("""
    import sys
    from crawler.run import crawl
    from tests.crawler.conftest import TEST_SETTINGS
    from core.config import Config, Source

    feed, db = sys.argv[1], sys.argv[2]
    crawl(Config(sources=[Source(name="slow", kind="feed", urls=[feed])]), db_path=db,
          settings={**TEST_SETTINGS, "DOWNLOAD_TIMEOUT": 60, "RETRY_TIMES": 0})
""")


def _marked(marker: str) -> set[int]:
    """Processes whose environment carries `marker` (the parent and everything it started)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the crawl process")
@pytest.mark.parametrize("subprocess_child", [False, True], ids=["forkserver", "subprocess"])
def test_crawl_process_exits_when_its_parent_is_killed(server, tmp_path, subprocess_child):
    server.route("/slow.html", "<html><body><p>slow</p></body></html>", delay=30.0)
    feed = server.route("/feed.xml", rss([{"title": "slow", "url": server.base_url + "/slow.html"}]),
                        content_type="application/rss+xml")
    marker = f"TRADEWATCH_TEST_PARENT={uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), marker.split("=")[0]: marker.split("=")[1]}
    env.pop("TRADEWATCH_CRAWL_SUBPROCESS", None)
    if subprocess_child:
        env["TRADEWATCH_CRAWL_SUBPROCESS"] = "1"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, feed, str(tmp_path / "kb.db")], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while server.hits("/slow.html") == 0:          # the crawl process is fetching the slow page
            assert parent.poll() is None and time.monotonic() < deadline, "the crawl never reached the page"
            time.sleep(0.1)
        crawl_processes = _marked(marker) - {parent.pid}
        assert crawl_processes, "no crawl process found"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 15
        while _marked(marker) & crawl_processes and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _marked(marker) & crawl_processes, "crawl processes outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in _marked(marker):       # never leave one behind, even when the test fails
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
