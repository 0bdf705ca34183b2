"""Training the company step: is this group of candidate names a business enterprise?

Each article's candidate groups (extract.companies.component.CompanyFinder.candidate_groups, the
votes of the data files included) are labelled by the annotations: a group is a firm when one of
its forms is, after the scorer's own name normalisation, a gold company's name or alias.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy

from extract.companies.features import group_features
from extract.companies.grouping import company_record
from extract.linear import LinearModel
from training.corpus import Annotated, scorer_module
from training.events import _fit


@dataclass
class CompanyExample:
    key: str
    source: str
    rows: list[dict]
    labels: list[int]
    records: list[dict]          # company_record of each group, in the same order
    gold: int                    # gold companies in the article


def company_examples(items: list[Annotated], docs: list, finder) -> list[CompanyExample]:
    norm = scorer_module().norm_company
    examples = []
    for item, doc in zip(items, docs):
        text = item.article.text
        golds = []
        for company in item.record["companies"]:
            names = [company["name"], *company["aliases"]]
            golds.append({norm(" ".join(text[a:b].split())) for a, b in names})
        groups = finder.candidate_groups(doc)
        rows, labels, records = [], [], []
        for group in groups:
            record = company_record(group, finder.known, doc.text)
            forms = {norm(record["name"]), *(norm(a) for a in record.get("aliases", []))}
            forms |= {norm(c.text) for c in group}
            rows.append(group_features(group, doc))
            labels.append(int(any(forms & g for g in golds)))
            records.append(record)
        examples.append(CompanyExample(item.key, item.source, rows, labels, records, len(golds)))
    return examples


def fit_company_model(examples: list[CompanyExample], c: float = 0.5, seed: int = 7) -> LinearModel:
    rows = [r for e in examples for r in e.rows]
    labels = [l for e in examples for l in e.labels]
    model = _fit(rows, labels, kind="binary", classes=["company"], c=c, seed=seed)
    model.meta["threshold"] = 0.5
    return model


def predict_companies(model: LinearModel, examples: list[CompanyExample]) -> dict[str, list[dict]]:
    out = {}
    threshold = float(model.meta.get("threshold", 0.5))
    for example in examples:
        probs = model.predict(example.rows)[:, 0] if example.rows else numpy.zeros(0)
        out[example.key] = [r for r, p in zip(example.records, probs) if p >= threshold]
    return out
