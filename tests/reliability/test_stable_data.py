"""Data that does not drift: demo ids, repaired titles, headline-only pages, late entity
declarations, temp folders of killed crawls."""
from __future__ import annotations

import pytest

from tests.reliability import stable_data

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    return stable_data.run(workdir / "stable")


@pytest.mark.parametrize("name", [
    "demo on two ports stores each article once",
    "UTF-8 page with a stray 0xff byte: the title is stored repaired",
    "clean: the title of a page decoded as the crawler does is repaired",
    "headline-only page: stored with its headline and an empty text",
    "clean: headline-only page gives the headline and an empty body",
    "entity declarations after a 100 kB comment: refused and logged",
    "parse_feed refuses entity declarations after 64 kB",
    "kill -9 of a crawl leaves its temp folder (the case this guards)",
    "the next crawl start removes the dead crawl's temp folder",
    "a running crawl's temp folder is kept",
])
def test_stable_data(result, name):
    assert name in result.names and result.failing(name) == []
