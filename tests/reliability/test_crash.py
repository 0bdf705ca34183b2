"""Crash safety: SIGKILL at random points; integrity, committed articles kept, no duplicates, work resumed.

The fast subset kills `tradewatch crawl` (crawl + store); `make stress` kills `tradewatch daily` 20 times."""
from __future__ import annotations

import pytest

from tests.reliability import crash
from tests.reliability.results import STRESS

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    if STRESS:
        return crash.run(20, 60, workdir, min_delay=2, max_delay=16, command="daily")
    return crash.run(2, 20, workdir, min_delay=3, max_delay=6, command="crawl", final_timeout=120)


def test_database_intact_after_every_kill(result):
    assert [f for f in result.failures if "integrity_check" in f] == []


def test_no_duplicate_rows_after_kills(result):
    assert [f for f in result.failures if "duplicate" in f] == []


def test_articles_committed_before_a_kill_survive_it(result):
    assert [f for f in result.failures if "every committed article kept" in f] == []
    assert result.failing("final run completes") == []


def test_every_article_is_stored_after_the_restart(result):
    assert result.failing("final: every demo article stored") == []
    assert result.lost == 0
