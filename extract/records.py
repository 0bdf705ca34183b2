"""Doc → the GUIDELINES record shape (the JSONL contract of `tradewatch extract --jsonl`).

The Doc's text is the title, a blank line, then the article text; offsets in the
record are rebased onto the article text alone (the stored, cleaned text), and a
span found in the title gets `"in_title": true` with no offsets.
"""
from __future__ import annotations

from spacy.tokens import Doc

TEXT_OFFSET_KEY = "tradewatch_text_offset"


def doc_to_record(doc: Doc) -> dict:
    offset = doc.user_data.get(TEXT_OFFSET_KEY, 0)
    figures = [_rebased(item, offset) for item in doc._.figures or []]
    companies = []
    for company in doc._.companies or []:
        company = dict(company)
        if "mentions" in company:
            company["mentions"] = [_rebased(m, offset) for m in company["mentions"]]
        companies.append(company)
    events = [_rebased(item, offset) for item in doc._.events or []]
    return {"figures": figures, "companies": companies, "events": events}


def _rebased(item: dict, offset: int) -> dict:
    item = dict(item)
    if offset and isinstance(item.get("start"), int):
        if item["start"] < offset:
            item["start"] = item["end"] = None
            item["in_title"] = True
        else:
            item["start"] -= offset
            item["end"] = item["end"] - offset if isinstance(item.get("end"), int) else None
    return item
