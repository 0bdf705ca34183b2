"""Family 4: Datasette (`tradewatch serve`, a real server process) answers reads while another
process writes N articles through the store, one short transaction each.

Measured: reader latency (p50/p95/max), reader errors ("database is locked" or any non-200),
and after the writer finishes: every article written is there exactly once.
"""
from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.reliability.results import FamilyResult

WRITER = r"""
import sys, time
from core.store import KnowledgeBase
path, n = sys.argv[1], int(sys.argv[2])
words = "tariff steel exports quota duty customs talks soybeans port freight".split()
errors = 0
with KnowledgeBase(path) as kb:
    for i in range(n):
        text = " ".join(words[(i + k) % len(words)] for k in range(60)) + f" item {i}."
        try:
            kb.save_article({"url": f"https://load.example.org/a/{i}", "title": f"Load article {i}", "text": text,
                             "published": "2026-11-20T08:00:00+00:00", "language": "en"},
                            source="load", tier="wire", fetched_at="2026-11-20T08:00:00Z",
                            html=f"<p>{text}</p>", content_hash=f"h{i}")
        except Exception as exc:
            errors += 1
            print("write error", i, type(exc).__name__, exc, file=sys.stderr, flush=True)
print(errors, flush=True)
"""
HOSTILE_TITLE = "<script>alert('ds')</script><img src=x onerror=alert(1)> Tariff"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(n_articles: int, workdir: Path, *, readers: int = 3) -> FamilyResult:
    from core.store import KnowledgeBase

    result = FamilyResult("concurrency")
    started = time.monotonic()
    db_path = workdir / "load.db"
    for stale in workdir.glob("load.db*"):
        stale.unlink()
    with KnowledgeBase(db_path) as kb:
        hostile_id = kb.save_article({"url": "https://load.example.org/hostile", "title": HOSTILE_TITLE,
                                      "text": "Hostile title article about tariffs.", "language": "en"},
                                     source="load", fetched_at="2026-11-20T08:00:00Z", content_hash="hostile")
    port = _free_port()
    exe = str(Path(sys.executable).parent / "tradewatch")
    server = subprocess.Popen([exe, "serve", "--db", str(db_path), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    latencies: list[float] = []
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()
    name = db_path.stem
    paths = [f"/{name}/articles.json?_size=20&_nofacet=1", f"/{name}.json?sql=select+count(*)+from+articles",
             f"/{name}/articles.json?_size=5&source=load", f"/{name}/articles/{hostile_id}.json",
             f"/{name}/articles?_size=10"]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/-/versions.json")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"Datasette did not start: {server.stderr.read() if server.poll() is not None else ''}")
            time.sleep(0.2)

        # The hostile title comes back escaped in Datasette's HTML.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", f"/{name}/articles/{hostile_id}")
        page = conn.getresponse().read().decode("utf-8", "replace")
        result.case("Datasette escapes a hostile title", "<script>alert('ds')" not in page and "&lt;script&gt;" in page,
                    "raw <script> in the row page")

        def reader(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            i = k
            while not stop.is_set():
                path = paths[i % len(paths)]
                i += 1
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    body = response.read()
                    elapsed = time.perf_counter() - t0
                    bad = response.status != 200 or b"database is locked" in body
                    with lock:
                        latencies.append(elapsed)
                        if bad:
                            errors.append(f"{path}: HTTP {response.status} {body[:120]!r}")
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(f"{path}: {type(exc).__name__} {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        threads = [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(readers)]
        for t in threads:
            t.start()
        time.sleep(0.5)                 # readers warm, then the writer starts
        write_started = time.monotonic()
        writer = subprocess.run([sys.executable, "-c", WRITER, str(db_path), str(n_articles)],
                                capture_output=True, text=True, timeout=600)
        write_seconds = time.monotonic() - write_started
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=35)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    write_errors = int(writer.stdout.strip().splitlines()[-1]) if writer.stdout.strip() else -1
    result.case("writer finished without errors", writer.returncode == 0 and write_errors == 0,
                f"exit {writer.returncode}, {write_errors} errors: {writer.stderr[-300:]}")
    locked = [e for e in errors if "locked" in e]
    result.case("no 'database is locked' for readers", not locked, f"{len(locked)} e.g. {locked[:2]}")
    result.case("every read answered 200", not errors, f"{len(errors)} e.g. {errors[:2]}")
    with KnowledgeBase(db_path) as kb:
        rows = kb.conn.execute("SELECT count(*), count(DISTINCT canonical_url) FROM articles "
                               "WHERE source = 'load' AND title LIKE 'Load article %'").fetchone()
        integrity = kb.conn.execute("PRAGMA integrity_check").fetchone()[0]
    result.lost = max(0, n_articles - rows[1])
    result.case("no lost writes", rows[1] == n_articles, f"{rows[1]} of {n_articles} stored")
    result.case("no duplicate rows", rows[0] == rows[1], f"{rows[0]} rows for {rows[1]} URLs")
    result.case("integrity_check ok", integrity == "ok", integrity)
    result.seconds = round(time.monotonic() - started, 1)
    result.figures.update({
        "articles_written": n_articles, "write_seconds": round(write_seconds, 1),
        "writes_per_second": round(n_articles / write_seconds, 1) if write_seconds else None,
        "reads": len(latencies), "read_errors": len(errors),
        "read_p50_ms": round(1000 * _percentile(latencies, 0.50), 1),
        "read_p95_ms": round(1000 * _percentile(latencies, 0.95), 1),
        "read_max_ms": round(1000 * max(latencies, default=0.0), 1),
    })
    return result
