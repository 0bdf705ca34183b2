"""Family: data that does not drift.

- Demo article ids do not depend on the demo server's port: the demo crawled on two ports
  into one knowledge base stores each article once (its sources mirror one origin).
- A UTF-8 page with one stray 0xff byte: the stored title is the real one, not mojibake.
- A headline-only page (a wire flash): stored with its headline as title and an empty
  text, not the headline plus "Skip to content" and share buttons.
- Entity declarations after a 100 kB comment are refused like those at the top.
- The temp folder of a crawl killed with -9 is removed when the next crawl starts; the
  folder of a crawl still running is not.

Real crawls against loopback servers, real SQLite files, the real `tradewatch` command.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crawler.settings import FAST_LOCAL
from tests.reliability.fault_server import (FLASH_HEADLINE, LATE_ENTITIES, STRAY_BYTE_TITLE, StressFaultServer,
                                            flash_html)
from tests.reliability.results import FamilyResult

SETTINGS = {**FAST_LOCAL, "TRADEWATCH_ALLOWED_NETWORKS": ["127.0.0.1/32"], "LOG_LEVEL": "ERROR", "RETRY_TIMES": 0}


def run(workdir: Path) -> FamilyResult:
    result = FamilyResult("stable data")
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    result.attempt("demo on two ports stores each article once", lambda: _demo_on_two_ports(workdir))
    with StressFaultServer() as server:
        _pages(result, server, workdir)
        _stale_temp_folders(result, server, workdir)
    _pure_checks(result)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _demo_on_two_ports(workdir: Path) -> tuple[bool, str]:
    from core.config import Config
    from crawler.run import crawl
    from tradewatch.daily import demo_config
    from tradewatch.demo.server import DemoSite

    db = workdir / "demo.db"
    ids, ports = [], []
    for _ in range(2):
        with DemoSite() as site:                      # a free port each time, as when 8800 is taken
            ports.append(site.base_url)
            crawl(demo_config(Config(db=str(db)), site), db_path=str(db), allow_private=True,
                  settings=dict(FAST_LOCAL), timeout=300)
            expected = len(site.article_urls)
        conn = sqlite3.connect(db)
        try:
            ids.append(sorted(r[0] for r in conn.execute("SELECT id FROM articles")))
        finally:
            conn.close()
    return (ids[0] == ids[1] and len(ids[1]) == expected and ports[0] != ports[1],
            f"{len(ids[0])} articles after {ports[0]}, {len(ids[1])} after {ports[1]}; the demo has {expected}")


def _pages(result: FamilyResult, server: StressFaultServer, workdir: Path) -> None:
    from crawler.run import crawl

    db = workdir / "pages.db"
    urls = {"stray": f"{server.base_url}/stray-byte/1.html", "flash": f"{server.base_url}/flash/2.html",
            "late": f"{server.base_url}/entities-late.xml"}
    crawl(None, db_path=str(db), urls=list(urls.values()), settings=SETTINGS, timeout=180)
    conn = sqlite3.connect(db)
    try:
        articles = {url: (title, text) for url, title, text in conn.execute("SELECT url, title, text FROM articles")}
        logged: dict[str, list[str]] = {}
        for url, reason in conn.execute("SELECT url, reason FROM run_failures"):
            logged.setdefault(url, []).append(reason)
    finally:
        conn.close()
    title, text = articles.get(urls["stray"], (None, None))
    result.case("UTF-8 page with a stray 0xff byte: the title is stored repaired",
                title == STRAY_BYTE_TITLE and "ç" in (text or ""), f"stored title {title!r}")
    title, text = articles.get(urls["flash"], (None, None))
    result.case("headline-only page: stored with its headline and an empty text",
                title == f"{FLASH_HEADLINE} 2" and text == "", f"stored {title!r} / {text!r}; run log {logged}")
    reasons = logged.get(urls["late"], [])
    result.case("entity declarations after a 100 kB comment: refused and logged",
                bool(reasons) and all("entity declarations refused" in r for r in reasons)
                and not any("late-entity-item" in u for u in articles), f"run log {reasons}")


def _pure_checks(result: FamilyResult) -> None:
    def flash_cleaned():
        from extract.clean import clean_html
        article = clean_html(flash_html(FLASH_HEADLINE), url="https://wire.example.org/flash.html")
        return (article.title == FLASH_HEADLINE and article.text == "" and not article.error,
                f"title {article.title!r}, text {article.text!r}, error {article.error!r}")

    def stray_title():
        from crawler.charset import effective_charset
        from extract.clean import clean_html
        from tests.reliability.fault_server import ACCENTED, article_html
        raw = article_html(STRAY_BYTE_TITLE, [ACCENTED + "."]).encode().replace(b"<footer>", b"<footer>\xff")
        page = raw.decode(effective_charset(raw, "text/html; charset=utf-8"), "replace")   # as the crawler decodes
        article = clean_html(page, url="https://news.example.org/a")
        return article.title == STRAY_BYTE_TITLE, f"title {article.title!r}"

    def late_entities():
        from crawler.parsing import ParseFailure, parse_feed
        try:
            parse_feed(LATE_ENTITIES, "http://127.0.0.1/late.xml")
        except ParseFailure as exc:
            return "entity declarations refused" in str(exc), str(exc)
        return False, "parsed"

    result.attempt("clean: headline-only page gives the headline and an empty body", flash_cleaned)
    result.attempt("clean: the title of a page decoded as the crawler does is repaired", stray_title)
    result.attempt("parse_feed refuses entity declarations after 64 kB", late_entities)


def _stale_temp_folders(result: FamilyResult, server: StressFaultServer, workdir: Path) -> None:
    """kill -9 of `tradewatch crawl` (its crawl process dies with it) leaves its temp folder; the
    next crawl start removes it, and leaves alone the folder of a crawl that is still running."""
    temp = workdir / "tmp"
    temp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(temp)}
    exe = str(Path(sys.executable).parent / "tradewatch")
    killed = subprocess.Popen([exe, "crawl", "--no-extract", "--allow-private", "--db", str(workdir / "killed.db"),
                               "--url", f"{server.base_url}/timeout/1.html"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(temp.glob("tradewatch-crawl-*/job.json")):
        time.sleep(0.2)
    time.sleep(1.0)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    left = list(temp.glob("tradewatch-crawl-*"))
    # A folder of a crawl that is still running: owned by this (live) process.
    live = temp / "tradewatch-crawl-live"
    live.mkdir(exist_ok=True)
    (live / "owner.json").write_text(json.dumps({"pid": os.getpid(), "started": _start_ticks(os.getpid())}))
    proc = subprocess.run([exe, "crawl", "--no-extract", "--db", str(workdir / "next.db"), "--url", "not a url"],
                          env=env, capture_output=True, text=True, timeout=120)
    remaining = {p.name for p in temp.glob("tradewatch-crawl-*")}
    result.case("kill -9 of a crawl leaves its temp folder (the case this guards)", bool(left),
                f"nothing left in {temp} after the kill")
    result.case("the next crawl start removes the dead crawl's temp folder",
                bool(left) and not ({p.name for p in left} & remaining), f"still there: {sorted(remaining)}; "
                f"exit {proc.returncode} {proc.stderr[-200:]}")
    result.case("a running crawl's temp folder is kept", "tradewatch-crawl-live" in remaining, f"left {sorted(remaining)}")


def _start_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None
