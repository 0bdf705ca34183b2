"""training.events: which features are kept for fitting, and fitting itself (scikit-learn, fixed
seeds) on small synthetic rows: the learned steps' models come out of `make train` this way."""
from __future__ import annotations

import pytest

from training.events import MIN_ROWS_PER_BIGRAM, _fit, frequent_features


def test_rare_features_and_rarer_bigrams_are_dropped():
    rows = [{"w=duty": 1.0, "b=anti_dumping": 1.0, "w=once": 1.0}, {"w=duty": 1.0, "b=anti_dumping": 1.0}]
    kept = frequent_features(rows)
    assert kept[0] == {"w=duty": 1.0} and kept[1] == {"w=duty": 1.0}      # a bigram in 2 rows is too rare
    many = [{"b=anti_dumping": 1.0} for _ in range(MIN_ROWS_PER_BIGRAM)]
    assert frequent_features(many) == many


def _rows():
    rows, labels = [], []
    for i in range(60):
        kind = ("tariff", "sanction", None)[i % 3]
        words = {"tariff": ["duty", "levy"], "sanction": ["embargo", "asset"], None: ["weather", "rain"]}[kind]
        rows.append({f"w={words[i % 2]}": 1.0, f"w=noise{i % 4}": 1.0})
        labels.append({kind} if kind else set())
    return rows, labels


def test_a_multilabel_fit_separates_the_labels_and_is_the_same_on_every_run():
    rows, labels = _rows()
    model = _fit(rows, labels, kind="multilabel", classes=["tariff", "sanction"], c=1.0, seed=7)
    probabilities = model.predict([{"w=duty": 1.0}, {"w=embargo": 1.0}, {"w=rain": 1.0}])
    assert probabilities[0][0] > 0.5 > probabilities[0][1]
    assert probabilities[1][1] > 0.5 > probabilities[1][0]
    assert probabilities[2].max() < 0.5
    again = _fit(rows, labels, kind="multilabel", classes=["tariff", "sanction"], c=1.0, seed=7)
    assert again.weights.tolist() == model.weights.tolist()


def test_a_multiclass_fit_keeps_every_class_column_even_an_unseen_one():
    rows, labels = _rows()
    classes = [next(iter(ls), "none") for ls in labels]
    model = _fit(rows, classes, kind="multiclass", classes=["tariff", "sanction", "none", "quota"], c=1.0, seed=7)
    assert model.labels == ["tariff", "sanction", "none", "quota"]
    (probabilities,) = model.predict([{"w=levy": 1.0}])
    assert probabilities.argmax() == 0 and probabilities[3] == pytest.approx(0.0, abs=1e-6)
