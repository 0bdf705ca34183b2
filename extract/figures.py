"""trade_figures: placeholder component (filled in by issue 6)."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("figures"):
    Doc.set_extension("figures", default=None)


@Language.factory("trade_figures", default_config={})
def make_trade_figures(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        doc._.figures = []
        return doc

    return component


def add_to_pipeline(nlp: Language) -> None:
    """Add this module's pipes to `nlp` (called by extract.nlp.load_pipeline)."""
    nlp.add_pipe("trade_figures", last=True)
