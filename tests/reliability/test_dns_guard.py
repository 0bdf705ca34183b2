"""The address guard against DNS rebinding and IPv6 forms that carry a private IPv4 address."""
from __future__ import annotations

import pytest

from tests.reliability import dns_guard

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result(workdir):
    return dns_guard.run(workdir, cli_checks=True)


@pytest.mark.parametrize("name, address, form", dns_guard.EMBEDDED_PRIVATE)
def test_every_ipv6_form_of_a_private_ipv4_address_is_refused(result, name, address, form):
    assert result.failing(f"guard refuses {name}") == []
    assert f"guard refuses {name} {address}" in result.names


def test_public_addresses_in_the_same_forms_still_pass(result):
    assert result.failing("guard allows public") == []
    assert result.failing("guard refuses the URL") == []


def test_the_connect_time_check_refuses_what_it_did_not_see_checked(result):
    assert result.failing("connect-time resolver") == []


def test_a_rebinding_name_is_fetched_from_the_checked_address_only(result):
    assert result.failing("rebinding") == []


def test_names_and_urls_leading_to_embedded_private_addresses_are_refused_and_logged(result):
    assert result.failing("name ") == [] and result.failing("URL with the literal") == []
    assert result.failing("refusals counted") == []


def test_allow_private_still_reaches_a_local_mirror_by_name(result):
    assert result.failing("--allow-private") == []
    assert "--allow-private: a local mirror by name is fetched" in result.names
