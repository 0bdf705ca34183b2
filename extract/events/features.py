"""Features of windows, actor candidates, statuses and targets, named as strings.

The same functions serve training (training/events.py) and extraction (component.py), so a
model sees at run time exactly what it was fitted on. Words come from the text; knowledge comes
from the data files through the cue and jurisdiction spans (which cue type, which kind of
mention: name, demonym, government, leader …); roles come from the dependency parse.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from extract.events.windows import Window
from extract.sentences import ents_near

Features = dict[str, float]
MODALS = frozenset({"will", "would", "could", "may", "might", "should", "shall", "must", "can"})
# Dependency labels that say a noun is the one acting on the verb.
SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "agent", "expl"})


def _word(token: Token) -> str | None:
    if token.is_space or token.is_punct:
        return None
    if token.like_num:
        return "#num"
    if token.text in ("%", "$", "€", "£", "¥"):
        return token.text
    if not any(ch.isalpha() for ch in token.text):
        return None
    return token.lemma_.lower()


def _bucket(n: int) -> str:
    return "0" if n <= 0 else "1" if n == 1 else "2" if n == 2 else "3-4" if n <= 4 else "5+"


def window_words(window: Window) -> list[str]:
    return [w for w in (_word(t) for t in window.span) if w]


# --- what a window is about: event types ---------------------------------------------------------


def type_features(window: Window, previous: Window | None, following: Window | None = None,
                  headline: Window | None = None) -> Features:
    words = window_words(window)
    features: Features = {f"w={w}": 1.0 for w in words}
    for a, b in zip(words, words[1:]):
        features[f"b={a}_{b}"] = 1.0
    for cue in window.cues:
        features[f"cue={cue.label_}"] = 1.0
        features[f"cue={cue.label_}/{cue.id_}"] = 1.0
        features[f"cue_lemma={cue.label_}/{cue[-1].lemma_.lower()}"] = 1.0
    for status in window.statuses:
        features[f"status_cue={status.label_}"] = 1.0
    kinds = Counter(p.id_ for p in window.places)
    for kind, n in kinds.items():
        features[f"place={kind}"] = 1.0
    features[f"places={_bucket(len(window.places))}"] = 1.0
    labels = {e.label_ for e in ents_near(window.span.doc, window.start, window.end)}
    for label in labels & {"MONEY", "PERCENT", "QUANTITY", "ORG", "PERSON", "DATE", "LAW"}:
        features[f"ent={label}"] = 1.0
    if window.headline:
        features["headline"] = 1.0
    if previous is not None:
        for cue in previous.cues:
            features[f"prev_cue={cue.label_}"] = 1.0
    if following is not None:
        for cue in following.cues:
            features[f"next_cue={cue.label_}"] = 1.0
    if headline is not None and headline is not window:
        for cue in headline.cues:
            features[f"headline_cue={cue.label_}"] = 1.0
    features["bias_len"] = min(len(words), 60) / 60.0
    return features


def neighbours(windows: list[Window], window: Window) -> tuple[Window | None, Window | None, Window | None]:
    """(previous, following, headline) of a window, as type_features reads them."""
    previous = windows[window.index - 1] if window.index else None
    following = windows[window.index + 1] if window.index + 1 < len(windows) else None
    headline = windows[0] if windows and windows[0].headline else None
    return previous, following, headline


# --- who acts: actor candidates ------------------------------------------------------------------


@dataclass
class Candidate:
    code: str
    spans: list[Span]            # its mentions inside the window (empty: from the context)
    source: str                  # window | previous | headline | article


def _governing_preposition(token: Token) -> str | None:
    head = token.head
    if token.dep_ == "pobj" and head.dep_ == "prep":
        return head.lower_
    if token.dep_ in ("compound", "amod", "poss", "nmod") and head.dep_ == "pobj" and head.head.dep_ == "prep":
        return head.head.lower_
    return None


def _root_verb(token: Token) -> Token:
    """The verb a token hangs from (the sentence root when none): "Japan imposed tariffs" → imposed."""
    for _ in range(50):                      # a parse is a tree; the bound only guards odd input
        if token.head.i == token.i or token.pos_ in ("VERB", "AUX"):
            break
        token = token.head
    return token


def _ancestors(token: Token, limit: int = 12) -> list[Token]:
    chain = [token]
    while chain[-1].head.i != chain[-1].i and len(chain) < limit:
        chain.append(chain[-1].head)
    return chain


def dependency_path(a: Token, b: Token) -> tuple[str, str, int] | None:
    """The parse path from `a` up to the lowest common head and down to `b`: dependency labels
    with direction ("poss↑ compound↑ | ↓dobj"), that head's lemma, and the path's length."""
    up, down = _ancestors(a), _ancestors(b)
    down_index = {t.i: n for n, t in enumerate(down)}
    for n, token in enumerate(up):
        if token.i in down_index:
            m = down_index[token.i]
            labels = [t.dep_ + "↑" for t in up[:n]] + ["|"] + ["↓" + t.dep_ for t in reversed(down[:m])]
            return " ".join(labels), token.lemma_.lower(), n + m
    return None


def path_features(span: Span, window: Window, prefix: str) -> Features:
    """How a jurisdiction hangs from the nearest measure cue in the parse ("Japan imposed tariffs":
    nsubj↑ | ↓dobj via "impose"; "tariffs on Japanese cars": amod↑ pobj↑ prep↑ |)."""
    best = None
    for cue in window.cues:
        path = dependency_path(span.root, cue.root)
        if path is not None and path[2] <= 6 and (best is None or path[2] < best[2]):
            best = path
    if best is None:
        return {}
    labels, head, _ = best
    return {f"{prefix}path={labels}": 1.0, f"{prefix}path_head={head}": 1.0, f"{prefix}path+head={labels}/{head}": 1.0}


def mention_features(span: Span, window: Window, prefix: str) -> Features:
    """How one mention of a jurisdiction sits in its window (kind, syntax, place)."""
    root = span.root
    features: Features = {f"{prefix}kind={span.id_}": 1.0, f"{prefix}dep={root.dep_}": 1.0,
                          f"{prefix}head={root.head.lemma_.lower()}": 1.0}
    preposition = _governing_preposition(root)
    if preposition:
        features[f"{prefix}prep={preposition}"] = 1.0
    if root.dep_ in SUBJECTS or (root.dep_ in ("compound", "poss", "amod") and root.head.dep_ in SUBJECTS):
        features[f"{prefix}subject"] = 1.0
    if root.dep_ in ("poss", "compound", "amod"):
        features[f"{prefix}modifies={root.head.lemma_.lower()}"] = 1.0
    cues = window.cues
    if cues:
        distance = min(abs(c.start - span.end) if c.start >= span.end else abs(span.start - c.end) for c in cues)
        features[f"{prefix}cue_distance={_bucket(distance // 3)}"] = 1.0
        features[f"{prefix}before_cue"] = 1.0 if span.end <= cues[0].start else 0.0
        # the jurisdiction is the subject of the verb the cue hangs from: "Japan imposed tariffs"
        verbs = {_root_verb(c.root).i for c in cues}
        if root.dep_ in SUBJECTS and _root_verb(root).i in verbs:
            features[f"{prefix}subject_of_cue_verb"] = 1.0
        if root.head.i in {t.i for c in cues for t in c}:
            features[f"{prefix}attached_to_cue"] = 1.0
    if window.places and window.places[0].start == span.start:
        features[f"{prefix}first_place"] = 1.0
    features.update(path_features(span, window, prefix))
    return features


def actor_candidates(windows: list[Window], window: Window, article_counts: Counter) -> list[Candidate]:
    """Jurisdictions in the window, then those of the previous window, the headline and the
    article's most named one (an actor named earlier is often not repeated)."""
    found: dict[str, Candidate] = {}
    for place in window.places:
        found.setdefault(place.label_, Candidate(place.label_, [], "window")).spans.append(place)
    context = []
    if window.index > 0:
        context.append(("previous", windows[window.index - 1].places))
    if windows and windows[0].headline and window.index != 0:
        context.append(("headline", windows[0].places))
    for source, places in context:
        for place in places:
            found.setdefault(place.label_, Candidate(place.label_, [], source))
    for code, _ in article_counts.most_common(2):
        found.setdefault(code, Candidate(code, [], "article"))
    return list(found.values())


