"""trade_events: placeholder component (filled in by issue 6)."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("events"):
    Doc.set_extension("events", default=None)


@Language.factory("trade_events", default_config={})
def make_trade_events(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        doc._.events = []
        return doc

    return component


def add_to_pipeline(nlp: Language) -> None:
    """Add this module's pipes to `nlp` (called by extract.nlp.load_pipeline)."""
    nlp.add_pipe("trade_events", last=True)
