"""The annotated training corpus: committed offsets joined to texts read by path.

    load_corpus(shared) -> list[Annotated]       every reviewed article (Reuters, BBC, written)
    gold_records(items) -> list[dict]            GUIDELINES records (with words) for the scorer
    folds(items, k, seed) -> list[(train, test)] k-fold split, stratified by source
    score(gold, predictions)                     the shared scorer, imported from ../shared/eval by path
"""
from __future__ import annotations

import functools
import importlib.util
import json
import random
from dataclasses import dataclass
from pathlib import Path

from training.annotations import read_jsonl, to_gold
from training.corpus_texts import CORPUS, DEFAULT_SHARED, CorpusArticle, load_article

ANNOTATIONS = CORPUS / "annotations"
SOURCES = ("reuters21578-trade", "bbc-business", "tradewatch-written")


@dataclass(frozen=True)
class Annotated:
    article: CorpusArticle
    record: dict              # committed shape: offsets into article.text

    @property
    def key(self) -> str:
        return self.article.key

    @property
    def source(self) -> str:
        return self.article.source


def load_corpus(shared: Path = DEFAULT_SHARED, sources=SOURCES, folder: Path = ANNOTATIONS) -> list[Annotated]:
    items = []
    for source in sources:
        path = folder / f"{source}.jsonl"
        if not path.exists():
            continue
        for record in read_jsonl(path):
            items.append(Annotated(load_article(record["source"], record["id"], shared), record))
    return items


def gold_records(items: list[Annotated]) -> list[dict]:
    """The scorer's gold: GUIDELINES records carrying their own title and text."""
    out = []
    for item in items:
        gold = to_gold(item.record, item.article)
        gold.update(title=item.article.title, text=item.article.body)
        out.append(gold)
    return out


def folds(items: list[Annotated], k: int = 5, seed: int = 13) -> list[tuple[list[Annotated], list[Annotated]]]:
    """k train/test splits; each source is spread evenly over the folds."""
    rng = random.Random(seed)
    buckets: list[list[Annotated]] = [[] for _ in range(k)]
    for source in sorted({i.source for i in items}):
        members = sorted((i for i in items if i.source == source), key=lambda i: i.key)
        rng.shuffle(members)
        for n, item in enumerate(members):
            buckets[n % k].append(item)
    return [([i for j, b in enumerate(buckets) if j != f for i in b], buckets[f]) for f in range(k)]


def scorer_module(shared: Path = DEFAULT_SHARED):
    """The shared scorer, imported by path (its metric and its name normalisation, unchanged)."""
    return _scorer(shared)


@functools.lru_cache(maxsize=2)
def _scorer(shared: Path):
    path = shared / "eval" / "score_extraction.py"
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(gold: list[dict], predictions: list[dict], shared: Path = DEFAULT_SHARED) -> dict:
    """The shared scorer's result (its metric, unchanged). Predictions carry "<source>:<id>" ids."""
    return _scorer(shared).score(gold, predictions)


def write_jsonl(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
