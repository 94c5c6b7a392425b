"""`trustedCertificates`, the proxies' trust store and their logins (docker.hub*, repositories[].remote*):
each mistake is an issue keyed by its config key, found before anything is created; what is valid
reaches the layout, passwords as secrets only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.registry import HUB_PROXY, registry_layout
from settings import SettingsError, parse_settings
from tests.components.haproxy_helpers import TestPki, make_test_pki
from tests.settings.test_stack import config

PROXY: dict[str, Any] = {
    "name": "maven-private",
    "format": "maven2",
    "type": "proxy",
    "remoteUrl": "https://maven.example.test/releases/",
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(Path(tmp_path_factory.mktemp("upstream")), domain="upstream.test")


def with_trust(pki: TestPki, **changes: Any) -> dict[str, Any]:
    raw = config(**{"trustedCertificates": [{"name": "upstream-ca", "pem": pki.ca_pem}], **changes})
    raw["repositories"] = [
        {**PROXY, "useTrustStore": True, "remoteUsername": "reader", "remotePassword": "pw"}
    ]
    return raw


def test_certificates_logins_and_the_trust_store_reach_the_layout(pki: TestPki) -> None:
    raw = with_trust(
        pki,
        **{"docker.hubUsername": "acme", "docker.hubPassword": "hub-token", "docker.hubUseTrustStore": True},
    )
    layout = registry_layout(parse_settings(raw))
    ((name, certificate),) = layout.trusted_certificates
    assert name == "upstream-ca" and certificate.fingerprint.count(":") == 19
    specs = {spec.name: spec for spec, _ in layout.repositories}
    hub, maven = specs[HUB_PROXY], specs["maven-private"]
    assert (hub.remote_username, hub.remote_password, hub.use_trust_store) == ("acme", "hub-token", True)
    assert (maven.remote_username, maven.remote_password, maven.use_trust_store) == ("reader", "pw", True)


@pytest.mark.parametrize(
    ("changes", "repository", "key", "words"),
    [
        ({"docker.hubUsername": "acme"}, {}, "docker.hubPassword", "is required with hubUsername"),
        ({"docker.hubPassword": "token"}, {}, "docker.hubUsername", "is required with hubPassword"),
        ({}, {"remotePassword": "pw"}, "repositories[0].remoteUsername", "is required with remotePassword"),
        ({}, {"remoteUsername": "u"}, "repositories[0].remotePassword", "is required with remoteUsername"),
        (
            {},
            {"remoteUsername": "u", "remotePassword": "pw", "remoteNtlmHost": "h"},
            "repositories[0].remoteNtlmDomain",
            "NTLM needs both",
        ),
        (
            {},
            {"type": "hosted", "remoteUrl": None, "useTrustStore": True},
            "repositories[0]",
            "apply to proxies, not hosted",
        ),
        (
            {"docker.enabled": False, "teams": [], "docker.hubUsername": "a", "docker.hubPassword": "b"},
            {},
            "docker.hubUsername",
            "docker.enabled is false",
        ),
        (
            {"docker.enabled": False, "teams": [], "docker.hubUseTrustStore": True},
            {},
            "docker.hubUseTrustStore",
            "docker.enabled is false",
        ),
    ],
)
def test_a_login_or_trust_mistake_names_its_key(
    changes: dict[str, Any], repository: dict[str, Any], key: str, words: str
) -> None:
    raw = config(**changes)
    raw["repositories"] = [{**PROXY, **repository}]
    with pytest.raises(SettingsError) as error:
        parse_settings(raw)
    assert any(issue.key == key and words in issue.message for issue in error.value.issues), (
        error.value.issues
    )


@pytest.mark.parametrize(
    ("certificates", "key", "words"),
    [
        ([{"name": "bad", "pem": "not a certificate"}], "trustedCertificates[0].pem", "exactly one PEM"),
        ([{"name": "a b", "pem": "ca"}], "trustedCertificates[0].name", "'a b'"),
        (
            [{"name": "x", "pem": "ca"}, {"name": "x", "pem": "server"}],
            "trustedCertificates[1].name",
            "already",
        ),
        (
            [{"name": "one", "pem": "ca"}, {"name": "two", "pem": "ca"}],
            "trustedCertificates[1].pem",
            "is the certificate of trustedCertificates[0]",
        ),
        ([{"name": "both", "pem": "ca+server"}], "trustedCertificates[0].pem", "found 2"),
    ],
)
def test_a_trusted_certificate_mistake_names_its_key(
    pki: TestPki, certificates: list[dict[str, str]], key: str, words: str
) -> None:
    pems = {"ca": pki.ca_pem, "server": pki.certificate_pem, "ca+server": pki.ca_pem + pki.certificate_pem}
    listed = [{**cert, "pem": pems.get(cert["pem"], cert["pem"])} for cert in certificates]
    with pytest.raises(SettingsError) as error:
        parse_settings(config(trustedCertificates=listed))
    assert any(issue.key == key and words in issue.message for issue in error.value.issues), (
        error.value.issues
    )
