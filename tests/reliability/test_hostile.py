"""Hostile content: entity bombs, deep nesting, huge pages, NUL/invalid bytes, pathological regex input,
script titles. Runs in a child process so a hang or crash is named, not fatal."""
from __future__ import annotations

import pytest

from tests.reliability import hostile
from tests.reliability.hostile_child import PIPELINE_INPUTS
from tests.reliability.results import STRESS

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result():
    from extract.nlp import MAX_ANALYSED_CHARS   # the most text the pipeline is ever given
    return hostile.run(1_000_000, MAX_ANALYSED_CHARS) if STRESS else hostile.run(20_000, 5_000, timeout=200)


def test_the_child_finished(result):
    assert result.failing("child finished") == []


def test_xml_entity_bombs_and_external_entities_are_refused(result):
    assert [f for f in result.failures if "refused" in f.split(":")[0]] == []
    assert sum(1 for k in result.figures if k.endswith(" refused")) == 5


def test_deep_nesting_and_huge_pages_are_bounded(result):
    assert [f for f in result.failures if f.startswith(("HTML", "50 MB"))] == []


def test_scripts_and_javascript_links_never_reach_text_or_digests(result):
    assert result.failing("scripts and javascript") == [] and result.failing("hostile title inert") == []


def test_clean_text_is_linear_on_adversarial_input(result):
    assert result.failing("clean_text on") == []


@pytest.mark.parametrize("name", ["page with a NUL byte", "page with invalid UTF-8", "clean_text drops NUL"])
def test_nul_and_invalid_bytes_do_not_lose_the_page(result, name):
    assert result.failing(name) == []


def test_no_regex_rule_takes_over_a_second_per_megabyte(result):
    assert [f for f in result.failures if f.startswith("rule ")] == []
    assert [f for f in result.failures if "regex rules" in f] == []


def test_extraction_components_stay_within_a_second_per_megabyte_or_half_the_models_time(result):
    assert [f for f in result.failures if f.startswith("extraction components")] == []
    assert len([k for k in result.figures if k.startswith("extraction components")]) == len(PIPELINE_INPUTS)
