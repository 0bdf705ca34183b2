"""Speed of extract.clean.clean_html against bare trafilatura.extract, same pages, same run.

The pages are the article-extraction benchmark (read from ../shared by path). After a
warm-up, both contenders run on each page in turn, so a busy machine hurts both alike;
the best of N rounds counts. Prints pages/s and the ratio; writes
benchmarks/results/clean.json.

    python benchmarks/bench_clean.py [--shared DIR] [--rounds N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from extract.clean import clean_html  # noqa: E402

BENCHMARK = Path("corpora") / "article-extraction-benchmark"


def load_pages(shared: Path) -> list[tuple[str, str]]:
    truth = json.loads((shared / BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for ident, gold in truth.items():
        with gzip.open(shared / BENCHMARK / "html" / f"{ident}.html.gz", "rt", encoding="utf-8") as handle:
            pages.append((handle.read(), gold.get("url") or None))
    return pages


def timed_interleaved(contenders: dict, pages, rounds: int) -> dict[str, float]:
    """Seconds per contender; on every page each contender runs back to back, so a load
    spike from other processes lands on both alike and the ratio stays meaningful."""
    totals = {name: [0.0] * rounds for name in contenders}
    for round_number in range(rounds):
        for html, url in pages:
            for name, function in contenders.items():
                started = time.perf_counter()
                function(html, url)
                totals[name][round_number] += time.perf_counter() - started
    return {name: min(seconds) for name, seconds in totals.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared/ folder")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes per contender")
    args = parser.parse_args()
    shared = Path(args.shared).resolve()
    if not (shared / BENCHMARK).is_dir():
        print(f"bench_clean: no benchmark pages under {shared}; pass --shared DIR", file=sys.stderr)
        return 2
    pages = load_pages(shared)
    contenders = {
        "clean_html": lambda html, url: clean_html(html, url=url),
        "trafilatura.extract": lambda html, url: trafilatura.extract(html, url=url),
    }
    for html, url in pages[:20]:  # warm-up: imports, caches, lazy regexes
        for function in contenders.values():
            function(html, url)
    best = timed_interleaved(contenders, pages, max(1, args.rounds))
    rates = {name: len(pages) / seconds for name, seconds in best.items()}
    ratio = rates["clean_html"] / rates["trafilatura.extract"]
    result = {
        "pages": len(pages),
        "pages_per_second": {name: round(rate, 1) for name, rate in rates.items()},
        "ratio_clean_to_trafilatura": round(ratio, 3),
        "target_pages_per_second": 100,
    }
    for name, rate in rates.items():
        print(f"{name:22s} {rate:7.1f} pages/s")
    print(f"ratio clean_html / trafilatura.extract: {ratio:.2f}")
    out = ROOT / "benchmarks" / "results" / "clean.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
