"""Crawl faults: every good page stored, every bad one in the run log with a reason."""
from __future__ import annotations

import pytest

from tests.reliability import crawl_faults
from tests.reliability.results import STRESS

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    return crawl_faults.run(10_000 if STRESS else 150, workdir)


def test_every_good_page_is_stored_intact(result):
    assert result.figures["good_stored"] == result.figures["good"] > 0
    assert result.lost == 0, result.failing("good")


def test_every_fault_is_logged_with_its_reason(result):
    unexplained = [f for f in result.failing("fault") if "/oversize-stream/" not in f]
    assert unexplained == []
    # A slow page a busy reactor still accepted is stored whole instead: nothing is lost either way.
    assert result.figures["faults_logged"] + result.figures["slow_pages_stored_instead"] == result.figures["faults"] > 0


def test_hostile_feeds_are_refused_and_nothing_of_them_is_stored(result):
    assert result.failing("broken feed /laughs") == result.failing("broken feed /xxe") == []
    assert result.failing("external entity") == []
    assert result.failing("run finished") == []


def test_streamed_oversize_page_reason_names_the_size_cap(result):
    assert result.failing("fault /oversize-stream") == []


def test_malformed_feed_is_in_the_run_log(result):
    assert result.failing("broken feed /badfeed") == []
