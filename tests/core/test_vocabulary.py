"""The registries every layer agrees on."""
from __future__ import annotations

from core import vocabulary
from crawler.sources import SPIDER_FOR_KIND


def test_the_guidelines_types_and_statuses_are_registered():
    assert set(vocabulary.EVENT_TYPES) == {
        "tariff", "trade_remedy", "export_control", "import_restriction", "sanction", "subsidy",
        "trade_agreement", "trade_dispute", "trade_legislation"}
    assert set(vocabulary.STATUSES) == {
        "proposed", "threatened", "announced", "in_effect", "lifted", "investigating", "negotiating", "ruled"}


def test_every_registered_entry_is_complete():
    for name in vocabulary.EVENT_TYPES:
        assert {"label", "preposition", "covers"} <= set(vocabulary.event_type(name)), name
    for name in vocabulary.STATUSES:
        assert {"label", "weight"} <= set(vocabulary.status(name)), name
    for name in vocabulary.TIERS:
        assert "weight" in vocabulary.tier(name), name


def test_every_source_kind_has_a_spider():
    assert set(vocabulary.SOURCE_KINDS) <= set(SPIDER_FOR_KIND)
