"""The daily job: lock, crash-and-resume, run log, cron-mode output, digests across runs.

These run the real `tradewatch daily` command in child processes on a real SQLite file,
with the real spaCy extraction. Articles are put in place through the store API (as the
crawler would leave them), so the job's crawl stage is skipped (no sources configured);
the end-to-end demo run is in test_daily_demo.py.
"""
from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crawler.faultserver import FaultServer
from tests.crawler.sitebuilder import rss
from tests.tradewatch.fixtures.alerts.kbfixture import add_articles, fixture_articles, many_articles
from tradewatch.daily import EXIT_LOCKED, EXTRACT_CHUNK, Reporter, lock_path
from core.store import KnowledgeBase

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

N_CRASH = EXTRACT_CHUNK + 40
TRADEWATCH = [sys.executable, "-c", "from tradewatch.cli import main; main()"]


def write_config(tmp_path: Path, db: Path, extra: str = "", crawl: str = "") -> Path:
    config = tmp_path / "tradewatch.toml"
    config.write_text(f'db = "{db}"\n[crawl]\nraw_html_days = 0\n{crawl}'
                      '[[watchlists]]\nname = "everything"\n' + extra, encoding="utf-8")
    return config


def seed(db: Path, articles: list[dict]) -> list[str]:
    with KnowledgeBase(db) as kb:
        return list(add_articles(kb, articles, extract=False).values())


