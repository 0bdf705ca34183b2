"""From windows to events, with the learned models (the same code at training and run time).

    1. types    each window: which measure types it states (multi-label, `types` model)
    2. actors   each (window, type): which jurisdiction acts (`actors` model over candidates)
    3. pairs    each (type, actor) of the article: is it a measure the article reports (`pairs` model
                over what steps 1–2 found for it, article-wide) — the unit the GUIDELINES score
    4. status   each kept measure: how far it has got (`statuses`, over its windows)
    5. targets  each kept measure: whom it hits (`targets`, over the jurisdictions in its windows)
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy

from extract.events import features as F
from extract.linear import LinearModel
from extract.events.windows import Window
from extract.sentences import ents_near

# Windows below this type probability are not looked at further (work, not judgement: the pair
# model decides what is kept, and it is trained on what passes this bar).
CANDIDATE_TYPE_P = 0.15
CANDIDATE_ACTOR_P = 0.05


@dataclass
class Mention:
    window: Window
    type: str
    type_p: float
    actor: str
    actor_p: float
    source: str

    @property
    def joint(self) -> float:
        return self.type_p * self.actor_p


@dataclass
class Models:
    types: LinearModel
    actors: LinearModel
    pairs: LinearModel
    statuses: LinearModel
    targets: LinearModel
    counts: LinearModel | None = None
    pair_threshold: float = 0.5
    target_threshold: float = 0.5
    extra: dict = field(default_factory=dict)


def window_type_probabilities(windows: list[Window], model: LinearModel) -> list[dict[str, float]]:
    rows = [F.type_features(w, *F.neighbours(windows, w)) for w in windows]
    return [dict(zip(model.labels, probs.tolist())) for probs in model.predict(rows)]


def find_mentions(windows: list[Window], type_probs: list[dict[str, float]], model: LinearModel,
                  counts: Counter, headline_codes: set[str]) -> list[Mention]:
    rows, keys = [], []
    for window, probs in zip(windows, type_probs):
        kinds = [(t, p) for t, p in probs.items() if p >= CANDIDATE_TYPE_P]
        if not kinds:
            continue
        candidates = F.actor_candidates(windows, window, counts)
        for event_type, p in kinds:
            for candidate in candidates:
                rows.append(F.actor_features(candidate, window, event_type, counts, headline_codes))
                keys.append((window, event_type, p, candidate))
    mentions = []
    if rows:
        for (window, event_type, p, candidate), actor_p in zip(keys, _actor_probabilities(model, rows, keys)):
            if actor_p >= CANDIDATE_ACTOR_P:
                mentions.append(Mention(window, event_type, p, candidate.code, actor_p, candidate.source))
    return mentions


def _actor_probabilities(model: LinearModel, rows: list[F.Features], keys: list[tuple]) -> list[float]:
    """A ranking model's scores become probabilities over the candidates of one (window, type);
    a binary model's are read one by one."""
    if model.kind != "ranking":
        return model.predict(rows)[:, 0].tolist()
    scores = model.scores(rows)[:, 0]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, (window, event_type, _, _) in enumerate(keys):
        groups[(window.index, event_type)].append(index)
    out = [0.0] * len(rows)
    for indexes in groups.values():
        values = numpy.exp(scores[indexes] - scores[indexes].max())
        for index, value in zip(indexes, values / values.sum()):
            out[index] = float(value)
    return out


def pair_features(group: list[Mention], event_type: str, actor: str, counts: Counter, headline_codes: set[str],
                  type_probs: list[dict[str, float]], rivals: dict[str, float], windows: list[Window]) -> F.Features:
    """What the article says for one (type, actor); `rivals`: every actor proposed for this type
    with its summed score, so an actor is judged against the others it competes with."""
    joints = sorted((m.joint for m in group), reverse=True)
    total = sum(counts.values()) or 1
    ranked = [c for c, _ in counts.most_common(3)]
    windows_of_type = sum(1 for probs in type_probs if probs.get(event_type, 0.0) >= 0.5)
    best = max(group, key=lambda m: m.joint)
    mine = sum(joints)
    others = [score for code, score in rivals.items() if code != actor]
    rank = 1 + sum(1 for score in others if score > mine)
    features = {
        "max_joint": joints[0], "second_joint": joints[1] if len(joints) > 1 else 0.0,
        "max_type": max(m.type_p for m in group), "max_actor": max(m.actor_p for m in group),
        "sum_joint": min(mine, 3.0) / 3.0, f"mentions={F._bucket(len(group))}": 1.0,
        f"type={event_type}": 1.0, f"best_source={best.source}": 1.0,
        "article_share": counts.get(actor, 0) / total,
        f"type_windows={F._bucket(windows_of_type)}": 1.0,
        "share_of_type": mine / (mine + sum(others)) if mine + sum(others) else 0.0,
        f"rank_in_type={min(rank, 3)}": 1.0,
        "lead_over_rivals": max(-1.0, min(1.0, mine - max(others, default=0.0))),
    }
    if actor in ranked:
        features[f"article_rank={ranked.index(actor) + 1}"] = 1.0
    if actor in headline_codes:
        features["actor_in_headline"] = 1.0
    if any(m.window.headline for m in group):
        features["stated_in_headline"] = 1.0
    if actor in ("INTL", "EU"):
        features[f"actor={actor}"] = 1.0
        features[f"actor={actor}|{event_type}"] = 1.0
    features[f"type={event_type}|max_joint"] = joints[0]
    cues = sum(1 for w in windows for c in w.cues if c.label_ == event_type)
    features[f"type_cues={F._bucket(cues)}"] = 1.0
    if windows and windows[0].headline:
        features["headline_type_p"] = type_probs[0].get(event_type, 0.0)
    features.update(_role_profile(windows, type_probs, event_type, actor))
    return features