def actor_features(candidate: Candidate, window: Window, event_type: str, article_counts: Counter,
                   headline_codes: set[str]) -> Features:
    features: Features = {f"source={candidate.source}": 1.0, f"type={event_type}|source={candidate.source}": 1.0}
    for span in candidate.spans[:3]:
        for name, value in mention_features(span, window, "").items():
            features[name] = max(features.get(name, 0.0), value)
            features[f"{event_type}|{name}"] = max(features.get(f"{event_type}|{name}", 0.0), value)
    features[f"in_window={_bucket(len(candidate.spans))}"] = 1.0
    others = {p.label_ for p in window.places} - {candidate.code}
    features[f"other_places={_bucket(len(others))}"] = 1.0
    total = sum(article_counts.values()) or 1
    features["article_share"] = article_counts.get(candidate.code, 0) / total
    ranked = [code for code, _ in article_counts.most_common(3)]
    if candidate.code in ranked:
        features[f"article_rank={ranked.index(candidate.code) + 1}"] = 1.0
    if candidate.code in headline_codes:
        features["in_headline"] = 1.0
    if candidate.code == "INTL":
        features[f"intl|{event_type}"] = 1.0
    if candidate.code == "EU":
        features[f"eu|{event_type}"] = 1.0
    return features


# --- how far a measure has got: status -------------------------------------------------------------


