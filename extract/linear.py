"""A linear model over named features, saved as plain data (JSON + compressed NumPy arrays).

The extractor's learned steps (event types per sentence, actors, statuses, targets, whether a
candidate name is a business) are logistic regressions fitted by `make train`
(scikit-learn, in training/). What runs here needs NumPy only: features are names
("w=tariff", "role=nsubj|tariff"), the vocabulary maps them to columns, and scoring is one
sparse dot product.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy

Features = dict[str, float]


@dataclass
class LinearModel:
    labels: list[str]                 # one column per label
    vocabulary: dict[str, int]        # feature name → row
    weights: numpy.ndarray            # (features, labels)
    bias: numpy.ndarray               # (labels,)
    kind: str = "multilabel"          # multilabel | multiclass | binary
    meta: dict = field(default_factory=dict)

    def scores(self, rows: list[Features]) -> numpy.ndarray:
        """Raw linear scores, (rows, labels)."""
        out = numpy.tile(self.bias, (len(rows), 1)).astype(numpy.float64)
        for i, features in enumerate(rows):
            for name, value in features.items():
                column = self.vocabulary.get(name)
                if column is not None:
                    out[i] += value * self.weights[column]
        return out

    def predict(self, rows: list[Features]) -> numpy.ndarray:
        """Probabilities, (rows, labels): sigmoid per label, or softmax for a multiclass model."""
        if not rows:
            return numpy.zeros((0, len(self.labels)))
        scores = self.scores(rows)
        if self.kind == "multiclass":
            scores -= scores.max(axis=1, keepdims=True)
            exp = numpy.exp(scores)
            return exp / exp.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + numpy.exp(-scores))

    def predict_one(self, features: Features) -> dict[str, float]:
        return dict(zip(self.labels, self.predict([features])[0].tolist()))

    # --- plain-data round trip ------------------------------------------------------------
    # Features whose every weight is below this change no score measurably; they are not saved.
    NEGLIGIBLE = 1e-4

    def to_disk(self, path: Path) -> None:
        """model.json (labels, kind, meta) and weights.npz (feature names, weights, bias; compressed)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        names = sorted(self.vocabulary, key=self.vocabulary.get)
        weights = self.weights[[self.vocabulary[n] for n in names]] if names else self.weights
        keep = numpy.abs(weights).max(axis=1) >= self.NEGLIGIBLE if len(names) else numpy.zeros(0, dtype=bool)
        (path / "model.json").write_text(json.dumps(
            {"labels": self.labels, "kind": self.kind, "meta": self.meta}, ensure_ascii=False, indent=1),
            encoding="utf-8")
        # Names as one NUL-separated UTF-8 buffer: a NumPy string array pads every name to the longest.
        # Weights as float16: three significant digits move no probability by more than ~0.001
        # (checked in tests/extract/test_linear.py) and halve the files kept in the repository.
        kept = "\0".join(n for n, k in zip(names, keep) if k).encode("utf-8")
        numpy.savez_compressed(path / "weights.npz", features=numpy.frombuffer(kept, dtype=numpy.uint8),
                               weights=weights[keep].astype(numpy.float16), bias=self.bias.astype(numpy.float32))

    @classmethod
    def from_disk(cls, path: Path) -> "LinearModel":
        path = Path(path)
        spec = json.loads((path / "model.json").read_text(encoding="utf-8"))
        arrays = numpy.load(path / "weights.npz")
        buffer = arrays["features"].tobytes().decode("utf-8")
        names = buffer.split("\0") if buffer else []
        return cls(labels=spec["labels"], vocabulary={n: i for i, n in enumerate(names)},
                   weights=arrays["weights"].astype(numpy.float64).reshape(len(names), len(spec["labels"])),
                   bias=arrays["bias"].astype(numpy.float64), kind=spec["kind"], meta=spec.get("meta", {}))
