"""`make train`: rebuild every learned component from the annotated corpus (fixed seeds).

    python -m training.train [--shared ../shared] [--seed 7]

Reads the committed annotations (corpus/annotations/), the research texts by path from
../shared/corpora and the project's own written articles, parses them once with the untrained
pipeline (cached in training/cache/), fits the event steps and the company step, and writes the
weights into the package: extract/events/model/ and extract/companies/model/ (plain JSON +
NumPy arrays, loaded by `extract.nlp.load_pipeline()`). Prints what it fitted on.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from extract.companies.component import MODEL_DIR as COMPANY_MODEL_DIR
from extract.events.component import MODEL_DIR as EVENT_MODEL_DIR
from extract.events.component import MODEL_NAMES
from extract.nlp import build_pipeline
from training import companies as company_training
from training import events as event_training
from training.corpus import load_corpus
from training.corpus_texts import DEFAULT_SHARED
from training.parsed import parse_corpus


def save_event_models(models, folder: Path = EVENT_MODEL_DIR) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in MODEL_NAMES:
        getattr(models, name).to_disk(folder / name)
    (folder / "settings.json").write_text(json.dumps(models.extra, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.monotonic()
    items = load_corpus(args.shared)
    if not items:
        print("no annotated articles found under corpus/annotations/", file=sys.stderr)
        return 2
    docs = parse_corpus(items)
    print(f"corpus: {len(items)} articles parsed ({time.monotonic() - started:.0f} s)")

    examples = event_training.article_examples(items, docs)
    print("events:", json.dumps(event_training.summary(examples)))
    models = event_training.fit_models(examples, seed=args.seed)
    save_event_models(models)
    print(f"event models → {EVENT_MODEL_DIR} (pair threshold {models.pair_threshold})")

    finder = build_pipeline(trained=False).get_pipe("trade_companies")
    company_examples = company_training.company_examples(items, docs, finder)
    model = company_training.fit_company_model(company_examples, seed=args.seed)
    if COMPANY_MODEL_DIR.exists():
        shutil.rmtree(COMPANY_MODEL_DIR)
    model.to_disk(COMPANY_MODEL_DIR)
    groups = sum(len(e.rows) for e in company_examples)
    print(f"company model → {COMPANY_MODEL_DIR} ({groups} candidate groups)")
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
