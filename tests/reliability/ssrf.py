"""Family 3: SSRF. Private, loopback, link-local and non-http targets, reached directly, through a
redirect from an allowed server and through names that resolve to loopback: each refused and
logged, with no connection made.

No traffic leaves loopback: every non-loopback target is first checked against the pure guard
(`crawler.guard.check_url`, literal addresses need no DNS); only targets the guard refuses are
handed to the real crawl. Names are limited to those /etc/hosts answers (`localhost`) and
numeric forms the C library parses itself, so not even a DNS query leaves the machine.
Loopback targets are tripwires: listeners that count connections (must stay 0).
The allowed test server sits on 127.0.0.3 and the allowance names exactly 127.0.0.3/32, so
`localhost` (127.0.0.1) stays outside it.
"""
from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from crawler.settings import FAST_LOCAL
from tests.reliability.fault_server import StressFaultServer, rss
from tests.reliability.results import FamilyResult

SERVER_HOST = "127.0.0.3"
SETTINGS = {**FAST_LOCAL, "TRADEWATCH_ALLOWED_NETWORKS": [f"{SERVER_HOST}/32"], "LOG_LEVEL": "ERROR",
            "RETRY_TIMES": 0}


class Tripwire:
    """A listener nobody may connect to."""

    def __init__(self, host: str):
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, OSError):
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def targets(v4: Tripwire, v4b: Tripwire, v6: Tripwire | None) -> dict[str, str]:
    """name → URL; loopback ones point at tripwires."""
    t = {
        "loopback 127.0.0.1": f"http://127.0.0.1:{v4.port}/x",
        "loopback 127.0.0.2": f"http://127.0.0.2:{v4b.port}/x",
        "name localhost": f"http://localhost:{v4.port}/x",
        "name LOCALHOST.": f"http://LOCALHOST.:{v4.port}/x",
        "decimal 2130706433": f"http://2130706433:{v4.port}/x",
        "hex 0x7f.0.0.1": f"http://0x7f.0.0.1:{v4.port}/x",
        "short 127.1": f"http://127.1:{v4.port}/x",
        "unspecified 0.0.0.0": f"http://0.0.0.0:{v4.port}/x",
        "v4-mapped ::ffff:127.0.0.1": f"http://[::ffff:127.0.0.1]:{v4.port}/x",
        "userinfo trick": f"http://{SERVER_HOST}@127.0.0.1:{v4.port}/x",
        "private 10.x": "http://10.23.0.5/admin",
        "private 192.168.x": "http://192.168.1.1/",
        "private 172.16.x": "http://172.16.0.1/",
        "cgnat 100.64.x": "http://100.64.0.1/",
        "metadata 169.254.169.254": "http://169.254.169.254/latest/meta-data/",
        "metadata name": "http://metadata.google.internal/computeMetadata/v1/",
        "ula fd00::1": "http://[fd00::1]/",
        "link-local fe80::1": "http://[fe80::1]/",
        "scheme file": "file:///etc/passwd",
        "scheme ftp": "ftp://127.0.0.1/pub",
        "scheme gopher": f"gopher://127.0.0.1:{v4.port}/_x",
    }
    if v6:
        t["loopback ::1"] = f"http://[::1]:{v6.port}/x"
    return t


def _loopback(url: str) -> bool:
    return any(h in url for h in ("127.", "localhost", "LOCALHOST", "::1", "2130706433", "0x7f", "0.0.0.0", "::ffff"))


