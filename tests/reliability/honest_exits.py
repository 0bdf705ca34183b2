"""Family: exits that say what happened.

- `crawl --url` on a path that does not exist, on "not a url", on ftp://, on a name that does
  not resolve, and on a URL the address guard refuses: exit 1, the real reason on stderr, and
  the run recorded as failed with that reason in the run log. A crawl where one URL works
  still exits 0. `daily` whose every source failed exits 1.
- Reasons that name the cause: a redirect to file:/gopher:/data: is "refused: redirect to a
  file: URL", not a redirect loop; a sitemap refused for its DTD says so, not "not HTML".
- `serve --db` with a path that does not exist: exit 2, nothing created.
- A read-only database, or a database in a read-only folder: one line and exit 2 from every
  command that writes, and no .lock, -wal or -shm file left behind.

Commands run as the real console script; names resolve through the stand-in DNS (fake_dns)
and the only server is on 127.0.0.1. Read-only is made with `chattr +i` when running as root
(root ignores file modes), else with chmod.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from tests.reliability.cli_errors import Case, run_cases
from tests.reliability.fake_dns import stub_env
from tests.reliability.fault_server import StressFaultServer
from tests.reliability.results import FamilyResult

DB = ["--db", "{dir}/kb.db"]
CRAWL = ["crawl", "--no-extract", *DB]


def crawl_cases(server: StressFaultServer) -> list[Case]:
    def url_case(name, url, names, *more):
        return Case(f"crawl --url {name}", [*CRAWL, *more, "--url", url], names=names, exit_code=1,
                    may_write=("kb.db", "kb.db-wal", "kb.db-shm"))
    return [
        url_case("a file path that does not exist", "/no/such/feed.xml", ["/no/such/feed.xml", "no such file"]),
        url_case("'not a url'", "not a url", ["not a url", "not a URL"]),
        url_case("ftp://", "ftp://example.org/pub/feed.xml", ["ftp", "not http/https"]),
        url_case("a name that does not resolve", "http://nxdomain.test/feed.xml", ["nxdomain.test", "does not resolve"]),
        url_case("a loopback URL without --allow-private", f"{server.base_url}/feed/0.xml", ["refused", "loopback"]),
        Case("daily whose every source failed", ["daily", "--config", "{dir}/config.toml", *DB, "--no-mail"],
             config=f'[[sources]]\nname = "gone"\nkind = "feed"\nurls = ["http://nxdomain.test/rss.xml"]\n',
             names=["every start URL failed", "nxdomain.test"], exit_code=1,
             may_write=("kb.db", "kb.db-wal", "kb.db-shm", "digests")),
        Case("serve --db on a path that does not exist", ["serve", "--db", "{dir}/no-such.db", "--port", "9"],
             names=["no-such.db", "does not exist"], exit_code=2),
    ]


READ_ONLY_COMMANDS = {
    "daily": ["daily", *DB, "--no-mail"],
    "crawl": ["crawl", "--no-extract", *DB, "--url", "http://nxdomain.test/feed.xml"],
    "digest": ["digest", *DB],
    "reextract": ["reextract", *DB],
}


def read_only_cases() -> list[Case]:
    cases = []
    for command, args in READ_ONLY_COMMANDS.items():
        cases.append(Case(f"read-only database: {command}", args, names=["kb.db", "read-only"], exit_code=2,
                          prepare="kb-article", lock_is_data=True))
        cases.append(Case(f"database in a read-only folder: {command}", args, names=["read-only", "folder"],
                          not_named=["not an SQLite", "not a usable"], exit_code=2, prepare="kb-article",
                          lock_is_data=True))
    return cases


def run(workdir: Path) -> FamilyResult:
    result = FamilyResult("honest exits")
    started = time.monotonic()
    with StressFaultServer() as server:
        env = stub_env({"nxdomain.test": []})
        run_cases(result, crawl_cases(server), workdir / "exits", env=env)
        _runs_recorded_as_failed(result, workdir / "exits")
        result.case("nothing was fetched from the refused loopback server", server.requests == 0,
                    f"{server.requests} requests")
        _reasons_name_the_cause(result, server, workdir, env)
        _not_everything_failed(result, server, workdir)
    created = list((workdir / "exits").glob("**/no-such.db*"))
    result.case("serve created no file for the missing path", not created, f"created {created}")
    made = read_only_maker()
    if made is None:
        result.skip("read-only database and folder", "neither chattr +i nor file modes can make a file read-only here")
    else:
        run_cases(result, read_only_cases(), workdir / "read-only", env=stub_env({"nxdomain.test": []}),
                  prepare=made)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _runs_recorded_as_failed(result: FamilyResult, folder: Path) -> None:
    for db in sorted(folder.glob("crawl-url-*/kb.db")):
        conn = sqlite3.connect(db)
        try:
            runs = conn.execute("SELECT status FROM runs WHERE kind = 'crawl'").fetchall()
            reasons = [r[0] for r in conn.execute("SELECT reason FROM run_failures")]
        finally:
            conn.close()
        result.case(f"{db.parent.name}: run recorded as failed, with its reason",
                    runs == [("failed",)] and bool(reasons), f"runs {runs}, run log {reasons}")


def _crawl(args: list[str], workdir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "tradewatch"), "crawl", "--no-extract", "--allow-private",
                           *args], capture_output=True, text=True, timeout=300, cwd=workdir, env=env)


def _failures(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    try:
        logged: dict[str, list[str]] = {}
        for url, reason in conn.execute("SELECT url, reason FROM run_failures"):
            logged.setdefault(url, []).append(reason)
        return logged
    finally:
        conn.close()


def _reasons_name_the_cause(result: FamilyResult, server: StressFaultServer, workdir: Path, env: dict) -> None:
    targets = {"file": "file:///etc/passwd", "gopher": "gopher://127.0.0.1:70/_x",
               "data": "data:text/html,<p>hi</p>"}
    redirects = {scheme: f"{server.base_url}/redirect?to={quote(target, safe='')}" for scheme, target in targets.items()}
    sitemap = f"{server.base_url}/dtd-sitemap.xml"
    db = workdir / "reasons.db"
    proc = _crawl([*[a for url in [*redirects.values(), sitemap] for a in ("--url", url)], "--db", str(db)],
                  workdir, env)
    logged = _failures(db) if db.exists() else {}
    for scheme, url in redirects.items():
        reasons = logged.get(url, [])
        result.case(f"redirect to a {scheme}: URL: the reason says so",
                    bool(reasons) and all(f"redirect to a {scheme}: URL" in r and "loop" not in r for r in reasons),
                    f"run log {reasons}")
    reasons = logged.get(sitemap, [])
    result.case("sitemap with a DTD: the reason names the DTD, not HTML",
                bool(reasons) and all("DTD" in r and "HTML" not in r for r in reasons), f"run log {reasons}")
    result.case("every URL failed: exit 1, reasons on stderr",
                proc.returncode == 1 and all(url in proc.stderr for url in redirects.values()),
                f"exit {proc.returncode}: {proc.stderr[-400:]}")


def _not_everything_failed(result: FamilyResult, server: StressFaultServer, workdir: Path) -> None:
    db = workdir / "partial.db"
    proc = _crawl(["--url", f"{server.base_url}/good/1.html", "--url", "not a url", "--db", str(db)], workdir)
    conn = sqlite3.connect(db)
    try:
        status = conn.execute("SELECT status FROM runs").fetchall()
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    result.case("a crawl where one URL works exits 0 and lists the other",
                proc.returncode == 0 and status == [("ok",)] and stored == 1 and "not a url" in proc.stdout,
                f"exit {proc.returncode}, runs {status}, {stored} stored: {proc.stdout[-300:]} {proc.stderr[-300:]}")


# -- read-only files and folders --------------------------------------------------------------


def read_only_maker():
    """A `prepare` for run_cases that makes the case's database (or its folder) read-only and
    returns the undo; None when this machine cannot make a file read-only."""
    use_chattr = os.geteuid() == 0
    if use_chattr and not shutil.which("chattr"):
        return None

    def set_read_only(path: Path, on: bool) -> None:
        if use_chattr:
            subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True, capture_output=True)
        else:
            path.chmod((0o555 if path.is_dir() else 0o444) if on else (0o755 if path.is_dir() else 0o644))

    def prepare(case: Case, folder: Path):
        for stale in folder.glob("kb.db?*"):       # a fresh knowledge base leaves its migration lock
            stale.unlink()
        target = folder if case.name.startswith("database in a read-only folder") else folder / "kb.db"
        set_read_only(target, True)
        return lambda: set_read_only(target, False)

    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"tradewatch-ro-probe-{os.getpid()}"
    try:
        probe.write_text("x")
        set_read_only(probe, True)
        with contextlib.suppress(OSError):
            with open(probe, "a") as handle:
                handle.write("y")
        writable = probe.read_text() != "x"
        set_read_only(probe, False)
        return None if writable else prepare
    except (OSError, subprocess.CalledProcessError):
        return None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
