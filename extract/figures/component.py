"""Money, percent and physical-quantity figures (GUIDELINES "Figures").

Two pipes:
- `figure_ruler` (before `ner`): finds the figures with `FigureFinder` and sets them as
  MONEY / PERCENT / QUANTITY entities, so the NER builds around them ("200bn" is not
  an ORG, "Dlrs" not a PERSON); keeps every mention in `doc.spans["figures"]`.
- `trade_figures` (after `ner`): adds direction, measure and period to each mention and
  sets `doc._.figures`, one dict per distinct (kind, unit, value) of the article. It
  also tidies the NER's number entities: hedges left beside a figure ("more than",
  "as high as") and DATEs with no time in them ("covid-19") are dropped.
"""
from __future__ import annotations

import functools

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extract.figures.context import FigureContext
from extract.figures.finder import Amount, FigureFinder
from extract.figures.lexicon import DEFAULT_PATHS, FigureLexicon
from extract.sentences import expanded_spans, sentence_of_span

SPAN_KEY = "figures"
LABELS = {"money": "MONEY", "percent": "PERCENT", "quantity": "QUANTITY"}
NUMBER_LABELS = {"MONEY", "PERCENT", "QUANTITY", "CARDINAL"}

if not Doc.has_extension("figures"):
    Doc.set_extension("figures", default=None)
if not Doc.has_extension("figure_mentions"):
    Doc.set_extension("figure_mentions", default=None)

LEXICON_CONFIG = {f"{name}_path": path for name, path in DEFAULT_PATHS.items()}


@functools.lru_cache(maxsize=8)
def _lexicon(**paths: str) -> FigureLexicon:
    return FigureLexicon.load(**{name.removesuffix("_path"): path for name, path in paths.items()})


def _number(value: float) -> float | int:
    value = float(f"{value:.12g}")  # 8.14 * 1e9 is 8140000000.000001 in binary
    return int(value) if value.is_integer() else value


def find_mentions(doc: Doc, finder: FigureFinder) -> list[dict]:
    """Every figure mention in the doc, in text order (repeats included)."""
    mentions = []
    text = doc.text  # spaCy rebuilds doc.text on every access: read it once
    for amount in finder.find(doc, text):
        mentions.append({
            "text": text[amount.start:amount.end],
            "kind": amount.kind,
            "value": _number(amount.value),
            "unit": _unit(amount),
            "scale": finder.lex.scale_names.get(amount.scale) if amount.scale else None,
            "start": amount.start,
            "end": amount.end,
        })
    return mentions


def _unit(amount: Amount) -> str:
    if amount.kind == "money":
        return amount.currency.code if amount.currency else "USD"
    return amount.unit or ""


class FigureRuler:
    """Finds figures before the NER runs and hands them to it as fixed entities."""

    def __init__(self, nlp: Language, name: str, set_ents: bool, **paths: str):
        self.name = name
        self.set_ents = set_ents
        self.paths = paths
        self.finder = FigureFinder(_lexicon(**paths))

    def initialize(self, get_examples=None, *, nlp=None, **paths: str) -> None:
        self.paths = {**self.paths, **paths}
        self.finder = FigureFinder(_lexicon(**self.paths))

    def __call__(self, doc: Doc) -> Doc:
        mentions = find_mentions(doc, self.finder)
        doc._.figure_mentions = mentions
        spans = expanded_spans(doc, [(m["start"], m["end"], LABELS[m["kind"]]) for m in mentions])
        spans = [s for s in spans if s is not None]
        doc.spans[SPAN_KEY] = spans
        if self.set_ents and spans:
            mine = filter_spans(spans)
            taken = {i for span in mine for i in range(span.start, span.end)}
            kept = [e for e in doc.ents if not any(i in taken for i in range(e.start, e.end))]
            doc.set_ents(sorted(mine + kept, key=lambda s: s.start), default="unmodified")
        return doc