def run(workdir: Path, *, cli_checks: bool = True) -> FamilyResult:
    from crawler import guard
    from crawler.run import crawl
    from core.config import Config, Source

    result = FamilyResult("SSRF")
    started = time.monotonic()
    wires = [Tripwire("127.0.0.1"), Tripwire("127.0.0.2")]
    v6 = Tripwire("::1") if _ipv6_loopback() else None
    allowed = guard.parse_networks(SETTINGS["TRADEWATCH_ALLOWED_NETWORKS"])
    try:
        cases = targets(wires[0], wires[1], v6)
        # 1. The pure guard refuses each target (no DNS for literals; names from /etc/hosts).
        crawlable = {}
        for name, url in cases.items():
            try:
                guard.check_url(url, allowed)
                refused = ""
            except guard.Refused as exc:
                refused = str(exc)
            if result.case(f"guard {name}", refused.startswith("refused"), f"not refused: {url}"):
                crawlable[name] = url
            elif _loopback(url):
                crawlable[name] = url      # loopback only: safe to let the crawl try, tripwires count it

        db_path = workdir / "ssrf.db"
        for stale in workdir.glob("ssrf.db*"):
            stale.unlink()
        with StressFaultServer(host=SERVER_HOST) as server:
            # 2. Direct and through a 302 from the allowed server (redirect targets are checked too).
            redirects = {name: f"{server.base_url}/redirect?to={quote(url, safe='')}" for name, url in crawlable.items()
                         if url.startswith("http")}
            stats = crawl(None, db_path=str(db_path), urls=list(crawlable.values()) + list(redirects.values()),
                          settings=SETTINGS, timeout=120)
            conn = sqlite3.connect(db_path)
            logged = {}
            for url, reason in conn.execute("SELECT url, reason FROM run_failures"):
                logged.setdefault(url.lower(), []).append(reason or "")   # Scrapy lower-cases hosts
            stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            conn.close()
            for name, url in crawlable.items():
                reasons = logged.get(url.lower(), [])
                result.case(f"crawl refuses {name}", bool(reasons) and all(r.startswith("refused") for r in reasons),
                            f"run log: {reasons}")
                if name in redirects:
                    # Logged twice: once requested directly, once as the redirect's target.
                    result.case(f"redirect to {name} refused", len(reasons) >= 2 and server.hits("/redirect") > 0,
                                f"run log: {reasons}")
            result.case("nothing stored from refused targets", stored == 0, f"{stored} articles")
            # Every request the downloader sent went to the allowed server (robots.txt + redirects).
            result.case("no request reached any other address", stats["requests_total"] == server.requests,
                        f"downloader sent {stats['requests_total']}, allowed server got {server.requests}")

            # 3. The allowance is off by default: the same server is refused with default settings.
            server.requests = 0
            default_db = workdir / "ssrf-default.db"
            default = crawl(Config(sources=[Source(name="s", kind="feed", urls=[server.base_url + "/feed/0.xml"])]),
                            db_path=str(default_db), settings={"LOG_LEVEL": "ERROR", "DOWNLOAD_TIMEOUT": 2},
                            timeout=120)
            reasons = [f["reason"] for f in default["failure_list"]]
            result.case("allowance off by default", server.requests == 0 and any("loopback" in r for r in reasons),
                        f"server got {server.requests} requests; reasons {reasons}")
            if cli_checks:
                _cli_checks(result, server, workdir)
        result.case("tripwires never connected", all(w.connections() == 0 for w in wires + ([v6] if v6 else [])),
                    "a loopback listener was connected to")
    finally:
        for wire in wires + ([v6] if v6 else []):
            wire.close()
    result.seconds = round(time.monotonic() - started, 1)
    result.figures["targets"] = len(cases)
    return result


def _cli_checks(result: FamilyResult, server: StressFaultServer, workdir: Path) -> None:
    """`tradewatch crawl --url` refuses loopback unless --allow-private; link-local stays refused with it."""
    exe = [str(Path(sys.executable).parent / "tradewatch")]
    before = server.requests
    out = subprocess.run(exe + ["crawl", "--url", server.base_url + "/feed/0.xml", "--db", str(workdir / "cli.db"),
                                "--no-extract", "--json"], capture_output=True, text=True, timeout=120)
    result.case("CLI: loopback refused without --allow-private", server.requests == before and "refused" in out.stdout,
                f"exit {out.returncode}; server got {server.requests - before}; {out.stdout[-300:]}{out.stderr[-300:]}")
    out = subprocess.run(exe + ["crawl", "--allow-private", "--url", "http://169.254.169.254/latest/meta-data/",
                                "--db", str(workdir / "cli.db"), "--no-extract", "--json"],
                         capture_output=True, text=True, timeout=120)
    result.case("CLI: metadata refused even with --allow-private", "link-local" in out.stdout,
                f"exit {out.returncode}; {out.stdout[-300:]}{out.stderr[-300:]}")
