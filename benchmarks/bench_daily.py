"""The daily job over N new articles served locally: wall time, peak memory, share per stage.

    python benchmarks/bench_daily.py [--articles 1000] [--no-baseline] [--out benchmarks/results/daily.json]

1. Starts the embedded demo site scaled to N generated article pages (127.0.0.1, free port)
   with no hand-written ones, so every page is new.
2. Runs `tradewatch.daily.run_daily` once on a fresh SQLite file, exactly as `tradewatch daily`
   does: Scrapy crawl in a child process (sitemap index → N pages), extraction (spaCy), raw
   HTML retention, digests for the demo watchlists and an "everything" watchlist.
   Memory: the resident set of the whole process tree (this process, the crawler child, spaCy
   workers), sampled every 0.1 s from /proc.
3. Baseline in the same process, same pages: the same N pages fetched with urllib (16
   threads) and the bare spaCy model (no project components) over the stored texts. The
   ratios say what the crawler and the project's extraction cost over the bare tools.
Targets (issue 8): under 180 s and under 1.5 GB on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.settings import FAST_LOCAL  # noqa: E402
from core.config import Config, Source, Watchlist  # noqa: E402
from tradewatch.daily import Reporter, demo_watchlists, run_daily  # noqa: E402
from tradewatch.demo.server import DemoSite  # noqa: E402

TARGET_SECONDS = 180
TARGET_MB = 1536


def _tree_rss_mb(root_pid: int) -> float:
    """Resident memory of root_pid and all its descendants (Linux /proc), in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class MemorySampler(threading.Thread):
    def __init__(self, every: float = 0.1):
        super().__init__(daemon=True)
        self.every, self.peak_mb, self._done = every, 0.0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_mb = max(self.peak_mb, _tree_rss_mb(os.getpid()))
            self._done.wait(self.every)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return round(self.peak_mb, 1)


def daily_run(site: DemoSite, db: Path, articles: int) -> dict:
    config = Config(db=str(db), watchlists=[*demo_watchlists(), Watchlist(name="everything")])
    config.sources = [Source(name="bench", kind="sitemap", urls=[site.sitemap_index_url], tier="national")]
    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    result = run_daily(config, allow_private=True, reporter=Reporter(quiet=True),
                       digest_dir=db.parent / "digests", mail=False, crawl_settings=dict(FAST_LOCAL))
    wall = time.perf_counter() - started
    peak = sampler.stop()
    stages = {name: result.counts.get(f"seconds_{name}", 0.0) for name in ("crawl", "extract", "retention", "digest")}
    other = max(0.0, wall - sum(stages.values()))
    return {
        "status": result.status,
        "errors": result.errors,
        "wall_seconds": round(wall, 2),
        "peak_memory_mb": peak,
        "stage_seconds": {**stages, "other": round(other, 2)},
        "stage_share": {k: round(v / wall, 3) for k, v in {**stages, "other": other}.items()},
        "pages_fetched": result.counts.get("pages_fetched"),
        "pages_failed": result.counts.get("pages_failed"),
        "articles_new": result.counts.get("articles_new"),
        "figures_new": result.counts.get("figures_new"),
        "companies_new": result.counts.get("companies_new"),
        "events_new": result.counts.get("events_new"),
        "digest_items": {d.watchlist: d.items for d in result.digests},
        "articles_per_second": round((result.counts.get("articles_new") or 0) / wall, 2),
    }


def baseline(site: DemoSite, db: Path, model: str) -> dict:
    """Bare tools on the same pages: urllib fetch (16 threads), bare spaCy model on stored texts."""
    urls = site.article_urls

    def fetch(url: str) -> int:
        with urllib.request.urlopen(url, timeout=10) as response:   # the local demo site only
            return len(response.read())

    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        fetched = sum(1 for size in pool.map(fetch, urls) if size)
    fetch_seconds = time.perf_counter() - started

    import sqlite3

    import spacy

    conn = sqlite3.connect(db)
    texts = [f"{t}\n\n{x}" for t, x in conn.execute("SELECT title, text FROM articles")]
    conn.close()
    from extract.nlp import DEFAULT_MODEL

    # The same built-in pipes the extractor runs (parser on, senter off), without its components.
    nlp = spacy.load(model or DEFAULT_MODEL, exclude=["senter"])
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32, n_process=2 if len(texts) >= 200 else 1):
        pass
    nlp_seconds = time.perf_counter() - started
    return {"fetch_seconds": round(fetch_seconds, 2), "pages": fetched,
            "bare_spacy_seconds": round(nlp_seconds, 2), "texts": len(texts)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "daily.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-daily-") as tmp, \
            DemoSite(scale=args.articles, batch=0) as site:
        db = Path(tmp) / "tradewatch.db"
        run = daily_run(site, db, args.articles)
        report = {
            "articles_served": args.articles,
            "daily": run,
            "targets": {"wall_seconds": TARGET_SECONDS, "peak_memory_mb": TARGET_MB},
            "meets_targets": run["wall_seconds"] < TARGET_SECONDS and run["peak_memory_mb"] < TARGET_MB,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        }
        if not args.no_baseline:
            base = baseline(site, db, Config().model)
            report["baseline"] = base
            report["ratios"] = {
                "crawl_vs_urllib_fetch": round(run["stage_seconds"]["crawl"] / max(base["fetch_seconds"], 1e-6), 2),
                "extract_vs_bare_spacy": round(run["stage_seconds"]["extract"] / max(base["bare_spacy_seconds"], 1e-6), 2),
            }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    if not report["meets_targets"]:
        # A figure, not a test: a loaded machine misses the targets without anything being broken.
        print(f"bench_daily: targets missed ({run['wall_seconds']} s, {run['peak_memory_mb']} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