# What a jurisdiction's mentions say about it, summed over the windows that state a type.
_ROLE_KEYS = ("dep=", "prep=", "kind=", "subject", "attached_to_cue", "before_cue")


def _role_profile(windows: list[Window], type_probs: list[dict[str, float]], event_type: str,
                  actor: str) -> F.Features:
    profile: dict[str, float] = defaultdict(float)
    for window, probs in zip(windows, type_probs):
        p = probs.get(event_type, 0.0)
        if p < 0.3:
            continue
        for place in window.places:
            if place.label_ != actor:
                continue
            for name, value in F.mention_features(place, window, "").items():
                if value and name.startswith(_ROLE_KEYS):
                    profile[f"role|{name}"] += p * value
    return {name: min(value, 3.0) / 3.0 for name, value in profile.items()}


def pair_rows_of(groups: dict[tuple[str, str], list[Mention]], counts: Counter, headline_codes: set[str],
                 type_probs: list[dict[str, float]], windows: list[Window]) -> tuple[list[tuple[str, str]], list[F.Features]]:
    by_type: dict[str, dict[str, float]] = defaultdict(dict)
    for (event_type, actor), group in groups.items():
        by_type[event_type][actor] = sum(m.joint for m in group)
    keys = list(groups)
    rows = [pair_features(groups[k], k[0], k[1], counts, headline_codes, type_probs, by_type[k[0]], windows)
            for k in keys]
    return keys, rows


def count_features(group: list[Mention], event_type: str) -> F.Features:
    """How many distinct measures one (type, actor) may stand for: the article's different
    supporting sentences, cue words, goods and rates ("25% on steel and 10% on aluminium")."""
    windows = list(dict.fromkeys(m.window for m in group if m.joint >= 0.2))
    heads = {c[-1].lemma_.lower() for w in windows for c in w.cues if c.label_ == event_type}
    rates = {" ".join(e.text.split()) for w in windows for e in ents_near(w.span.doc, w.start, w.end)
             if e.label_ in ("PERCENT", "MONEY")}
    nouns = {t.lemma_.lower() for w in windows for c in w.cues for t in w.span.doc[c.end:min(c.end + 4, w.end)]
             if t.pos_ == "NOUN"}
    return {f"type={event_type}": 1.0, f"windows={F._bucket(len(windows))}": 1.0,
            f"cue_heads={F._bucket(len(heads))}": 1.0, f"rates={F._bucket(len(rates))}": 1.0,
            f"goods={F._bucket(len(nouns))}": 1.0, "headline": float(any(w.headline for w in windows)),
            f"type={event_type}|windows={F._bucket(len(windows))}": 1.0}


def _measures(group: list[Mention], event_type: str, models: Models) -> int:
    if models.counts is None:
        return 1
    probs = models.counts.predict_one(count_features(group, event_type))
    return int(max(probs, key=probs.get))


def _split_support(support: list[Window], n: int) -> list[list[Window]]:
    """n evidence lists for n measures of one (type, actor): the best windows first, each measure
    led by a different supporting window."""
    if n <= 1 or len(support) < 2:
        return [support]
    n = min(n, len(support))
    return [[support[i], *[w for j, w in enumerate(support) if j != i]] for i in range(n)]


def group_mentions(mentions: list[Mention]) -> dict[tuple[str, str], list[Mention]]:
    groups: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for mention in mentions:
        groups[(mention.type, mention.actor)].append(mention)
    return groups


def infer(windows: list[Window], models: Models) -> list[dict]:
    """The article's events: [{"type", "actor", "targets", "status", "confidence", "windows"}]
    (windows: the supporting ones, best first; the component turns them into evidence)."""
    if not windows:
        return []
    counts = F.count_places(windows)
    headline_codes = {p.label_ for p in windows[0].places} if windows[0].headline else set()
    type_probs = window_type_probabilities(windows, models.types)
    mentions = find_mentions(windows, type_probs, models.actors, counts, headline_codes)
    groups = group_mentions(mentions)
    if not groups:
        return []
    keys, rows = pair_rows_of(groups, counts, headline_codes, type_probs, windows)
    column = models.pairs.labels.index("event")
    kept = [(k, float(p[column])) for k, p in zip(keys, models.pairs.predict(rows)) if p[column] >= models.pair_threshold]
    events = []
    for (event_type, actor), score in kept:
        group = sorted(groups[(event_type, actor)], key=lambda m: -m.joint)
        support = list(dict.fromkeys(m.window for m in group))
        for windows_of_one in _split_support(support, _measures(group, event_type, models)):
            status = models.statuses.predict_one(F.status_features(windows_of_one, event_type))
            events.append({
                "type": event_type, "actor": actor, "status": max(status, key=status.get),
                "targets": _targets(windows_of_one, event_type, actor, models), "confidence": round(score, 3),
                "windows": windows_of_one,
            })
    events.sort(key=lambda e: e["windows"][0].start)
    return events


def _targets(support: list[Window], event_type: str, actor: str, models: Models) -> list[str]:
    spans: dict[str, list] = defaultdict(list)
    home: dict[str, Window] = {}            # the first supporting window naming each jurisdiction
    for window in support[:3]:
        for place in window.places:
            if place.label_ != actor and home.setdefault(place.label_, window) is window:
                spans[place.label_].append(place)
    if not spans:
        return []
    codes = list(spans)
    rows = [F.target_features(code, spans[code], home[code], event_type, actor) for code in codes]
    column = models.targets.labels.index("target")
    return sorted(code for code, p in zip(codes, models.targets.predict(rows)) if p[column] >= models.target_threshold)
