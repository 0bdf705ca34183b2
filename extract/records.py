"""Doc → the GUIDELINES record shape (the JSONL contract of `tradewatch extract --jsonl`)."""
from __future__ import annotations

from spacy.tokens import Doc


def doc_to_record(doc: Doc) -> dict:
    return {
        "figures": list(doc._.figures),
        "companies": list(doc._.companies),
        "events": list(doc._.events),
    }
