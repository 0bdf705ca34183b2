"""CompanyResolver: one canonical name per firm across the knowledge base."""
from __future__ import annotations

import pytest

from extract.companies.names import CompanyResolver

EXISTING = [
    ("Samsung Electronics", ["Samsung"]),
    ("Hyundai Motor", ["Hyundai Motor Co"]),
    ("Yuganskneftegas", []),
    ("Sony", []),
    ("Sony Ericsson", []),
]


@pytest.fixture
def resolver():
    return CompanyResolver(EXISTING)


@pytest.mark.parametrize("name, aliases, expected", [
    ("Samsung Electronics Co Ltd", [], "Samsung Electronics"),       # legal suffix dropped
    ("SAMSUNG ELECTRONICS", [], "Samsung Electronics"),              # case
    ("Samsung", [], "Samsung Electronics"),                          # a stored alias
    ("Samsung Electronics Corp.", ["Samsung"], "Samsung Electronics"),
    ("Hyundai Motor Company", [], "Hyundai Motor"),
    ("The Hyundai Motor Co.", [], "Hyundai Motor"),                  # leading "the", dots
    ("Yuganksneftegas", [], "Yuganskneftegas"),                      # misspelling, fuzzy
    ("Sony Corp", [], "Sony"),
    ("Sony Ericsson Mobile", ["Sony Ericsson"], "Sony Ericsson"),    # an alias hits exactly
])
def test_resolves_onto_existing_firm(resolver, name, aliases, expected):
    assert resolver.resolve(name, aliases) == expected


@pytest.mark.parametrize("name", ["Samsung SDI", "Sonya", "Hyundai Heavy Industries", "Nokia"])
def test_distinct_firms_stay_distinct(resolver, name):
    assert resolver.resolve(name) == name


def test_new_firm_is_remembered_with_its_aliases(resolver):
    assert resolver.resolve("Toyo Umpanki", ["Toyo Umpanki Co Ltd", "Toyo"]) == "Toyo Umpanki"
    assert resolver.resolve("TOYO UMPANKI CO LTD") == "Toyo Umpanki"
    assert resolver.resolve("Toyo") == "Toyo Umpanki"
    assert {"Toyo Umpanki Co Ltd", "Toyo", "TOYO UMPANKI CO LTD"} <= resolver.aliases_of("Toyo Umpanki")


def test_short_words_are_not_fuzzy_matched():
    resolver = CompanyResolver([("Nokia", [])])
    assert resolver.resolve("Nokie") == "Nokie"


def test_threshold_controls_fuzzy_matching():
    strict = CompanyResolver([("Chongqing Lifan Industry", [])], threshold=99)
    loose = CompanyResolver([("Chongqing Lifan Industry", [])], threshold=85)
    assert strict.resolve("Chongqing Lifan Industries") == "Chongqing Lifan Industries"
    assert loose.resolve("Chongqing Lifan Industries") == "Chongqing Lifan Industry"


def test_ambiguous_fuzzy_match_resolves_to_nothing():
    resolver = CompanyResolver([("Nordic Steel Works A", []), ("Nordic Steel Works B", [])], threshold=90)
    assert resolver.resolve("Nordic Steel Works") == "Nordic Steel Works"


def test_empty_name_is_an_error(resolver):
    with pytest.raises(ValueError):
        resolver.resolve("  ")


def test_first_firm_keeps_a_shared_key():
    resolver = CompanyResolver([("LG Group", ["LG"]), ("LG Card", ["LG"])])
    assert resolver.resolve("LG") == "LG Group"
    assert resolver.resolve("LG Card Co") == "LG Card"
