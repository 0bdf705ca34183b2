"""Main-text score of extract.clean on the article-extraction benchmark.

Runs the same command the scorer is meant for (`tradewatch clean --jsonl`) and scores
it with the shared scorer, unchanged: `score_article_body.py inputs | tradewatch clean
--jsonl | score_article_body.py score`. Pages are read from ../shared by path, never
copied. Prints F1/P/R, errors, languages and metadata coverage; writes
benchmarks/results/clean_eval.json.

    python benchmarks/eval_clean.py [--shared DIR] [--json]
"""
from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRADEWATCH = str(Path(sys.executable).parent / "tradewatch")


def evaluate(shared: Path) -> dict:
    scorer = str(shared / "eval" / "score_article_body.py")
    with tempfile.TemporaryDirectory() as tmp:
        pages, cleaned = Path(tmp) / "pages.jsonl", Path(tmp) / "clean.jsonl"
        with open(pages, "w") as out:
            subprocess.run([sys.executable, scorer, "inputs"], stdout=out, check=True)
        started = time.perf_counter()
        with open(pages) as stdin, open(cleaned, "w") as out:
            subprocess.run([TRADEWATCH, "clean", "--jsonl"], stdin=stdin, stdout=out, check=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        scored = subprocess.run([sys.executable, scorer, "score", str(cleaned), "--json"],
                                capture_output=True, text=True, check=True)
        records = [json.loads(line) for line in cleaned.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = json.loads(scored.stdout)
    result["seconds_whole_command"] = round(seconds, 2)
    result["errors"] = collections.Counter(r["error"] for r in records if r.get("error"))
    result["languages"] = collections.Counter(r.get("language") for r in records)
    result["with_date"] = sum(1 for r in records if r.get("published"))
    result["with_author"] = sum(1 for r in records if r.get("author"))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared/ folder")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    shared = Path(args.shared).resolve()
    if not (shared / "eval" / "score_article_body.py").is_file():
        print(f"eval_clean: no scorer under {shared}/eval; pass --shared DIR", file=sys.stderr)
        return 2
    result = evaluate(shared)
    out = ROOT / "benchmarks" / "results" / "clean_eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"article-extraction benchmark ({result['pages']} pages): F1={result['f1']:.3f} "
          f"P={result['precision']:.3f} R={result['recall']:.3f} accuracy={result['accuracy']:.3f}")
    print(f"  whole command: {result['seconds_whole_command']:.1f} s; dates {result['with_date']}, "
          f"authors {result['with_author']}; languages {dict(result['languages'])}")
    if result["errors"]:
        print(f"  errors: {dict(result['errors'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
