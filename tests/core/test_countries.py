"""The one country lookup: names, aliases, demonyms and short forms."""
from __future__ import annotations

import pytest

from core import countries


@pytest.mark.parametrize("name, code", [
    ("Russia", "RU"), ("Russian Federation", "RU"), ("Soviet Union", "RU"), ("UK", "GB"), ("Britain", "GB"),
    ("USA", "US"), ("U.S.", "US"), ("United States", "US"), ("South Korea", "KR"), ("EU", "EU"),
    ("European Union", "EU"), ("Japanese", "JP"), ("jp", "JP"), ("China", "CN"), ("PRC", "CN"),
    ("Türkiye", "TR"), ("Viet Nam", "VN"), ("Holland", "NL"), ("WTO", "INTL"),
])
def test_common_names_resolve(name, code):
    assert countries.code_of(name) == code


def test_unknown_and_non_country_names_do_not_resolve():
    assert countries.code_of("Latin America") is None      # an `ignore` row
    assert countries.code_of("Atlantis") is None and countries.code_of("") is None
    assert countries.code_of("Reagan") is None               # a leader acts for a country, it is not a name of one


def test_codes_are_shown_by_name():
    assert countries.name_of("RU") == "Russia" and countries.name_of("KR") == "South Korea"
    assert countries.name_of("EU") == "European Union" and countries.adjective_of("JP") == "Japanese"
    assert countries.name_of("XX") == "XX"
    assert countries.is_code("DE") and countries.is_code("INTL") and not countries.is_code("XX")


def test_the_extractor_and_the_lookup_share_one_alias_list():
    texts = {a.text for a in countries.aliases()}
    assert {"U.S.", "Soviet Union", "Japanese", "GATT"} <= texts
