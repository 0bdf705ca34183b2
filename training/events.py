"""Training the event steps (extract.events.inference) from the annotated corpus.

    examples = article_examples(items, docs)        gold types/actors/events mapped onto windows
    models = fit_models(examples, seed)             five LinearModels + thresholds
    predicted = predict(models, examples)           the run-time inference over held-out articles

The pair model (is this (type, actor) a measure the article reports?) is fitted on what the
type and actor models predict for articles they were not fitted on (inner folds), so it
learns from the scores it will see at run time, not from over-confident ones.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from core.vocabulary import EVENT_TYPES, STATUSES
from extract.events import features as F
from extract.events import inference
from extract.events.component import CUE_KEY, JURISDICTION_KEY, STATUS_KEY
from extract.linear import LinearModel
from extract.events.windows import Window, build_windows, window_of
from training.corpus import Annotated


@dataclass
class GoldEvent:
    type: str
    actor: str
    targets: list[str]
    status: str
    windows: list[int]                 # evidence window first, then the other mentions' windows


@dataclass
class ArticleExample:
    key: str
    source: str
    windows: list[Window]
    window_types: list[set[str]]
    window_actors: list[dict[str, set[str]]]
    events: list[GoldEvent] = field(default_factory=list)


def article_examples(items: list[Annotated], docs: list) -> list[ArticleExample]:
    examples = []
    for item, doc in zip(items, docs):
        windows = build_windows(doc, list(doc.spans.get(CUE_KEY, [])), list(doc.spans.get(STATUS_KEY, [])),
                                list(doc.spans.get(JURISDICTION_KEY, [])))
        example = ArticleExample(item.key, item.source, windows, [set() for _ in windows],
                                 [defaultdict(set) for _ in windows])
        for event in item.record["events"]:
            touched: list[int] = []
            for start, end in [event["evidence"], *event.get("mentions", [])]:
                for window in window_of(windows, start, end):
                    if window.index not in touched:
                        touched.append(window.index)
            for index in touched:
                example.window_types[index].add(event["type"])
                example.window_actors[index][event["type"]].add(event["actor"])
            example.events.append(GoldEvent(event["type"], event["actor"], list(event["targets"]), event["status"], touched))
        examples.append(example)
    return examples


# --- fitting ------------------------------------------------------------------------------------


# A feature seen in a single training row is noise more often than knowledge (and it would only
# make the saved model bigger): fitting keeps features seen at least this often.
MIN_ROWS_PER_FEATURE = 2
# Word bigrams ("b=…") are most of the vocabulary and the sparsest part of it; they must recur more.
MIN_ROWS_PER_BIGRAM = 3


def frequent_features(rows: list[dict], min_rows: int | None = None, min_bigram_rows: int | None = None) -> list[dict]:
    min_rows = MIN_ROWS_PER_FEATURE if min_rows is None else min_rows
    min_bigram_rows = MIN_ROWS_PER_BIGRAM if min_bigram_rows is None else min_bigram_rows
    seen = Counter(name for row in rows for name in row)
    keep = {name for name, count in seen.items()
            if count >= (min_bigram_rows if name.startswith("b=") else min_rows)}
    return [{name: value for name, value in row.items() if name in keep} for row in rows]


def _fit(rows: list[dict], labels: list, *, kind: str, classes: list[str], c: float, seed: int,
         balanced: bool = False) -> LinearModel:
    rows = frequent_features(rows)
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform(rows).tocsr()
    x.indices, x.indptr = x.indices.astype(numpy.int32), x.indptr.astype(numpy.int32)   # liblinear wants 32-bit
    weight = "balanced" if balanced else None
    if kind == "multilabel":
        columns, biases = [], []
        for label in classes:
            y = numpy.array([label in ls for ls in labels], dtype=int)
            if y.sum() == 0:
                columns.append(numpy.zeros(x.shape[1]))
                biases.append(-10.0)
                continue
            model = LogisticRegression(C=c, solver="liblinear", class_weight=weight, random_state=seed, max_iter=2000)
            model.fit(x, y)
            columns.append(model.coef_[0])
            biases.append(float(model.intercept_[0]))
        weights, bias = numpy.stack(columns, axis=1), numpy.array(biases)
    elif kind == "binary":
        model = LogisticRegression(C=c, solver="liblinear", class_weight=weight, random_state=seed, max_iter=2000)
        model.fit(x, numpy.array(labels, dtype=int))
        weights, bias = model.coef_.T.copy(), model.intercept_.copy()
    else:
        present = [label for label in classes if label in set(labels)]
        model = LogisticRegression(C=c, solver="lbfgs", class_weight=weight, random_state=seed, max_iter=3000)
        model.fit(x, numpy.array([present.index(label) for label in labels]))
        weights = numpy.full((x.shape[1], len(classes)), 0.0)
        bias = numpy.full(len(classes), -20.0)
        for row, label in enumerate(present):
            column = classes.index(label)
            weights[:, column] = model.coef_[row]
            bias[column] = model.intercept_[row]
    return LinearModel(labels=list(classes), vocabulary=dict(vectorizer.vocabulary_), weights=weights, bias=bias,
                       kind=kind)


def type_rows(examples: list[ArticleExample]):
    rows, labels = [], []
    for example in examples:
        for window in example.windows:
            rows.append(F.type_features(window, *F.neighbours(example.windows, window)))
            labels.append(example.window_types[window.index])
    return rows, labels


def actor_rows(examples: list[ArticleExample], stated_only: bool = False):
    """(window, type, candidate) rows and their group (one group per window and type); `stated_only`:
    only windows that name the gold actor."""
    rows, labels, groups = [], [], []
    for example in examples:
        counts = F.count_places(example.windows)
        headline = _headline_codes(example.windows)
        for window in example.windows:
            named = {p.label_ for p in window.places}
            for event_type, actors in example.window_actors[window.index].items():
                if stated_only and not actors & named:
                    continue
                for candidate in F.actor_candidates(example.windows, window, counts):
                    rows.append(F.actor_features(candidate, window, event_type, counts, headline))
                    labels.append(int(candidate.code in actors))
                    groups.append((example.key, window.index, event_type))
    return rows, labels, groups


def _fit_ranking(rows: list[dict], labels: list[int], groups: list, *, c: float, seed: int) -> LinearModel:
    """Pairwise ranking: within each group, the gold candidate's features minus another's → 1
    (and the reverse → 0); scores then compare candidates of one window with each other."""
    rows = frequent_features(rows)
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform(rows).tocsr()
    members: dict = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    pos, neg = [], []
    for indexes in members.values():
        good = [i for i in indexes if labels[i]]
        bad = [i for i in indexes if not labels[i]]
        for g in good:
            for b in bad:
                pos.append(g)
                neg.append(b)
    diff = x[pos] - x[neg]
    from scipy.sparse import vstack
    pairs = vstack([diff, -diff]).tocsr()
    pairs.indices, pairs.indptr = pairs.indices.astype(numpy.int32), pairs.indptr.astype(numpy.int32)
    y = numpy.concatenate([numpy.ones(diff.shape[0]), numpy.zeros(diff.shape[0])])
    model = LogisticRegression(C=c, solver="liblinear", fit_intercept=False, random_state=seed, max_iter=2000)
    model.fit(pairs, y)
    return LinearModel(labels=["actor"], vocabulary=dict(vectorizer.vocabulary_), weights=model.coef_.T.copy(),
                       bias=numpy.zeros(1), kind="ranking")


def status_rows(examples: list[ArticleExample]):
    rows, labels = [], []
    for example in examples:
        for event in example.events:
            if event.windows:
                rows.append(F.status_features([example.windows[i] for i in event.windows], event.type))
                labels.append(event.status)
    return rows, labels


def target_rows(examples: list[ArticleExample]):
    rows, labels = [], []
    for example in examples:
        for event in example.events:
            home: dict[str, tuple[Window, list]] = {}
            for index in event.windows[:3]:
                window = example.windows[index]
                for place in window.places:
                    if place.label_ == event.actor:
                        continue
                    if place.label_ not in home:
                        home[place.label_] = (window, [])
                    if home[place.label_][0] is window:
                        home[place.label_][1].append(place)
            for code, (window, spans) in home.items():
                rows.append(F.target_features(code, spans, window, event.type, event.actor))
                labels.append(int(code in event.targets))
    return rows, labels


def _headline_codes(windows: list[Window]) -> set[str]:
    return {p.label_ for p in windows[0].places} if windows and windows[0].headline else set()


@dataclass
class Settings:
    c_types: float = 0.5
    c_actors: float = 0.5
    c_pairs: float = 1.0
    c_statuses: float = 0.5
    c_targets: float = 0.5
    inner_folds: int = 5
    actor_stated_only: bool = False
    actor_ranking: bool = False
    average_inner: bool = True
    count_measures: bool = True
    c_counts: float = 0.5
    balanced_types: bool = False


def _fit_types_actors(examples, settings: Settings, seed: int) -> tuple[LinearModel, LinearModel]:
    rows, labels = type_rows(examples)
    types = _fit(rows, labels, kind="multilabel", classes=list(EVENT_TYPES), c=settings.c_types, seed=seed,
                 balanced=settings.balanced_types)
    rows, labels, groups = actor_rows(examples, settings.actor_stated_only)
    if settings.actor_ranking:
        actors = _fit_ranking(rows, labels, groups, c=settings.c_actors, seed=seed)
    else:
        actors = _fit(rows, labels, kind="binary", classes=["actor"], c=settings.c_actors, seed=seed)
    return types, actors


def pair_rows(examples: list[ArticleExample], types: LinearModel, actors: LinearModel, counts_out: list | None = None):
    """Pair rows and labels; `counts` (a list) collects (count features, how many gold measures)
    for the pairs that are gold."""
    rows, labels = [], []
    for example in examples:
        windows = example.windows
        if not windows:
            continue
        counts = F.count_places(windows)
        headline = _headline_codes(windows)
        type_probs = inference.window_type_probabilities(windows, types)
        count_rows = counts_out
        mentions = inference.find_mentions(windows, type_probs, actors, counts, headline)
        gold = Counter((e.type, e.actor) for e in example.events)
        groups = inference.group_mentions(mentions)
        keys, found = inference.pair_rows_of(groups, counts, headline, type_probs, windows)
        rows += found
        labels += [int(key in gold) for key in keys]
        if count_rows is not None:
            for key in keys:
                if key in gold:
                    count_rows.append((inference.count_features(groups[key], key[0]), str(min(gold[key], 3))))
    return rows, labels


def average(models: list[LinearModel]) -> LinearModel:
    """One linear model scoring like the mean of several (their weights averaged over the union
    of their features): the run-time model then scores as the held-out models did when the pair
    model learned from their output."""
    names = sorted({name for model in models for name in model.vocabulary})
    vocabulary = {name: i for i, name in enumerate(names)}
    first = models[0]
    weights = numpy.zeros((len(names), len(first.labels)))
    for model in models:
        rows = [vocabulary[name] for name in model.vocabulary]
        weights[rows] += model.weights[list(model.vocabulary.values())]
    weights /= len(models)
    bias = numpy.mean([m.bias for m in models], axis=0)
    return LinearModel(labels=list(first.labels), vocabulary=vocabulary, weights=weights, bias=bias, kind=first.kind)


def fit_models(examples: list[ArticleExample], settings: Settings = Settings(), seed: int = 7) -> inference.Models:
    rng = random.Random(seed)
    shuffled = list(examples)
    rng.shuffle(shuffled)
    folds = [shuffled[i::settings.inner_folds] for i in range(settings.inner_folds)]
    oof_rows, oof_labels, type_models, actor_models, count_rows = [], [], [], [], []
    for i, held in enumerate(folds):
        train = [e for j, f in enumerate(folds) if j != i for e in f]
        types, actors = _fit_types_actors(train, settings, seed)
        type_models.append(types)
        actor_models.append(actors)
        rows, labels = pair_rows(held, types, actors, count_rows)
        oof_rows += rows
        oof_labels += labels
    if settings.average_inner:
        types, actors = average(type_models), average(actor_models)
    else:
        types, actors = _fit_types_actors(examples, settings, seed)
    pairs = _fit(oof_rows, oof_labels, kind="binary", classes=["event"], c=settings.c_pairs, seed=seed)
    threshold = _best_threshold(pairs, oof_rows, oof_labels, _missed_pairs(examples, oof_labels))
    rows, labels = status_rows(examples)
    # balanced: "in_effect" is half of all statuses, and unweighted the rarer stages lose to it
    statuses = _fit(rows, labels, kind="multiclass", classes=list(STATUSES), c=settings.c_statuses, seed=seed,
                    balanced=True)
    rows, labels = target_rows(examples)
    targets = _fit(rows, labels, kind="binary", classes=["target"], c=settings.c_targets, seed=seed)
    counts = None
    if settings.count_measures and len({label for _, label in count_rows}) > 1:
        counts = _fit([r for r, _ in count_rows], [l for _, l in count_rows], kind="multiclass",
                      classes=["1", "2", "3"], c=settings.c_counts, seed=seed)
    extra = {"pair_threshold": threshold, "target_threshold": 0.5, "seed": seed,
             "settings": settings.__dict__, "articles": len(examples)}
    return inference.Models(types, actors, pairs, statuses, targets, counts, pair_threshold=threshold,
                            target_threshold=0.5, extra=extra)


def _missed_pairs(examples: list[ArticleExample], oof_labels: list[int]) -> int:
    """Gold (type, actor) pairs the candidate steps never proposed: they count against recall."""
    gold = sum(len({(e.type, e.actor) for e in x.events}) for x in examples)
    return max(gold - sum(oof_labels), 0)


def _best_threshold(model: LinearModel, rows, labels, missed: int) -> float:
    """The pair threshold with the best F1 on the out-of-fold candidates (missed gold counted)."""
    probs = model.predict(rows)[:, 0]
    labels = numpy.array(labels)
    gold = labels.sum() + missed
    best, best_f1 = 0.5, -1.0
    for threshold in numpy.arange(0.2, 0.81, 0.02):
        keep = probs >= threshold
        tp = int((keep & (labels == 1)).sum())
        p = tp / keep.sum() if keep.sum() else 0.0
        r = tp / gold if gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best_f1:
            best, best_f1 = float(round(threshold, 2)), f1
    return best


def predict(models: inference.Models, examples: list[ArticleExample]) -> dict[str, list[dict]]:
    """Events per article key, in the record shape (type, actor, targets, status)."""
    out = {}
    for example in examples:
        found = inference.infer(example.windows, models)
        out[example.key] = [{k: e[k] for k in ("type", "actor", "targets", "status")} for e in found]
    return out


def summary(examples: list[ArticleExample]) -> dict:
    counts = Counter(e.type for x in examples for e in x.events)
    statuses = Counter(e.status for x in examples for e in x.events)
    return {"articles": len(examples), "events": sum(counts.values()), "types": dict(counts), "statuses": dict(statuses)}