def query(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def start_daily(config: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*TRADEWATCH, "daily", "--config", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def wait_for(condition, timeout: float = 60.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not reached in time")


def running_runs(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    try:
        return query(db, "SELECT id FROM runs WHERE status = 'running'")
    except sqlite3.OperationalError:          # schema not created yet
        return []


def test_crash_and_resume(tmp_path):
    db = tmp_path / "kb.db"
    config = write_config(tmp_path, db)
    ids = seed(db, many_articles(N_CRASH))
    first = start_daily(config)
    try:
        # Kill -9 in the middle of extraction: right after the first step of articles is stored.
        for line in first.stderr:
            if f"extract: {EXTRACT_CHUNK}/{N_CRASH}" in line:
                first.send_signal(signal.SIGKILL)
                break
    finally:
        first.kill()
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert query(db, "SELECT status FROM runs") == [("running",)]
    done = query(db, "SELECT count(*) FROM articles WHERE extractor_version IS NOT NULL")[0][0]
    assert EXTRACT_CHUNK <= done < N_CRASH

    second = subprocess.run([*TRADEWATCH, "daily", "--config", str(config)], capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr
    runs = query(db, "SELECT id, status, counts FROM runs ORDER BY id")
    assert [r[1] for r in runs] == ["interrupted", "ok"]
    assert "resuming after interrupted run(s) 1" in second.stderr
    # nothing lost, nothing doubled, everything extracted and digested once
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM articles") == [(N_CRASH, N_CRASH)]
    assert query(db, "SELECT count(*) FROM articles WHERE extractor_version IS NULL") == [(0,)]
    assert query(db, "SELECT count(*) FROM raw_pages") == [(0,)]                  # retention: keep none
    keys = query(db, "SELECT item_key FROM digests_sent WHERE watchlist = 'everything'")
    assert len(keys) == len(set(keys))
    assert {k for (k,) in keys if not k.startswith("a:")} == set(ids)
    counts = json.loads(runs[1][2])
    assert counts["articles_extracted"] == N_CRASH - done
    assert counts["digest_items"] == N_CRASH


def test_second_run_exits_at_once_while_the_first_holds_the_lock(tmp_path):
    """The first run crawls a feed that answers after 20 s, so it surely holds the lock when the
    second starts (however slow this machine is to import the stages)."""
    db = tmp_path / "kb.db"
    with FaultServer() as server:
        feed = server.route("/slow.xml", rss([]), content_type="application/rss+xml", delay=20)
        config = write_config(tmp_path, db, f'[[sources]]\nname = "slow"\nkind = "feed"\nurls = ["{feed}"]\n',
                              crawl='allow_private = true\n')
        _second_run_is_refused(db, config)


def _second_run_is_refused(db: Path, config: Path) -> None:
    first = start_daily(config)
    try:
        wait_for(lambda: running_runs(db), timeout=60)
        started = time.monotonic()
        second = subprocess.run([*TRADEWATCH, "daily", "--config", str(config)], capture_output=True, text=True,
                                timeout=60)
        assert time.monotonic() - started < 20
        assert second.returncode == EXIT_LOCKED
        assert "another tradewatch daily run" in second.stderr and str(db) in second.stderr
        out, err = first.communicate(timeout=300)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert [r[0] for r in query(db, "SELECT status FROM runs")] == ["ok"]     # the refused start left no row


def test_lock_is_released_when_its_holder_is_killed(tmp_path):
    db = tmp_path / "kb.db"
    config = write_config(tmp_path, db)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
         "print('held', flush=True); time.sleep(120)", str(lock_path(db))],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = subprocess.run([*TRADEWATCH, "daily", "--config", str(config)], capture_output=True, text=True,
                                 timeout=60)
        assert refused.returncode == EXIT_LOCKED
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        after = subprocess.run([*TRADEWATCH, "daily", "--config", str(config)], capture_output=True, text=True,
                               timeout=120)
        assert after.returncode == 0, after.stderr
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


CRON_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|DEBUG|WARNING|ERROR) \S")


def test_cron_mode_output_without_a_tty(tmp_path):
    db = tmp_path / "kb.db"
    config = write_config(tmp_path, db)
    seed(db, [a for a in fixture_articles() if a["key"] != "hostile"])
    env = {k: v for k, v in os.environ.items() if k not in ("TERM", "COLUMNS")}
    done = subprocess.run([*TRADEWATCH, "daily", "--config", str(config)], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines and all(CRON_LINE.match(line) for line in lines), lines
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
    assert any("extract: 5/5 (100%)" in line for line in lines)
    # 5 articles, one a syndicated copy: 4 stories
    assert any(line.endswith(".md") and "digest everything: 4 item(s)" in line for line in lines)
    assert done.stdout.startswith("tradewatch daily: run 1 ok")
    assert re.search(r"articles\s+5 \(0 new\)", done.stdout)          # stored before the run, as a crawl would

    quiet = subprocess.run([*TRADEWATCH, "daily", "--config", str(config), "--quiet"], capture_output=True,
                           text=True, timeout=300, stdin=subprocess.DEVNULL, env=env)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    digests = sorted((db.parent / "digests" / "everything").glob("2*.md"))
    assert len(digests) == 2
    # the empty run's own file says so; latest.md keeps the last digest that had items
    assert sum("Nothing new since the last digest" in path.read_text() for path in digests) == 1
    assert "Nothing new" not in (db.parent / "digests" / "everything" / "latest.md").read_text()
    runs = query(db, "SELECT status, counts FROM runs ORDER BY id")
    assert [r[0] for r in runs] == ["ok", "ok"]
    first, second = (json.loads(c) for _, c in runs)
    assert first["articles_extracted"] == 5 and first["digest_items"] == 4 and first["events_new"] >= 0
    assert second["articles_new"] == 0 and second["digest_items"] == 0 and second["articles_extracted"] == 0
    assert {"seconds_extract", "seconds_digest", "peak_rss_mb"} <= set(first)


def test_progress_on_a_terminal_rewrites_one_line():
    stream = io.StringIO()
    reporter = Reporter(stream, tty=True, interval=0)
    progress = reporter.progress("extract")
    for done in (10, 50, 100):
        progress(done, 100)
    reporter.info("extract: 100 article(s)")
    text = stream.getvalue()
    assert text.count("\r") == 3 and "[" + "#" * 24 + "] 100/100 (100%)" in text
    assert text.endswith("\nextract: 100 article(s)\n")


def test_quiet_and_verbose_levels():
    quiet, verbose = io.StringIO(), io.StringIO()
    for stream, kwargs in ((quiet, {"quiet": True}), (verbose, {"verbose": True})):
        reporter = Reporter(stream, tty=False, **kwargs)
        reporter.info("info line")
        reporter.debug("detail line")
        reporter.progress("extract")(1, 1)
        reporter.error("error line")
    assert "info line" not in quiet.getvalue() and "extract" not in quiet.getvalue()
    assert "ERROR error line" in quiet.getvalue()
    assert "DEBUG detail line" in verbose.getvalue() and "INFO extract: 1/1 (100%)" in verbose.getvalue()


def test_no_repeat_digests_across_three_daily_runs(tmp_path):
    """Three daily runs (in this process, so the model loads once): new stories each time,
    a syndicated copy of a digested story, and a re-extraction of everything."""
    from core.config import load_config
    from tradewatch.daily import run_daily

    db = tmp_path / "kb.db"
    config = load_config(write_config(tmp_path, db))
    fixtures = {a["key"]: a for a in fixture_articles()}

    def run():
        result = run_daily(config, reporter=Reporter(quiet=True), mail=False)
        assert result.status == "ok", result.errors
        return result

    seed(db, [fixtures["threat"], fixtures["samsung"]])
    run()
    copy_of_threat = dict(fixtures["threat"], key="copy", url="https://other.example/copy", source="other")
    seed(db, [fixtures["steel"], copy_of_threat])
    run()
    with KnowledgeBase(db) as kb:           # a new extractor version would redo every article
        kb.conn.execute("UPDATE articles SET extractor_version = 'old'")
        kb.conn.commit()
    seed(db, [fixtures["announce"]])
    third = run()
    assert third.counts["articles_extracted"] == 5            # 4 re-extracted + 1 new
    items = query(db, "SELECT items FROM digests WHERE watchlist = 'everything' ORDER BY created_at")
    per_run = [[i["key"] for i in json.loads(row[0])] for row in items]
    assert [sorted(keys) for keys in per_run] == [["story-samsung", "story-threat"], ["story-steel"],
                                                  ["story-announce"]]
    assert query(db, "SELECT count(*) FROM articles WHERE extractor_version = 'old'") == [(0,)]
    assert [r[0] for r in query(db, "SELECT status FROM runs ORDER BY id")] == ["ok", "ok", "ok"]


def test_progress_bar_on_a_real_terminal(tmp_path):
    """stderr on a pseudo-terminal: the progress bar, no timestamps."""
    import pty

    db = tmp_path / "kb.db"
    config = write_config(tmp_path, db)
    seed(db, many_articles(3, prefix="tty"))
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([*TRADEWATCH, "daily", "--config", str(config)], stdout=subprocess.DEVNULL,
                                stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:                      # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=300) == 0
    finally:
        os.close(master)
    text = b"".join(chunks).decode()
    assert "\rextract   [########################] 3/3 (100%)" in text
    assert not CRON_LINE.search(text.splitlines()[0])


def test_sigterm_marks_the_run_interrupted_and_frees_the_lock(tmp_path):
    db = tmp_path / "kb.db"
    config = write_config(tmp_path, db)
    seed(db, many_articles(20, prefix="term"))
    proc = start_daily(config)
    try:
        wait_for(lambda: running_runs(db), timeout=60)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM
    assert query(db, "SELECT status FROM runs") == [("interrupted",)]
    again = subprocess.run([*TRADEWATCH, "daily", "--config", str(config), "--quiet"], capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert query(db, "SELECT count(*) FROM articles WHERE extractor_version IS NULL") == [(0,)]
