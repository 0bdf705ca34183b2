"""Config and CLI errors: one clear line naming the problem and the fix, non-zero exit, nothing written."""
from __future__ import annotations

import pytest

from tests.reliability import cli_errors
from tests.reliability.results import STRESS

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    return cli_errors.run(workdir, fast=not STRESS)


@pytest.mark.parametrize("name", ["malformed TOML", "unknown source kind", "unknown config key", "config file missing"])
def test_config_errors_are_one_clear_line(result, name):
    _tried(result, name)
    assert result.failing(name) == []


@pytest.mark.parametrize("name", ["unwritable db path (parent is a file)", "unwritable db path (/proc)",
                                  "db path is a directory", "db file is not SQLite"])
def test_bad_database_paths_are_one_clear_line(result, name):
    _tried(result, name)
    assert result.failing(name) == []


@pytest.mark.skipif(not STRESS, reason="loads spaCy: make stress only")
@pytest.mark.parametrize("name", ["missing model", "missing model (extract)"])
def test_missing_model_is_one_clear_line(result, name):
    _tried(result, name)
    assert result.failing(name) == []


def _tried(result, name):
    if name not in result.names:
        pytest.skip(f"{name!r} runs under make stress only")
