"""`make eval`: score extraction on the dev gold and main text on the article benchmark.

Uses the shared scorers unchanged (../shared/eval); the corpora are read by path and
never copied. Writes benchmarks/results/eval.json and prints both tables.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRADEWATCH = str(Path(sys.executable).parent / "tradewatch")


def run(cmd: list[str], stdin=None, stdout=None) -> None:
    subprocess.run(cmd, stdin=stdin, stdout=stdout, check=True, cwd=ROOT)


def score_extraction(shared: Path, tmp: Path) -> dict:
    scorer = str(shared / "eval" / "score_extraction.py")
    gold = str(shared / "gold" / "dev.jsonl")
    inputs, preds = tmp / "dev-in.jsonl", tmp / "dev-pred.jsonl"
    with open(inputs, "w") as out:
        run([sys.executable, scorer, "inputs", gold], stdout=out)
    started = time.perf_counter()
    with open(preds, "w") as out:
        run([TRADEWATCH, "extract", "--jsonl", "--input", str(inputs)], stdout=out)
    seconds = time.perf_counter() - started
    table = subprocess.run([sys.executable, scorer, "score", gold, str(preds)], capture_output=True, text=True, check=True)
    scores = subprocess.run([sys.executable, scorer, "score", gold, str(preds), "--json"], capture_output=True, text=True, check=True)
    print("Extraction on the dev gold (", gold, ")")
    print(table.stdout)
    return {"seconds": round(seconds, 1), **json.loads(scores.stdout)}


def score_article_body(shared: Path, tmp: Path) -> dict:
    scorer = str(shared / "eval" / "score_article_body.py")
    pages, out_path = tmp / "pages.jsonl", tmp / "clean.jsonl"
    with open(pages, "w") as out:
        run([sys.executable, scorer, "inputs"], stdout=out)
    started = time.perf_counter()
    with open(pages) as stdin, open(out_path, "w") as out:
        run([TRADEWATCH, "clean", "--jsonl"], stdin=stdin, stdout=out)
    seconds = time.perf_counter() - started
    result = json.loads(subprocess.run([sys.executable, scorer, "score", str(out_path), "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    print("Main text on the article-extraction benchmark (181 pages):")
    print(f"  F1={result['f1']:.3f} P={result['precision']:.3f} R={result['recall']:.3f} "
          f"accuracy={result['accuracy']:.3f}  ({seconds:.1f} s for the whole command)")
    return {"seconds": round(seconds, 1), **result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared/ folder")
    args = parser.parse_args()
    shared = Path(args.shared).resolve()
    if not (shared / "eval").is_dir():
        print(f"eval: no shared material at {shared}; pass --shared DIR", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "extraction_dev": score_extraction(shared, Path(tmp)),
            "article_body": score_article_body(shared, Path(tmp)),
        }
    out = ROOT / "benchmarks" / "results" / "eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
