"""What a figure is about: its direction (rise/fall), measure (noun phrase) and period.

Works on the tagger's part-of-speech tags and the NER's DATE entities (the pipeline
runs without the parser, so noun phrases are read from tag runs).
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from extract.figures.lexicon import FigureLexicon, first_chars
from extract.sentences import ents_near, sentence_of_span

_NP_TAGS = {"NN", "NNS", "NNP", "NNPS", "JJ", "VBG", "HYPH"}
_NOUN_TAGS = {"NN", "NNS", "NNP", "NNPS"}
_STOP_DIRECTION = {";", ":"}
_LEADING_DET = re.compile(r"^(?:the|this|that|a|an)\s+", re.IGNORECASE)
# How far (in tokens) a measure noun or a period date may stand from its figure.
_MEASURE_WINDOW = 120
_PERIOD_WINDOW = 120


class FigureContext:
    def __init__(self, lexicon: FigureLexicon):
        self.rise = lexicon.cue_set("direction", "rise")
        self.fall = lexicon.cue_set("direction", "fall")
        self.measure_nouns = lexicon.cue_set("measure", "nouns")
        self.skip_nouns = lexicon.cue_set("measure", "skip")
        time_words = lexicon.cue_regex("time", "words") + "|" + lexicon.cue_regex("time", "months")
        # the look-ahead refuses most positions at one character instead of trying every word
        first = first_chars(lexicon.cue_set("time", "words") | lexicon.cue_set("time", "months"))
        self.time_word_re = re.compile(rf"\b(?={first})(?:{time_words})\b|(?<!\d)(?:1[89]|20)\d\d(?!\d)",
                                       re.IGNORECASE)

    def is_time(self, text: str) -> bool:
        """Whether a DATE entity reads as time at all (the NER tags "covid-19" DATE)."""
        return bool(self.time_word_re.search(text))

    def describe(self, span: Span, figure_tokens: set[int]) -> dict:
        return {
            "direction": self.direction(span, figure_tokens),
            "measure": self.measure(span, figure_tokens),
            "period": self.period(span),
        }

    # -- direction -------------------------------------------------------------------
    def _cue(self, token) -> str | None:
        for form in (token.lower_, token.lemma_.lower()):
            if form in self.rise:
                return "rise"
            if form in self.fall:
                return "fall"
        return None

    def direction(self, span: Span, figure_tokens: set[int]) -> str | None:
        doc, sent = span.doc, sentence_of_span(span)
        # A comparative right after wins: "80% higher", "10 pct lower".
        for token in doc[span.end:min(span.end + 2, sent.end)]:
            if token.tag_ in {"JJR", "RBR", "RB", "RP"} and self._cue(token):
                return self._cue(token)
        for i in range(span.start - 1, max(sent.start, span.start - 9) - 1, -1):
            token = doc[i]
            if token.text in _STOP_DIRECTION:
                break
            cue = self._cue(token)
            if cue:
                return cue
        return None

    # -- measure ---------------------------------------------------------------------
    def measure(self, span: Span, figure_tokens: set[int]) -> str | None:
        doc, sent = span.doc, sentence_of_span(span)
        # "40 pct of its annual production": what follows "of" is the measure of a share.
        if span.end < sent.end and doc[span.end].lower_ == "of" and span.label_ == "PERCENT":
            phrase = self._phrase_from(doc, span.end + 1, sent.end, figure_tokens)
            if phrase:
                return phrase
        fallback = None
        for i in range(span.start - 1, max(sent.start, span.start - _MEASURE_WINDOW) - 1, -1):
            token = doc[i]
            if i in figure_tokens or token.tag_ not in _NOUN_TAGS or token.ent_type_ in {"DATE", "GPE", "PERSON"}:
                continue
            lower, lemma = token.lower_, token.lemma_.lower()
            if lower in self.skip_nouns or lemma in self.skip_nouns:
                continue
            if lower in self.measure_nouns or lemma in self.measure_nouns:
                return self._phrase_around(doc, i, sent, figure_tokens)
            if fallback is None:
                fallback = i
        if fallback is not None:
            return self._phrase_around(doc, fallback, sent, figure_tokens)
        return None

    def _phrase_around(self, doc: Doc, head: int, sent: Span, figure_tokens: set[int]) -> str:
        start = head
        while start - 1 >= sent.start and doc[start - 1].tag_ in _NP_TAGS and start - 1 not in figure_tokens \
                and doc[start - 1].ent_type_ not in {"DATE"}:
            start -= 1
        end = head + 1
        while end < sent.end and doc[end].tag_ in _NOUN_TAGS and end not in figure_tokens:
            end += 1
        # "imports of semiconductor equipment": one "of" complement.
        if end + 1 < sent.end and doc[end].lower_ == "of" and doc[end + 1].tag_ in _NP_TAGS | {"DT", "PRP$"}:
            tail = self._phrase_end(doc, end + 1, sent.end, figure_tokens)
            if tail > end + 1:
                end = tail
        while start < end and doc[start].tag_ in {"JJ", "HYPH", "VBG"} and doc[start].lower_ in self.rise | self.fall:
            start += 1
        return doc[start:end].text.strip()

    def _phrase_end(self, doc: Doc, start: int, stop: int, figure_tokens: set[int]) -> int:
        i = start
        while i < stop and doc[i].tag_ in {"DT", "PRP$"}:
            i += 1
        end = i
        while end < stop and doc[end].tag_ in _NP_TAGS and end not in figure_tokens \
                and (doc[end].ent_type_ != "DATE" or doc[end].tag_ == "JJ"):  # "annual grain needs"
            end += 1
        return end if end > i and doc[end - 1].tag_ in _NOUN_TAGS else start

    def _phrase_from(self, doc: Doc, start: int, stop: int, figure_tokens: set[int]) -> str | None:
        end = self._phrase_end(doc, start, stop, figure_tokens)
        if end <= start:
            return None
        i = start
        while i < end and doc[i].tag_ in {"DT", "PRP$"}:
            i += 1
        return doc[i:end].text.strip() or None

    # -- period ----------------------------------------------------------------------
    def period(self, span: Span) -> str | None:
        sent = sentence_of_span(span)
        best, best_distance = None, None
        # A bounded window: a date far from the figure is not its period, and a window keeps it linear.
        for ent in ents_near(span.doc, max(sent.start, span.start - _PERIOD_WINDOW), min(sent.end, span.end + _PERIOD_WINDOW)):
            if ent.label_ != "DATE" or not self.is_time(ent.text):
                continue
            if ent.start < span.end and ent.end > span.start:
                continue
            # Prefer the date after the figure ("rose 5 pct in the first quarter").
            distance = ent.start - span.end if ent.start >= span.end else (span.start - ent.end) + 6
            if best_distance is None or distance < best_distance:
                best, best_distance = ent, distance
        if best is None:
            return None
        return _LEADING_DET.sub("", best.text.strip().replace("\n", " "))
