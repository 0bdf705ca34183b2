"""SSRF: private, loopback, metadata and non-http targets refused and logged, nothing connected."""
from __future__ import annotations

import pytest

from tests.reliability import ssrf
from tests.reliability.results import STRESS

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    return ssrf.run(workdir, cli_checks=STRESS)


def test_the_guard_refuses_every_target_before_any_connection(result):
    assert result.failing("guard") == []
    assert result.failing("tripwires") == [] and result.failing("no request reached") == []


def test_direct_and_redirected_targets_are_refused_and_logged(result):
    assert result.failing("crawl refuses") == [] and result.failing("redirect to") == []
    assert result.failing("nothing stored") == []


def test_the_private_allowance_is_off_by_default(result):
    assert result.failing("allowance off by default") == []
    assert result.failing("CLI") == []
