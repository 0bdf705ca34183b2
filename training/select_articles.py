"""Chooses the corpus articles to annotate and writes them as batch files.

A seeded random sample of the Reuters trade subset and BBC business, leaving out every
article of the final test set (`../shared/gold/dev.jsonl`) and every near-copy of one
(the corpora repeat some stories), so that nothing of the test set is trained on.

    python -m training.select_articles [--reuters 300] [--bbc 130] [--batch 30] [--double 45]
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from training.corpus_texts import CORPUS, DEFAULT_SHARED, all_articles

SEED = 20261202
SHINGLE = 8


def _shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    return {hash(tuple(words[i:i + SHINGLE])) for i in range(max(len(words) - SHINGLE + 1, 1))}


def _near_copy(a: set[int], b: set[int]) -> bool:
    return bool(a) and bool(b) and len(a & b) / min(len(a), len(b)) > 0.5


def held_out_keys(shared: Path) -> set[tuple[str, str]]:
    path = shared / "gold" / "dev.jsonl"
    with path.open(encoding="utf-8") as handle:
        return {(r["source"], str(r["id"])) for r in map(json.loads, handle) if r.get("source") != "seed"}


def eligible(source: str, shared: Path, held_out: set[tuple[str, str]]) -> list[str]:
    articles = all_articles(source, shared)
    test = [_shingles(a.body) for a in articles if (source, a.id) in held_out]
    kept, seen_bodies = [], set()
    for article in articles:
        if (source, article.id) in held_out or article.body in seen_bodies:
            continue
        seen_bodies.add(article.body)
        mine = _shingles(article.body)
        if any(_near_copy(mine, other) for other in test):
            continue
        kept.append(article.id)
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--reuters", type=int, default=300)
    parser.add_argument("--bbc", type=int, default=130)
    parser.add_argument("--batch", type=int, default=30)
    parser.add_argument("--double", type=int, default=45, help="articles annotated twice, blind, for agreement")
    parser.add_argument("--out", type=Path, default=CORPUS / "batches")
    args = parser.parse_args(argv)

    rng = random.Random(SEED)
    held_out = held_out_keys(args.shared)
    chosen: list[tuple[str, str]] = []
    for source, count, prefix in (("reuters21578-trade", args.reuters, "r"), ("bbc-business", args.bbc, "b")):
        ids = eligible(source, args.shared, held_out)
        picked = rng.sample(ids, count)
        chosen.extend((source, i) for i in picked)
        for number, start in enumerate(range(0, count, args.batch), 1):
            _write(args.out / f"{prefix}{number:02d}.txt", [(source, i) for i in picked[start:start + args.batch]])
    double = rng.sample(chosen, args.double)
    _write(args.out / "double.txt", double)
    print(f"{len(chosen)} articles in batches, {len(double)} for blind double annotation → {args.out}")
    return 0


def _write(path: Path, rows: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{source} {ident}\n" for source, ident in rows), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
