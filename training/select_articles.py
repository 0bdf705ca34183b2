"""Chooses the corpus articles to annotate and writes them as batch files.

A seeded random sample of the Reuters trade subset and BBC business, leaving out every
article of the final test set (`../shared/gold/dev.jsonl`) and every near-copy of one
(the corpora repeat some stories), so that nothing of the test set is trained on.

    python -m training.select_articles [--reuters 300] [--bbc 130] [--batch 30] [--double 45]
    python -m training.select_articles --round 2 --reuters 300 --bbc 0 --first-batch 11
    python -m training.select_articles --round 3 --reuters all --bbc 90 --first-batch 21 --first-bbc-batch 6 --batch 32

Round 1 drew the first sample (and the blind double set); each later round N samples, with seed
SEED + N - 1, from what the earlier rounds left, so every round is reproducible on its own.

    python -m training.select_articles --second-double 50 --written-double 20 --extra-double 30

draws the second blind double set, from the articles of rounds 2–3 and the written batches
w09 onward (the first set came from round 1 and w01–w08), into double2.txt and written-double2.txt,
and a third set continuing the same draw into double3.txt.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from training.corpus_texts import CORPUS, DEFAULT_SHARED, WRITTEN_FILE, WRITTEN_SOURCE, all_articles

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
    parser.add_argument("--round", type=int, default=1, dest="round_")
    parser.add_argument("--reuters", default="300", help="how many, or 'all' that remain")
    parser.add_argument("--bbc", default="130", help="how many, or 'all' that remain")
    parser.add_argument("--first-batch", type=int, default=1, help="number of the first Reuters batch file")
    parser.add_argument("--first-bbc-batch", type=int, default=1)
    parser.add_argument("--batch", type=int, default=30)
    parser.add_argument("--double", type=int, default=45, help="articles annotated twice, blind, for agreement")
    parser.add_argument("--out", type=Path, default=CORPUS / "batches")
    parser.add_argument("--second-double", type=int, default=0, help="corpus articles of the second double set")
    parser.add_argument("--written-double", type=int, default=0, help="written articles of the second double set")
    parser.add_argument("--extra-double", type=int, default=0, help="corpus articles of a third double set")
    args = parser.parse_args(argv)
    if args.second_double or args.written_double:
        return _second_double(args.out, args.second_double, args.written_double, args.extra_double)

    held_out = held_out_keys(args.shared)
    plan = (("reuters21578-trade", args.reuters, "r", args.first_batch),
            ("bbc-business", args.bbc, "b", args.first_bbc_batch))
    eligible_ids = {source: eligible(source, args.shared, held_out) for source, *_ in plan}
    chosen: list[tuple[str, str]] = []
    for round_ in range(1, args.round_ + 1):
        rng = random.Random(SEED + round_ - 1)
        picked_now = _draw(rng, eligible_ids, chosen, plan if round_ == args.round_ else _ROUNDS[round_])
        if round_ == 1 and args.round_ == 1:
            double = rng.sample(picked_now, args.double)
            _write(args.out / "double.txt", double)
            print(f"{len(double)} articles for blind double annotation")
        elif round_ == 1:
            rng.sample(picked_now, 45)          # keep the generator where round 1 left it
        chosen.extend(picked_now)
        if round_ == args.round_:
            _write_batches(args.out, picked_now, plan, args.batch)
            print(f"round {round_}: {len(picked_now)} articles in batches → {args.out}")
    return 0


# What the earlier rounds drew (source, how many, batch prefix, first batch number): later rounds
# exclude them.
_ROUNDS = {
    1: (("reuters21578-trade", "300", "r", 1), ("bbc-business", "130", "b", 1)),
    2: (("reuters21578-trade", "300", "r", 11), ("bbc-business", "0", "b", 6)),
    3: (("reuters21578-trade", "all", "r", 21), ("bbc-business", "90", "b", 6)),
}


def _second_double(folder: Path, corpus_count: int, written_count: int, extra_count: int = 0) -> int:
    rng = random.Random(SEED + 100)
    def listed(names) -> list[tuple[str, str]]:
        return [tuple(line.split()) for name in names for line in (folder / name).read_text().splitlines() if line.strip()]
    later = sorted(p.name for p in folder.glob("[rb]*.txt") if not (p.name.startswith("r0") or p.name in
                                                                    {f"b0{n}.txt" for n in range(1, 6)} or p.name == "r10.txt"))
    corpus_rows = listed(later)
    written_rows = sorted((WRITTEN_SOURCE, a["id"]) for a in map(json.loads, WRITTEN_FILE.read_text().splitlines())
                          if a["id"] >= "w09")
    _write(folder / "double2.txt", rng.sample(corpus_rows, corpus_count))
    _write(folder / "written-double2.txt", rng.sample(written_rows, written_count))
    if extra_count:       # the third set continues the same draw, so the second stays as it was
        first = set(map(tuple, (line.split() for line in (folder / "double2.txt").read_text().splitlines())))
        rest = [row for row in corpus_rows if row not in first]
        _write(folder / "double3.txt", rng.sample(rest, extra_count))
    print(f"second double set: {corpus_count} of {len(corpus_rows)} corpus articles ({later[0]}–{later[-1]}), "
          f"{written_count} of {len(written_rows)} written (w09 onward)")
    return 0


def _draw(rng: random.Random, eligible_ids: dict, chosen: list, plan) -> list[tuple[str, str]]:
    taken = set(chosen)
    picked = []
    for source, count, *_ in plan:
        remaining = [i for i in eligible_ids[source] if (source, i) not in taken]
        n = len(remaining) if count == "all" else min(int(count), len(remaining))
        if n:
            picked.extend((source, i) for i in rng.sample(remaining, n))
    return picked


def _write_batches(folder: Path, picked: list[tuple[str, str]], plan, size: int) -> None:
    for source, _, prefix, first in plan:
        mine = [row for row in picked if row[0] == source]
        for number, start in enumerate(range(0, len(mine), size), first):
            _write(folder / f"{prefix}{number:02d}.txt", mine[start:start + size])


def _write(path: Path, rows: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{source} {ident}\n" for source, ident in rows), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
