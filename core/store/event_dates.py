"""Announce/effective dates of a measure, as stated in the text ("Friday", "1 January",
"March 1987"), resolved to ISO dates against the reporting article's publication day.

Stored as precisely as the text states them: "2027-01-01", "1987-03" or "2024". Phrases
that are durations or vague ("twelve months", "soon") give None, and so does a relative
phrase when the article has no date to resolve it against.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dateparser.date import DateDataParser

_CALENDAR_WORD = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:today|tomorrow|yesterday)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_DURATION = re.compile(r"\b(?:days?|weeks?|months?|years?)\b", re.IGNORECASE)
_PRECISION = {"day": 10, "week": 10, "month": 7, "year": 4}


def resolve_stated_date(text: str | None, reference_day: date | None, prefer: str) -> str | None:
    """`prefer` is "past" for when a measure was announced, "future" for when it takes effect."""
    if not text or len(text) > 60:
        return None
    absolute = bool(_YEAR.search(text))
    if not absolute and not _CALENDAR_WORD.search(text):
        return None
    if _DURATION.search(text) and not _CALENDAR_WORD.search(text):
        return None
    if not absolute and reference_day is None:
        return None
    settings = {"PREFER_DATES_FROM": prefer, "RETURN_AS_TIMEZONE_AWARE": False}
    if reference_day is not None:
        # The day after: a wire story says "on Friday" of the Friday it is published.
        base = datetime.combine(reference_day, datetime.min.time())
        settings["RELATIVE_BASE"] = base + timedelta(days=1) if prefer == "past" else base
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except Exception:  # dateparser raises on odd input; an unresolved date is not an error
        return None
    if data is None or data.date_obj is None:
        return None
    return data.date_obj.date().isoformat()[: _PRECISION.get(data.period or "day", 10)]