def status_features(windows: list[Window], event_type: str) -> Features:
    features: Features = {f"type={event_type}": 1.0}
    for n, window in enumerate(windows[:4]):
        weight = 1.0 if n == 0 else 0.5
        for cue in window.statuses:
            features[f"status_cue={cue.label_}"] = max(features.get(f"status_cue={cue.label_}", 0.0), weight)
            features[f"{event_type}|status_cue={cue.label_}"] = max(
                features.get(f"{event_type}|status_cue={cue.label_}", 0.0), weight)
        words = window_words(window)
        for w in words:
            features[f"w={w}"] = max(features.get(f"w={w}", 0.0), weight)
        for a, b in zip(words, words[1:]):
            features[f"b={a}_{b}"] = max(features.get(f"b={a}_{b}", 0.0), weight)
        for token in window.span:
            if token.tag_ in ("VBD", "VBN", "VBZ", "VBP", "VBG", "MD", "VB") and token.dep_ in ("ROOT", "aux", "auxpass", "ccomp", "xcomp", "conj"):
                features[f"tag={token.tag_}"] = max(features.get(f"tag={token.tag_}", 0.0), weight)
            if token.lower_ in MODALS:
                features[f"modal={token.lower_}"] = max(features.get(f"modal={token.lower_}", 0.0), weight)
            if token.dep_ == "neg":
                features["negated"] = max(features.get("negated", 0.0), weight)
        if window.headline:
            features["headline"] = 1.0
        if n < 2:
            for name, value in _cue_verb_features(window, event_type).items():
                features[name] = max(features.get(name, 0.0), value * weight)
    # The same verb means different stages for different measures ("agreed" talks vs "agreed" curbs).
    for name in [k for k in features if k.startswith(("verb", "near=", "modal=", "tag="))]:
        features[f"{event_type}|{name}"] = features[name]
    return features


def _cue_verb_features(window: Window, event_type: str) -> Features:
    """What is being done to the measure: the verb its cue hangs from ("lifted the ban", "will
    impose tariffs", "proposed a quota"), that verb's auxiliaries and negation, and the words
    right around the cue."""
    features: Features = {}
    cues = [c for c in window.cues if c.label_ == event_type] or window.cues
    doc = window.span.doc
    for cue in cues[:2]:
        verb = _root_verb(cue.root)
        features[f"verb={verb.lemma_.lower()}"] = 1.0
        features[f"verb_tag={verb.tag_}"] = 1.0
        for child in verb.children:
            if child.dep_ in ("aux", "auxpass", "neg", "prt"):
                features[f"verb_{child.dep_}={child.lower_}"] = 1.0
        if verb.head.i != verb.i and verb.dep_ in ("xcomp", "ccomp", "advcl"):
            features[f"verb_governor={verb.head.lemma_.lower()}"] = 1.0
        for token in doc[max(window.start, cue.start - 4):min(window.end, cue.end + 4)]:
            word = _word(token)
            if word:
                features[f"near={word}"] = 1.0
    return features


# --- whom it hits: targets ----------------------------------------------------------------------


def target_features(span_code: str, spans: list[Span], window: Window, event_type: str, actor: str) -> Features:
    features: Features = {f"type={event_type}": 1.0}
    for span in spans[:3]:
        for name, value in mention_features(span, window, "").items():
            features[name] = max(features.get(name, 0.0), value)
            features[f"{event_type}|{name}"] = max(features.get(f"{event_type}|{name}", 0.0), value)
    if span_code in ("INTL",):
        features["intl"] = 1.0
    features[f"same_window_as_actor={int(actor in {p.label_ for p in window.places})}"] = 1.0
    return features


def count_places(windows: list[Window]) -> Counter:
    return Counter(p.label_ for w in windows for p in w.places)


def doc_places(doc: Doc, key: str) -> list[Span]:
    return list(doc.spans.get(key, []))
