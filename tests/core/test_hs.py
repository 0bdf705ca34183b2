"""The one HS table."""
from __future__ import annotations

import pytest

from core import hs
from core.hs import parse_chapters


def test_hs_chapter_ranges():
    assert parse_chapters("50-53") == ("50", "51", "52", "53")
    assert parse_chapters("84;85") == ("84", "85")
    assert parse_chapters("2") == ("02",)


def test_chapters_have_names_and_terms():
    assert hs.chapter_names()["72"] == "Iron and steel"
    assert len(hs.chapter_names()) == 96            # 01–97 without the reserved 77
    assert hs.product_terms()["steel"] == ("72",)
    assert "steel" in hs.terms_of("72") and "steel" in hs.terms_of(72)


def test_a_chapter_that_does_not_exist_is_refused():
    assert hs.normalise_chapter("7") == "07"
    with pytest.raises(ValueError, match="not an HS chapter"):
        hs.normalise_chapter("77")
    with pytest.raises(ValueError):
        hs.normalise_chapter("steel")
