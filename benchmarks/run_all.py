"""`make bench`: run every benchmark, one after another, and summarise the ratios.

Each benchmark measures against a baseline run in its own process at the same time
(ratios, not absolute timings), and writes benchmarks/results/<name>.json. This script
runs them in sequence so they do not compete for the two cores, then writes
benchmarks/results/summary.md.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
BENCHMARKS = [
    # (script, results file, what to show)
    ("bench_clean.py", "clean.json", "cleaning vs bare trafilatura"),
    ("bench_extract.py", "extract.json", "extraction vs bare nlp.pipe"),
    ("bench_crawl.py", "crawl.json", "full crawler vs bare Scrapy"),
    ("bench_store.py", "store.json", "store layer vs bare insert_all; FTS/facet latency"),
    ("bench_daily.py", "daily.json", "daily job over new articles"),
]


def main() -> int:
    only = set(sys.argv[1:])
    lines = ["# Benchmark results", "", f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             "each figure is a ratio against a baseline run in the same process unless named otherwise.", ""]
    failed = 0
    for script, result_file, title in BENCHMARKS:
        if only and script not in only:
            continue
        path = ROOT / "benchmarks" / script
        if not path.exists():
            print(f"bench: {script} missing, skipped", file=sys.stderr)
            continue
        print(f"== {script}: {title}", flush=True)
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(path)], cwd=ROOT)
        seconds = time.monotonic() - started
        lines.append(f"## {title} (`benchmarks/{script}`, {seconds:.0f} s)")
        lines.append("")
        if done.returncode != 0:
            failed += 1
            lines.append(f"failed with exit code {done.returncode}")
        elif (RESULTS / result_file).exists():
            lines.append("```json")
            lines.append((RESULTS / result_file).read_text().strip())
            lines.append("```")
        lines.append("")
    (RESULTS / "summary.md").write_text("\n".join(lines) + "\n")
    print(f"written {RESULTS.relative_to(ROOT) / 'summary.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
