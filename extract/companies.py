"""trade_companies: placeholder component (filled in by issue 6)."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("companies"):
    Doc.set_extension("companies", default=None)


@Language.factory("trade_companies", default_config={})
def make_trade_companies(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        doc._.companies = []
        return doc

    return component


def add_to_pipeline(nlp: Language) -> None:
    """Add this module's pipes to `nlp` (called by extract.nlp.load_pipeline)."""
    nlp.add_pipe("trade_companies", last=True)
