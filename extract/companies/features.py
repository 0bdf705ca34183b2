"""What the learned company step sees of a group of candidate names (one firm, many forms).

The votes of evidence.py (legal suffix, known organisation, "after 'the ministry of'", person's
name, place …) become features by their kind and their reason; the names themselves by their
shape; their mentions by the words around them and their place in the parse. The model weighs
all of it (extract/companies/model/, `make train`).
"""
from __future__ import annotations

import re
from collections import defaultdict

from spacy.tokens import Doc

from core import countries

Features = dict[str, float]
# The template of a vote's reason: "after 'Ministry of'" → "after", "'bank' in name" → "in name".
_QUOTED = re.compile(r"'[^']*'|(?<!\S)\S+ of \S+$")   # lookbehind: linear on long tokens


def reason_template(why: str) -> str:
    return " ".join(_QUOTED.sub("", why).split())[:40]


def _words_around(span, n: int = 2) -> tuple[list[str], list[str]]:
    doc = span.doc
    left = [t.lower_ for t in doc[max(0, span.start - n):span.start] if not t.is_space]
    right = [t.lower_ for t in doc[span.end:span.end + n] if not t.is_space]
    return left, right


def group_features(group: list, doc: Doc) -> Features:
    features: Features = defaultdict(float)
    forms = {c.text for c in group}
    for candidate in group:
        for kind, strength, why in candidate.votes:
            features[f"vote={kind}"] = max(features[f"vote={kind}"], strength / 3.5)
            features[f"why={kind}|{reason_template(why)}"] = 1.0
        features[f"label={candidate.label}"] = 1.0
        if candidate.ent_id:
            features[f"ruler={candidate.ent_id.split('|')[0][:20]}"] = 1.0
        if candidate.headline:
            features["in_headline"] += 1.0
        span = candidate.span
        root = span.root
        features[f"dep={root.dep_}"] = 1.0
        features[f"head={root.head.lemma_.lower()}"] = 1.0
        left, right = _words_around(span)
        for word in left[-2:]:
            features[f"L={word}"] = 1.0
        for word in right[:2]:
            features[f"R={word}"] = 1.0
        if left:
            features[f"L1={left[-1]}"] = 1.0
        if right:
            features[f"R1={right[0]}"] = 1.0
    best = max(group, key=lambda c: len(c.text))
    words = best.text.split()
    features[f"tokens={min(len(words), 6)}"] = 1.0
    # The name's own words: "… University", "… Motors", "Bank of …" say what kind of body it is.
    lowered = [w.lower().strip(".,") for w in words]
    if lowered:
        features[f"name_first={lowered[0]}"] = 1.0
        features[f"name_last={lowered[-1]}"] = 1.0
        for word in lowered:
            features[f"name_word={word}"] = 1.0
    features[f"forms={min(len(forms), 4)}"] = 1.0
    features[f"mentions={min(len(group), 5)}"] = 1.0
    if all(c.headline for c in group):
        features["headline_only"] = 1.0
    text = best.text
    if text.isupper():
        features["all_caps"] = 1.0
    if any(ch.isdigit() for ch in text):
        features["has_digit"] = 1.0
    if "-" in text:
        features["hyphen"] = 1.0
    if "&" in text:
        features["ampersand"] = 1.0
    if len(text) <= 4 and text.isupper():
        features["acronym"] = 1.0
    features["in_headline"] = min(features.get("in_headline", 0.0), 2.0) / 2.0
    for form in forms:
        kind = _jurisdiction_kinds().get(form.casefold())
        if kind:      # "Reagan", "MITI", "Commerce Department": a government's, not a firm's
            features[f"jurisdiction_alias={kind}"] = 1.0
    return dict(features)


_KINDS: dict[str, str] = {}


def _jurisdiction_kinds() -> dict[str, str]:
    if not _KINDS:
        _KINDS.update({a.text.casefold(): a.kind for a in countries.aliases() if a.code})
    return _KINDS
