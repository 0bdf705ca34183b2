"""`make stress`: the reliability and security suite at full scale, loopback only, bounded in time.

Runs the families of tests/reliability (the same code `make test` runs at small scale) and
writes benchmarks/results/reliability.md: cases tried, passed and data lost per family, reader
p95 under write load, every failing case and every case that could not run here (skipped,
with why). Exit status 1 when any data was lost.

    python benchmarks/stress.py [--only crawl,hostile,...] [--out FILE]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["TRADEWATCH_STRESS"] = "1"

from extract.nlp import MAX_ANALYSED_CHARS  # noqa: E402
from tests.reliability import (cli_errors, concurrency, config_validation, crash, crawl_faults,  # noqa: E402
                                dns_guard, honest_exits, hostile, jsonl_batches, ssrf, stable_data)
from tests.reliability.results import FamilyResult  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "reliability.md"
# The pipeline never sees more than extract.nlp.MAX_ANALYSED_CHARS of one text, so that is the
# size its components are timed at; regex rules and clean_text see whole pages (1 MB).
SCALE = {"crawl_urls": 10_000, "writes": 10_000, "kills": 20, "demo_scale": 60, "regex_bytes": 1_000_000,
         "pipeline_bytes": MAX_ANALYSED_CHARS}

FAMILIES = {
    "crawl": lambda w: crawl_faults.run(SCALE["crawl_urls"], w, timeout=330),
    "hostile": lambda w: hostile.run(SCALE["regex_bytes"], SCALE["pipeline_bytes"], timeout=600),
    "ssrf": lambda w: ssrf.run(w, cli_checks=True),
    "concurrency": lambda w: concurrency.run(SCALE["writes"], w),
    "crash": lambda w: crash.run(SCALE["kills"], SCALE["demo_scale"], w, min_delay=2, max_delay=10,
                                 command="daily", final_timeout=150),
    "cli": lambda w: cli_errors.run(w, fast=False),
    # issue 15: the hardening cases
    "dns": lambda w: dns_guard.run(w, cli_checks=True),
    "config": lambda w: config_validation.run(w),
    "jsonl": lambda w: jsonl_batches.run(w),
    "exits": lambda w: honest_exits.run(w),
    "stable": lambda w: stable_data.run(w),
}


def run(only: list[str]) -> list[FamilyResult]:
    results = []
    with tempfile.TemporaryDirectory(prefix="tradewatch-stress-") as tmp:
        for name in only:
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"stress: {name} …", file=sys.stderr, flush=True)
            started = time.monotonic()
            try:
                result = FAMILIES[name](workdir)
            except Exception as exc:  # a family that crashes is reported as one failed case
                result = FamilyResult(name)
                result.case("family ran", False, f"{type(exc).__name__}: {exc}")
                traceback.print_exc()
            result.seconds = round(time.monotonic() - started, 1)
            print(f"stress: {name}: {result.passed}/{result.tried} passed, {result.lost} lost, {result.seconds} s",
                  file=sys.stderr, flush=True)
            results.append(result)
    return results


def report(results: list[FamilyResult], total_seconds: float) -> str:
    lines = [
        "# Reliability and security suite (`make stress`)",
        "",
        f"Run {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on {os.cpu_count()} cores, loopback only; "
        f"total {total_seconds:.0f} s. Produced by `benchmarks/stress.py`; the same families run at small scale "
        "in `make test` (`tests/reliability/`).",
        "",
        "| family | cases tried | passed | data lost | skipped | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.family} | {r.tried} | {r.passed} | {r.lost} | {len(r.skipped)} | {r.seconds:.0f} |")
    conc = next((r for r in results if r.family == "concurrency"), None)
    if conc and conc.figures:
        f = conc.figures
        lines += ["", f"**Reader p95 under write load: {f.get('read_p95_ms')} ms** (p50 {f.get('read_p50_ms')} ms, "
                      f"max {f.get('read_max_ms')} ms; {f.get('reads')} Datasette reads, {f.get('read_errors')} errors) "
                      f"while {f.get('articles_written')} articles were written through the store "
                      f"({f.get('writes_per_second')}/s, one transaction each)."]
    crawl = next((r for r in results if r.family == "crawl faults"), None)
    if crawl and crawl.figures:
        f = crawl.figures
        lines += ["", f"Crawl faults: {f.get('urls')} URLs, {f.get('good_stored')}/{f.get('good')} good pages stored, "
                      f"{f.get('faults_logged')}/{f.get('faults')} faults in the run log with a reason "
                      f"(+{f.get('slow_pages_stored_instead')} slow pages the crawler waited for and stored whole) "
                      f"({f.get('crawl_seconds')} s, {f.get('requests_served')} requests served)."]
    hostile_result = next((r for r in results if r.family == "hostile content"), None)
    if hostile_result and hostile_result.figures.get("components"):
        lines += ["", "Extraction components on adversarial text (budget: 1 s per MB, or half the statistical "
                      "model's time on the same text, whichever is larger):", ""]
        lines += [f"- {line}" for line in hostile_result.figures["components"]]
    lines += ["", "## Failing cases", ""]
    for r in results:
        for failure in r.failures[:25]:
            lines.append(f"- **{r.family}** — {failure}")
        if len(r.failures) > 25:
            lines.append(f"- **{r.family}** — … {len(r.failures) - 25} more")
    if not any(r.failures for r in results):
        lines.append("None.")
    lines += ["", "## Skipped cases (could not run here)", ""]
    lines += [f"- **{r.family}** — {skipped}" for r in results for skipped in r.skipped] or ["None."]
    lines += ["", "## Cases", "", "Every case of the families with up to 100 cases, ✓ passed, ✗ failed:", ""]
    for r in results:
        if r.tried <= 100 and r.names:
            def mark(name, failures=r.failures):
                return "✗" if any(f == name or f.startswith(name + ": ") for f in failures) else "✓"
            lines.append(f"- **{r.family}**: " + "; ".join(f"{mark(n)} {n}" for n in r.names))
    lines += ["", "## Figures", ""]
    for r in results:
        shown = {k: v for k, v in r.figures.items()
                 if not isinstance(v, (list, dict)) or k in ("kill_points_s", "final_run")}
        if shown:
            lines.append(f"- {r.family}: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(FAMILIES), help="comma-separated families: " + ", ".join(FAMILIES))
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    only = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in only if n not in FAMILIES]
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {', '.join(FAMILIES)}")
    started = time.monotonic()
    results = run(only)
    total = time.monotonic() - started
    text = report(results, total)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"stress: wrote {out} in {total:.0f} s", file=sys.stderr)
    return 1 if any(r.lost for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
