"""`make cv`: k-fold cross-validation of the learned steps on the annotated corpus.

    python -m training.evaluate [--folds 5] [--curve 0.25,0.5,1.0] [--out benchmarks/results/cv.json]

For each fold the event models and the company model are fitted on the other folds exactly as
`make train` fits them, and the held-out articles are scored with the shared scorer
(../shared/eval/score_extraction.py, its metric unchanged), per source and over all. Beside the
learned company step it scores the hand-written rule verdict the company step falls back on,
so the two are compared on the same candidates. `--curve` refits the event models on fractions
of each training fold (the held-out folds stay whole): the learning curve.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from extract.companies.component import rule_verdict
from extract.companies.grouping import company_record
from extract.nlp import build_pipeline
from training import companies as company_training
from training import events as event_training
from training.corpus import Annotated, folds, gold_records, load_corpus, score
from training.corpus_texts import DEFAULT_SHARED
from training.parsed import parse_corpus

PROJECT = Path(__file__).resolve().parent.parent
SOURCES = ("reuters21578-trade", "bbc-business", "tradewatch-written")


def _scores(items: list[Annotated], field: str, predicted: dict[str, list[dict]], shared: Path) -> dict:
    """The scorer's figures for one field, per source and over all."""
    out = {}
    for source in (*SOURCES, "all"):
        subset = [i for i in items if source == "all" or i.source == source]
        if not subset:
            continue
        records = [{"id": i.key, "figures": [], "companies": [], "events": [], field: predicted.get(i.key, [])}
                   for i in subset]
        result = score(gold_records(subset), records, shared)[field]
        keep = ("precision", "recall", "f1", "status_accuracy", "targets_accuracy", "gold")
        out[source] = {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items() if k in keep}
    return out


def cross_validate_events(items, examples, k: int, fraction: float = 1.0, seed: int = 7) -> dict[str, list[dict]]:
    by_key = {e.key: e for e in examples}
    predicted: dict[str, list[dict]] = {}
    for number, (train, test) in enumerate(folds(items, k)):
        fitted_on = [by_key[i.key] for i in train]
        if fraction < 1.0:
            random.Random(seed + number).shuffle(fitted_on)
            fitted_on = fitted_on[:max(1, int(len(fitted_on) * fraction))]
        models = event_training.fit_models(fitted_on, seed=seed)
        predicted.update(event_training.predict(models, [by_key[i.key] for i in test]))
    return predicted


def cross_validate_companies(items, examples, k: int, seed: int = 7) -> dict[str, list[dict]]:
    by_key = {e.key: e for e in examples}
    predicted: dict[str, list[dict]] = {}
    for train, test in folds(items, k):
        model = company_training.fit_company_model([by_key[i.key] for i in train], seed=seed)
        predicted.update(company_training.predict_companies(model, [by_key[i.key] for i in test]))
    return predicted


def rule_companies(items, docs, finder) -> dict[str, list[dict]]:
    """What the untrained company step keeps: the rule verdict over the same candidate groups."""
    out = {}
    for item, doc in zip(items, docs):
        groups = finder.candidate_groups(doc)
        out[item.key] = [company_record(g, finder.known, doc.text) for g in groups if rule_verdict(g)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--curve", default="", help="comma-separated fractions of the training folds, e.g. 0.25,0.5")
    parser.add_argument("--out", type=Path, default=PROJECT / "benchmarks" / "results" / "cv.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    items = load_corpus(args.shared)
    if not items:
        print("no annotated articles found under corpus/annotations/", file=sys.stderr)
        return 2
    docs = parse_corpus(items)
    report: dict = {"articles": {s: sum(1 for i in items if i.source == s) for s in SOURCES}, "folds": args.folds}

    examples = event_training.article_examples(items, docs)
    report["events"] = _scores(items, "events", cross_validate_events(items, examples, args.folds), args.shared)
    print("events (learned):", json.dumps(report["events"]["all"]), flush=True)
    curve = {}
    for fraction in [float(f) for f in args.curve.split(",") if f.strip()]:
        predicted = cross_validate_events(items, examples, args.folds, fraction)
        curve[str(fraction)] = _scores(items, "events", predicted, args.shared)
        print(f"events at {fraction:.0%} of the training folds:", json.dumps(curve[str(fraction)]["all"]), flush=True)
    if curve:
        report["events_learning_curve"] = curve

    finder = build_pipeline(trained=False).get_pipe("trade_companies")
    company_examples = company_training.company_examples(items, docs, finder)
    report["companies"] = {
        "learned": _scores(items, "companies", cross_validate_companies(items, company_examples, args.folds), args.shared),
        "rules": _scores(items, "companies", rule_companies(items, docs, finder), args.shared),
    }
    for name, result in report["companies"].items():
        print(f"companies ({name}):", json.dumps({s: r["f1"] for s, r in result.items()}), flush=True)
    report["seconds"] = round(time.monotonic() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"→ {args.out} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