class TradeFigures:
    """doc._.figures: one record per distinct figure, with direction, measure and period."""

    def __init__(self, nlp: Language, name: str, dedupe: bool, **paths: str):
        self.name = name
        self.dedupe = dedupe
        self.paths = paths
        lexicon = _lexicon(**paths)
        self.finder = FigureFinder(lexicon)
        self.context = FigureContext(lexicon)

    def initialize(self, get_examples=None, *, nlp=None, **paths: str) -> None:
        self.paths = {**self.paths, **paths}
        lexicon = _lexicon(**self.paths)
        self.finder, self.context = FigureFinder(lexicon), FigureContext(lexicon)

    def __call__(self, doc: Doc) -> Doc:
        mentions = doc._.figure_mentions
        if mentions is None:  # figure_ruler not in the pipeline: find them here
            mentions = find_mentions(doc, self.finder)
            doc._.figure_mentions = mentions
        spans = expanded_spans(doc, [(m["start"], m["end"], LABELS[m["kind"]]) for m in mentions])
        if SPAN_KEY not in doc.spans:
            doc.spans[SPAN_KEY] = [s for s in spans if s is not None]
        figure_tokens = {i for s in spans if s is not None for i in range(s.start, s.end)}
        figures, seen = [], set()
        for mention, span in zip(mentions, spans):
            key = (mention["kind"], mention["unit"], round(float(mention["value"]), 6))
            if self.dedupe and key in seen:
                continue
            seen.add(key)
            figure = dict(mention)
            figure["sentence"] = sentence_of_span(span).text.strip() if span is not None else ""
            figure.update(self._describe(span, figure_tokens))
            figures.append(figure)
        doc._.figures = figures
        self._drop_false_dates(doc)
        if spans:
            self._drop_stray_number_ents(doc, [s for s in spans if s is not None])
        return doc

    def _drop_false_dates(self, doc: Doc) -> None:
        """The small model tags words like "covid-19" DATE; a DATE with no time word or year goes."""
        ents = doc.ents  # built anew on every access
        kept = [e for e in ents if e.label_ != "DATE" or self.context.is_time(e.text)]
        if len(kept) != len(ents):
            doc.set_ents(kept, default="outside")

    @staticmethod
    def _drop_stray_number_ents(doc: Doc, spans: list[Span]) -> None:
        """The NER, built around our fixed figures, leaves their hedges as entities of
        their own ("more than" MONEY, "a record" MONEY): drop those number-less leftovers."""
        edges = {s.start for s in spans} | {s.end for s in spans}
        inside = {i for s in spans for i in range(s.start, s.end)}
        ents = doc.ents
        kept = [e for e in ents
                if not (e.label_ in NUMBER_LABELS and (e.end in edges or e.start in edges)
                        and not any(i in inside for i in range(e.start, e.end))
                        and not any(t.like_num for t in e))]
        if len(kept) != len(ents):
            doc.set_ents(kept, default="outside")

    def _describe(self, span: Span | None, figure_tokens: set[int]) -> dict:
        if span is None:
            return {"direction": None, "measure": None, "period": None}
        return self.context.describe(span, figure_tokens)


@Language.factory("figure_ruler", default_config={"set_ents": True, **LEXICON_CONFIG})
def make_figure_ruler(
    nlp: Language, name: str, set_ents: bool, currencies_path: str, currency_countries_path: str,
    scales_path: str, units_path: str, number_words_path: str, cues_path: str,
) -> FigureRuler:
    return FigureRuler(nlp, name, set_ents, currencies_path=currencies_path,
                       currency_countries_path=currency_countries_path, scales_path=scales_path,
                       units_path=units_path, number_words_path=number_words_path, cues_path=cues_path)


@Language.factory("trade_figures", default_config={"dedupe": True, **LEXICON_CONFIG})
def make_trade_figures(
    nlp: Language, name: str, dedupe: bool, currencies_path: str, currency_countries_path: str,
    scales_path: str, units_path: str, number_words_path: str, cues_path: str,
) -> TradeFigures:
    return TradeFigures(nlp, name, dedupe, currencies_path=currencies_path,
                        currency_countries_path=currency_countries_path, scales_path=scales_path,
                        units_path=units_path, number_words_path=number_words_path, cues_path=cues_path)


def add_to_pipeline(nlp: Language) -> None:
    """Add this module's pipes to `nlp` (called by extract.nlp.load_pipeline)."""
    if "figure_ruler" not in nlp.pipe_names:
        if "ner" in nlp.pipe_names:
            nlp.add_pipe("figure_ruler", before="ner")
        else:
            nlp.add_pipe("figure_ruler", last=True)
    if "trade_figures" not in nlp.pipe_names:
        nlp.add_pipe("trade_figures", last=True)
