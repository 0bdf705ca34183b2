"""Typed, validated configuration: each bad value is one line naming the key and the value, exit 2."""
from __future__ import annotations

import pytest

from tests.reliability import config_validation

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    return config_validation.run(workdir)


@pytest.mark.parametrize("name", [case.name for case in config_validation.CASES])
def test_a_bad_value_is_one_line_naming_the_key_and_the_value(result, name):
    assert name in result.names
    assert result.failing(name) == []


def test_tradewatch_toml_in_the_working_directory_is_the_default(result):
    for name in ("./tradewatch.toml is the config without --config", "schedule names the workdir's tradewatch.toml",
                 "daily --quiet without any config says so"):
        assert any(n.startswith(name) for n in result.names)
        assert result.failing(name) == []


@pytest.mark.parametrize("command", config_validation.CONFIG_COMMANDS)
def test_every_command_with_config_says_so_in_its_help(result, command):
    name = f"{command} --help names ./tradewatch.toml as the default"
    assert name in result.names and result.failing(name) == []
