"""Stated announce/effective dates resolve against the reporting article's day."""
from __future__ import annotations

from datetime import date

import pytest

from core.store import KnowledgeBase
from core.store.event_dates import resolve_stated_date

SATURDAY = date(2026, 11, 21)


@pytest.mark.parametrize("text, prefer, expected", [
    ("Friday", "past", "2026-11-20"),
    ("Saturday", "past", "2026-11-21"),          # "said on Saturday" in Saturday's paper
    ("Monday", "future", "2026-11-23"),
    ("1 January", "future", "2027-01-01"),
    ("March", "future", "2027-03"),
    ("March 3, 1987", "past", "1987-03-03"),
    ("2024", "past", "2024"),
])
def test_stated_dates_resolve_with_their_precision(text, prefer, expected):
    assert resolve_stated_date(text, SATURDAY, prefer) == expected


@pytest.mark.parametrize("text", ["twelve months", "soon", "", None, "next few weeks", "x" * 200])
def test_durations_and_vague_phrases_are_not_dates(text):
    assert resolve_stated_date(text, SATURDAY, "future") is None


def test_relative_phrases_need_an_article_date():
    assert resolve_stated_date("Friday", None, "past") is None
    assert resolve_stated_date("March 1987", None, "past") == "1987-03"


def test_the_store_keeps_resolved_dates_on_the_measure(tmp_path):
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        aid = kb.save_article({"url": "https://news.example.com/a", "title": "Duty", "text": "x",
                               "published": "2026-11-21T09:00:00+00:00"},
                              source="s", fetched_at="2026-11-21T10:00:00+00:00", content_hash="h")
        kb.save_extraction(aid, {"events": [{"type": "tariff", "actor": "US", "targets": ["CN"],
                                             "status": "announced", "product": "batteries", "evidence": "x",
                                             "announced": "Friday", "effective": "1 January"}]}, "t")
        row = kb.db.execute("SELECT announced, effective FROM events").fetchone()
    assert tuple(row) == ("2026-11-20", "2027-01-01")
