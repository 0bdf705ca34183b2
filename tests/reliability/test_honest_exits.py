"""Exits that say what happened: failed crawls exit 1 with the real reason, missing and read-only
databases are one line and exit 2, reasons name the cause."""
from __future__ import annotations

import pytest

from tests.reliability import honest_exits

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    return honest_exits.run(workdir / "exits")


@pytest.mark.parametrize("name", [
    "crawl --url a file path that does not exist", "crawl --url 'not a url'", "crawl --url ftp://",
    "crawl --url a name that does not resolve", "crawl --url a loopback URL without --allow-private",
    "daily whose every source failed", "serve --db on a path that does not exist"])
def test_a_crawl_with_nothing_to_show_exits_non_zero_with_the_reason(result, name):
    assert name in result.names and result.failing(name) == []


def test_failed_crawls_are_recorded_as_failed_runs(result):
    recorded = [n for n in result.names if "run recorded as failed" in n]
    assert len(recorded) == 5 and [f for f in result.failures if "run recorded as failed" in f] == []
    assert result.failing("nothing was fetched from the refused loopback server") == []
    assert result.failing("serve created no file") == []


def test_a_crawl_where_one_url_works_still_exits_0(result):
    name = "a crawl where one URL works exits 0 and lists the other"
    assert name in result.names and result.failing(name) == []


@pytest.mark.parametrize("scheme", ["file", "gopher", "data"])
def test_a_redirect_to_another_scheme_says_so(result, scheme):
    name = f"redirect to a {scheme}: URL: the reason says so"
    assert name in result.names and result.failing(name) == []


def test_a_sitemap_refused_for_its_dtd_says_so(result):
    name = "sitemap with a DTD: the reason names the DTD, not HTML"
    assert name in result.names and result.failing(name) == []
    assert result.failing("every URL failed: exit 1") == []


@pytest.mark.parametrize("name", [case.name for case in honest_exits.read_only_cases()])
def test_a_read_only_database_or_folder_is_one_line_and_leaves_nothing(result, name):
    if any(s.startswith("read-only database and folder") for s in result.skipped):
        pytest.skip(result.skipped[0])
    assert name in result.names and result.failing(name) == []
