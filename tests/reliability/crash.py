"""Family 5: crash safety. `tradewatch daily` (a real process: crawl child + spaCy extraction +
digest) over the demo site, SIGKILLed at random points; then one run to completion.

Kills hit the job's whole process group (like systemd's control-group kill or an OOM kill of the
session), so no orphan keeps writing. After each kill: `PRAGMA integrity_check` is ok, every
article committed before the kill is still there, and no table holds duplicate rows. After the
final run: every demo article is stored once and extracted, and the killed runs are marked.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.reliability.results import FamilyResult

DUPLICATE_CHECKS = {
    "articles by canonical_url": "SELECT canonical_url FROM articles GROUP BY canonical_url HAVING count(*) > 1",
    "figures by span": "SELECT article_id FROM figures GROUP BY article_id, kind, char_start, char_end, text "
                       "HAVING count(*) > 1",
    "company mentions by span": "SELECT article_id FROM company_mentions WHERE char_start IS NOT NULL "
                                "GROUP BY article_id, company_id, char_start, char_end HAVING count(*) > 1",
    "feed entries by url": "SELECT url FROM feed_entries GROUP BY url, source HAVING count(*) > 1",
}


def _config(site, db_path: Path) -> str:
    urls = [site.feed_url] + site.scaled_feed_urls
    return (f'db = "{db_path}"\n[crawl]\nallow_private = true\ndownload_delay = 0\nconcurrency_per_domain = 8\n'
            f'obey_robots = true\n[[sources]]\nname = "demo"\nkind = "feed"\ntier = "national"\n'
            f"urls = [{', '.join(repr(u).replace(chr(39), chr(34)) for u in urls)}]\n")


def _ids(db_path: Path) -> set[str]:
    if not db_path.exists():
        return set()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM articles")}
    except sqlite3.OperationalError:
        return set()          # killed before the schema existed
    finally:
        conn.close()


COMMANDS = {
    "daily": ["daily", "--no-mail"],                      # crawl + extract + digest
    "crawl": ["crawl", "--no-extract"],                   # crawl + store only (the fast subset)
}


def _validators_stored(db_path: Path) -> bool:
    if not db_path.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM http_cache").fetchone()[0] > 0
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _start(exe: str, command: str, config_path: Path, log) -> subprocess.Popen:
    # Own session: the kill reaches the job and its crawler child, nothing else of ours.
    args = COMMANDS[command]
    return subprocess.Popen([exe, args[0], "--config", str(config_path), *args[1:]], stdout=log, stderr=log,
                            start_new_session=True)


def _check_db(result: FamilyResult, db_path: Path, label: str) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, timeout=30)
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    result.case(f"{label}: integrity_check", integrity == "ok", integrity)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name, sql in DUPLICATE_CHECKS.items():
        if sql.split(" FROM ")[1].split()[0] in tables:
            dups = conn.execute(sql).fetchall()
            result.case(f"{label}: no duplicate {name}", not dups, f"{len(dups)} duplicated")
    return conn


def run(kills: int, scale: int, workdir: Path, *, min_delay: float = 1.0, max_delay: float = 10.0, seed: int = 5,
        final_timeout: float = 300, command: str = "daily", targeted: bool = True) -> FamilyResult:
    from tradewatch.demo.server import DemoSite

    result = FamilyResult(f"crash safety ({command})")
    rng = random.Random(seed)
    started = time.monotonic()
    db_path = workdir / "crash.db"
    for stale in workdir.glob("crash.db*"):
        stale.unlink()
    exe = str(Path(sys.executable).parent / "tradewatch")
    kill_points = []
    with DemoSite(scale=scale) as site, open(workdir / "crash.log", "ab") as log:
        config_path = workdir / "crash.toml"
        config_path.write_text(_config(site, db_path), encoding="utf-8")
        expected = {urlsplit(u).path for u in site.article_urls}
        for k in range(kills):
            delay = rng.uniform(min_delay, max_delay)
            proc = _start(exe, command, config_path, log)
            time.sleep(delay)
            finished = proc.poll() is not None
            before = _ids(db_path)                        # committed before the kill
            if not finished:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kill_points.append(round(delay, 1))
            if not db_path.exists():
                result.case(f"kill {k + 1}: nothing to check yet", True)
                continue
            conn = _check_db(result, db_path, f"kill {k + 1} at {delay:.1f}s")
            after = {r[0] for r in conn.execute("SELECT id FROM articles")}
            conn.close()
            missing = before - after
            result.lost += len(missing)
            result.case(f"kill {k + 1}: every committed article kept", not missing, f"{len(missing)} lost")

        # One targeted kill: right after a feed's validators (ETag) are stored, before its pages are.
        if targeted:
            proc = _start(exe, command, config_path, log)
            deadline = time.monotonic() + 90
            hit = False
            while time.monotonic() < deadline and proc.poll() is None:
                if _validators_stored(db_path):
                    hit = True
                    break
                time.sleep(0.05)
            before = _ids(db_path)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kill_points.append("after-validators" if hit else "no-validators-seen")
            conn = _check_db(result, db_path, "targeted kill")
            after = {r[0] for r in conn.execute("SELECT id FROM articles")}
            conn.close()
            result.lost += len(before - after)
            result.case("targeted kill: every committed article kept", not before - after, f"{len(before - after)} lost")

        proc = _start(exe, command, config_path, log)
        try:
            code = proc.wait(timeout=final_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
        result.case("final run completes", code == 0, f"exit {code}; see {workdir / 'crash.log'}")

    conn = _check_db(result, db_path, "final")
    stored = {urlsplit(u).path for (u,) in conn.execute("SELECT url FROM articles")}
    missing = expected - stored
    result.lost += len(missing)
    result.case("final: every demo article stored", not missing, f"{len(missing)} missing, e.g. {sorted(missing)[:3]}")
    statuses = [r[0] for r in conn.execute("SELECT status FROM runs WHERE kind = ? ORDER BY id", [command])]
    last_counts = conn.execute("SELECT counts FROM runs WHERE kind = ? ORDER BY id DESC LIMIT 1", [command]).fetchone()
    try:
        last = json.loads(last_counts[0]) if last_counts and last_counts[0] else {}
    except ValueError:
        last = {}
    result.figures["final_run"] = {k: last.get(k) for k in ("articles_new", "not_modified", "feeds_fetched",
                                                            "pages_fetched", "skipped_seen")}
    if command == "daily":
        unextracted = conn.execute("SELECT count(*) FROM articles WHERE extractor_version IS NULL").fetchone()[0]
        result.case("final: every article extracted", unextracted == 0, f"{unextracted} not extracted")
        killed_marked = all(s in ("interrupted", "ok", "partial") for s in statuses[:-1]) and statuses[-1] == "ok"
        result.case("killed runs marked interrupted, last ok", killed_marked, f"statuses {statuses}")
    conn.close()
    result.seconds = round(time.monotonic() - started, 1)
    result.figures.update({"kills": kills, "demo_articles": len(expected), "kill_points_s": kill_points,
                           "runs": len(statuses)})
    return result
