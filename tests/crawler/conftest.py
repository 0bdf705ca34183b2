"""Fixtures for crawler tests: a fault-injecting server and crawl settings for 127.0.0.1."""
from __future__ import annotations

import pytest

from crawler.settings import FAST_LOCAL
from tests.crawler.faultserver import FaultServer

# The test server is on loopback: open exactly 127.0.0.1, nothing else private.
TEST_SETTINGS = {**FAST_LOCAL, "TRADEWATCH_ALLOWED_NETWORKS": ["127.0.0.1/32"]}


@pytest.fixture
def server():
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "kb.db")
