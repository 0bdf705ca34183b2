"""extract.linear.LinearModel: scoring named features and the plain-data round trip."""
from __future__ import annotations

import numpy
import pytest

from extract.linear import LinearModel


def _model(kind: str = "multilabel") -> LinearModel:
    return LinearModel(labels=["tariff", "sanction"], vocabulary={"w=duty": 0, "w=embargo": 1, "w=rare": 2},
                       weights=numpy.array([[2.0, -1.0], [-0.5, 3.0], [1e-6, -1e-6]]), bias=numpy.array([-1.0, -1.0]),
                       kind=kind)


def test_scores_are_the_bias_plus_the_named_features_weights():
    model = _model()
    scores = model.scores([{"w=duty": 1.0}, {"w=embargo": 2.0, "w=unknown": 5.0}, {}])
    assert scores.tolist() == [[1.0, -2.0], [-2.0, 5.0], [-1.0, -1.0]]


def test_multilabel_is_a_sigmoid_per_label_and_multiclass_a_softmax():
    rows = [{"w=duty": 1.0, "w=embargo": 1.0}]
    multilabel = _model("multilabel").predict(rows)[0]
    assert multilabel == pytest.approx(1 / (1 + numpy.exp(-numpy.array([0.5, 1.0]))))
    multiclass = _model("multiclass").predict(rows)[0]
    assert multiclass.sum() == pytest.approx(1.0) and multiclass[1] > multiclass[0]
    assert _model().predict([]).shape == (0, 2)


def test_round_trip_keeps_every_score_and_drops_only_negligible_features(tmp_path):
    model = _model()
    model.meta["threshold"] = 0.4
    model.to_disk(tmp_path / "m")
    loaded = LinearModel.from_disk(tmp_path / "m")
    rows = [{"w=duty": 1.0}, {"w=embargo": 0.5, "w=rare": 1.0}, {"w=rare": 1.0}]
    assert loaded.predict(rows) == pytest.approx(model.predict(rows), abs=1e-5)
    assert "w=rare" not in loaded.vocabulary and set(loaded.vocabulary) == {"w=duty", "w=embargo"}
    assert (loaded.labels, loaded.kind, loaded.meta) == (model.labels, model.kind, {"threshold": 0.4})


def test_saved_weights_move_no_probability_by_more_than_a_thousandth(tmp_path):
    """Weights are stored as float16; on a model of realistic size the probabilities barely move."""
    rng = numpy.random.default_rng(3)
    names = [f"w=name{i}" for i in range(500)] + ["b=café_€", "role=nsubj|tariff"]
    model = LinearModel(labels=["a", "b", "c"], vocabulary={n: i for i, n in enumerate(names)},
                        weights=rng.normal(0, 1.5, (len(names), 3)), bias=rng.normal(0, 1, 3))
    model.to_disk(tmp_path / "m")
    loaded = LinearModel.from_disk(tmp_path / "m")
    assert set(loaded.vocabulary) == set(names)
    rows = [{n: 1.0 for n in rng.choice(names, 12, replace=False)} for _ in range(200)]
    assert numpy.abs(loaded.predict(rows) - model.predict(rows)).max() < 1e-3
