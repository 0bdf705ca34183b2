"""Datasette reads while the store writes: no 'database is locked', no lost writes."""
from __future__ import annotations

import pytest

from tests.reliability import concurrency
from tests.reliability.results import STRESS

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    return concurrency.run(10_000 if STRESS else 1_000, workdir)


def test_readers_never_see_a_locked_database(result):
    assert result.failing("no 'database is locked'") == [] and result.failing("every read") == []
    assert result.figures["reads"] > 0


def test_no_write_is_lost_or_duplicated(result):
    assert result.lost == 0
    assert result.failing("no lost writes") == result.failing("no duplicate") == result.failing("integrity") == []
    assert result.failing("writer") == []


def test_datasette_escapes_hostile_titles(result):
    assert result.failing("Datasette escapes") == []
