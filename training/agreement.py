"""How far two annotations of the same articles agree, scored with the shared scorer.

    python -m training.agreement [--shared ../shared] [--out benchmarks/results/agreement.json]

Two comparisons, each with the final (reviewed) annotations as the reference:
  blind    corpus/annotations/blind-double/*.jsonl — a second annotator's independent pass over a
           seeded sample (corpus/batches/double*.txt, written-double*.txt): inter-annotator agreement;
  first    corpus/annotations/first-pass/*.jsonl — the first pass before its review: how much
           the review changed.
F1 per field as the scorer computes it for an extractor (micro over articles), plus status and
targets accuracy on matched events.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from training.annotations import read_jsonl, to_gold
from training.corpus import ANNOTATIONS, SOURCES, score
from training.corpus_texts import DEFAULT_SHARED, load_article

PROJECT = Path(__file__).resolve().parent.parent


def _records(paths: list[Path], shared: Path) -> dict[str, dict]:
    out = {}
    for path in paths:
        for record in read_jsonl(path):
            article = load_article(record["source"], str(record["id"]), shared)
            gold = to_gold(record, article)
            gold.update(title=article.title, text=article.body)
            out[f"{record['source']}:{record['id']}"] = gold
    return out


def compare(reference: dict[str, dict], other: dict[str, dict], shared: Path) -> dict:
    keys = sorted(set(reference) & set(other))
    if not keys:
        return {"articles": 0}
    gold = [reference[k] for k in keys]
    predicted = [dict(other[k], id=k) for k in keys]
    result = score(gold, predicted, shared)
    out = {"articles": len(keys)}
    for field in ("figures", "companies", "events"):
        out[field] = {k: round(v, 3) for k, v in result[field].items()
                      if k in ("f1", "precision", "recall", "status_accuracy", "targets_accuracy")}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=PROJECT / "benchmarks" / "results" / "agreement.json")
    args = parser.parse_args(argv)
    final = _records([ANNOTATIONS / f"{s}.jsonl" for s in SOURCES if (ANNOTATIONS / f"{s}.jsonl").exists()], args.shared)
    blind = _records(sorted((ANNOTATIONS / "blind-double").glob("*.jsonl")), args.shared)
    first = _records(sorted((ANNOTATIONS / "first-pass").glob("*.jsonl")), args.shared)
    report = {"final_articles": len(final),
              "blind_vs_final": compare(final, blind, args.shared),
              "first_pass_vs_final": compare(final, first, args.shared)}
    report["blind_share_of_corpus"] = round(report["blind_vs_final"]["articles"] / max(len(final), 1), 3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
