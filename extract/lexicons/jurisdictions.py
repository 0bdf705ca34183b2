"""trade_jurisdictions: marks countries, blocs and multilateral bodies as `doc.spans["jurisdictions"]`.

Each span's label is the jurisdiction code (ISO 3166-1 alpha-2, "EU" or "INTL") and its
`id_` the kind of mention (name, demonym, capital, bloc, body, government, leader), so
later components can tell "Japan" from "Japanese imports" from "Tokyo said".
Names come from the one country lookup, `core.countries` (pycountry plus
core/data/jurisdictions.csv: demonyms, capitals, blocs, bodies, and `ignore` rows that
block a wrong reading such as "Latin America").
"""
from __future__ import annotations

import re

import numpy
from spacy.attrs import IS_SPACE, ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from core.countries import IGNORE, Alias, aliases

# Tokens such as "U.S.-Japanese" or "JAPAN/U.S." name two jurisdictions at once.
_COMPOUND_SPLIT = re.compile(r"[-/]")


def space_tolerant(pattern: list[dict]) -> list[dict]:
    """Let a token pattern match across line breaks: wire text wraps "General\nAgreement"."""
    tolerant: list[dict] = []
    for index, token in enumerate(pattern):
        if index:
            tolerant.append({"IS_SPACE": True, "OP": "?"})  # the tokenizer keeps a run of spaces in one token
        tolerant.append(token)
    return tolerant


def without_spaces(doc: Doc, matchers) -> list[tuple[int, int, int]]:
    """Phrase matches on the doc with its whitespace tokens left out, as (key, start, end) in
    the doc's own token offsets: wire text wraps names ("General\nAgreement") and the
    PhraseMatcher, unlike a token Matcher with optional-space steps, stays fast."""
    # token flags read in one C pass: a Python loop over a long doc's tokens costs more than the match
    flags = doc.to_array([ORTH, IS_SPACE]) if len(doc) else None
    if flags is None or not flags[:, 1].any():
        shadow, keep = doc, list(range(len(doc)))
    else:
        strings = doc.vocab.strings
        words = flags[:, 1] == 0
        keep = numpy.flatnonzero(words).tolist()
        shadow = Doc(doc.vocab, words=[strings[orth] for orth in flags[words, 0].tolist()])
    found = []
    for matcher in matchers:
        found.extend((key, keep[start], keep[end - 1] + 1) for key, start, end in matcher(shadow))
    return found


class JurisdictionFinder:
    def __init__(self, nlp: Language, aliases: list[Alias], spans_key: str):
        self.spans_key = spans_key
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.anycase = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.by_text: dict[str, Alias] = {}
        self.by_key: dict[str, Alias] = {}
        for index, alias in enumerate(aliases):
            key = f"J{index}"
            self.by_key[key] = alias
            if alias.exact:
                # As written, in a wire headline's capitals, or starting a sentence ("The Community").
                text = alias.text
                forms = {text, text.upper(), text[:1].upper() + text[1:]}
                self.exact.add(key, [nlp.make_doc(form) for form in sorted(forms)])
                for variant in (text, text.upper()):
                    self.by_text.setdefault(variant, alias)
            else:
                self.anycase.add(key, [nlp.make_doc(alias.text)])
                self.by_text.setdefault(alias.text.lower(), alias)

    def _lookup(self, text: str) -> Alias | None:
        return self.by_text.get(text) or self.by_text.get(text.lower())

    def __call__(self, doc: Doc) -> Doc:
        candidates = []
        for match_id, start, end in without_spaces(doc, (self.exact, self.anycase)):
            alias = self.by_key[doc.vocab.strings[match_id]]
            candidates.append(Span(doc, start, end, label=alias.code or IGNORE, span_id=alias.kind))
        covered = set()
        spans = []
        for span in filter_spans(candidates):
            covered.update(range(span.start, span.end))
            if span.label_ != IGNORE:
                spans.append(span)
        for token in doc:
            if token.i in covered or not _COMPOUND_SPLIT.search(token.text):
                continue
            for part in _COMPOUND_SPLIT.split(token.text):
                alias = self._lookup(part) if part else None
                if alias and alias.code:
                    spans.append(Span(doc, token.i, token.i + 1, label=alias.code, span_id=alias.kind))
        spans.sort(key=lambda s: (s.start, s.end))
        doc.spans[self.spans_key] = spans
        return doc


@Language.factory("trade_jurisdictions", default_config={"spans_key": "jurisdictions"})
def make_trade_jurisdictions(nlp: Language, name: str, spans_key: str):
    return JurisdictionFinder(nlp, list(aliases()), spans_key)
