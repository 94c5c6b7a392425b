"""The client trusts the stack's CA even when REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE name another bundle.

A real HTTPS front on loopback (Python's http.server wrapped in ssl) with a certificate from a
private CA; the environment variables point at a bundle made of a *different* CA, as on a
corporate machine or CI image. requests lets those variables replace a session-level ``verify``;
the client must pass the stack CA with every request instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dynamic_providers.client import Connection, NexusClient
from dynamic_providers.exceptions import NexusConnectionError
from operations.smoke import NexusEndpoint, check_version
from tests.components.haproxy_helpers import TestPki, make_test_pki


@pytest.fixture
def other_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    other = make_test_pki(tmp_path / "other", domain="other.test")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other.ca_file))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other.ca_file))
    return other.ca_file


def test_the_stack_ca_wins_over_the_environment_bundles(
    https_front: str, stack_pki: TestPki, other_bundle: Path
) -> None:
    connection = Connection(url=https_front, username="admin", password="x", ca_pem=stack_pki.ca_pem)
    with NexusClient(connection) as client:
        assert client.server_info().version == "3.77.1-01"


def test_without_the_stack_ca_the_environment_bundle_applies(https_front: str, other_bundle: Path) -> None:
    # The control: the front really is untrusted by the environment's bundle.
    connection = Connection(url=https_front, username="admin", password="x", max_retry_seconds=1)
    with NexusClient(connection) as client, pytest.raises(NexusConnectionError, match="CERTIFICATE_VERIFY"):
        client.server_info()


def test_an_environment_bundle_naming_the_ca_is_trusted(
    https_front: str, stack_pki: TestPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the stack's CA, REQUESTS_CA_BUNDLE replaces the default trust store, as in requests."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(stack_pki.ca_file))
    connection = Connection(url=https_front, username="admin", password="x", max_retry_seconds=1)
    with NexusClient(connection) as client:
        assert client.server_info().version == "3.77.1-01"


def test_the_upgrade_smoke_check_also_keeps_the_stack_ca(
    https_front: str, stack_pki: TestPki, other_bundle: Path
) -> None:
    check = check_version(NexusEndpoint(url=https_front, ca_file=str(stack_pki.ca_file)), "3.77.1-01")
    assert check.ok, check.detail
