"""Pki under Pulumi mocks: the CA, the server certificate, and bring-your-own."""

from __future__ import annotations

from typing import Any

import pytest

from components.pki import CA_VALIDITY_HOURS, Pki, PkiArgs, server_dns_names
from settings import parse_settings
from tests.components import mocks as m

BASE: dict[str, Any] = {
    "domain": "example.com",
    "adminPassword": "admin-secret",
    "nexus": {"version": "3.77.1"},
    "teams": [{"name": "platform", "releasePort": 16001, "latestPort": 16002}],
}


def _outputs(pki: Pki) -> dict[str, Any]:
    return {
        "ca_pem": pki.ca_pem,
        "certificate_pem": pki.certificate_pem,
        "chain_pem": pki.chain_pem,
        "private_key_pem": pki.private_key_pem,
    }


def _build(raw: dict[str, Any]) -> tuple[Pki, m.Resolved]:
    settings = parse_settings(raw)
    return m.deploy(lambda: Pki("pki", PkiArgs.from_settings(settings)), _outputs)


def test_ca_is_a_ten_year_signing_only_ca(mocks: m.RecordingMocks) -> None:
    _build(BASE)
    ca = mocks.one(m.T_SELF_SIGNED)
    assert ca.inputs["isCaCertificate"] is True
    assert ca.inputs["validityPeriodHours"] >= 87600 == CA_VALIDITY_HOURS
    assert sorted(ca.inputs["allowedUses"]) == ["cert_signing", "crl_signing"]
    assert "earlyRenewalHours" not in ca.inputs  # a renewed CA would have to be redistributed
    assert ca.inputs["subject"]["organization"] == "nexus-platform"
    keys = {r.name: r.inputs for r in mocks.of_type(m.T_PRIVATE_KEY)}
    assert set(keys) == {"pki-ca-key", "pki-server-key"}
    for key in keys.values():
        assert key["algorithm"] == "ECDSA" and key["ecdsaCurve"] == "P256"


def test_server_certificate_sans_usages_and_renewal(mocks: m.RecordingMocks) -> None:
    raw = {**BASE, "certificate": {"validityDays": 397, "earlyRenewalDays": 45}}
    _build(raw)
    csr = mocks.one(m.T_CERT_REQUEST)
    assert csr.inputs["dnsNames"] == ["*.example.com", "example.com"]  # nexus.example.com is covered
    assert csr.inputs["subject"]["commonName"] == "nexus.example.com"
    leaf = mocks.one(m.T_LOCALLY_SIGNED)
    assert set(leaf.inputs["allowedUses"]) == {"server_auth", "digital_signature", "key_encipherment"}
    assert "cert_signing" not in leaf.inputs["allowedUses"]
    assert leaf.inputs.get("isCaCertificate") in (None, False)
    assert leaf.inputs["validityPeriodHours"] == 397 * 24
    assert leaf.inputs["earlyRenewalHours"] == 45 * 24
    # signed by the CA: the CA's certificate and key are its inputs
    ca_pem = m.fake_pem("CERTIFICATE", "ca:pki-ca")
    assert m.plain(leaf.inputs["caCertPem"]) == ca_pem
    assert m.is_secret(leaf.inputs["caPrivateKeyPem"])
    assert m.plain(leaf.inputs["caPrivateKeyPem"]) == m.fake_pem("EC PRIVATE KEY", "key:pki-ca-key")


def test_default_certificate_validity_is_825_days_renewed_30_days_early(mocks: m.RecordingMocks) -> None:
    _build(BASE)
    leaf = mocks.one(m.T_LOCALLY_SIGNED)
    assert leaf.inputs["validityPeriodHours"] == 825 * 24
    assert leaf.inputs["earlyRenewalHours"] == 30 * 24


def test_ui_host_outside_the_wildcard_is_added(mocks: m.RecordingMocks) -> None:
    _build({**BASE, "uiHost": "repo.eu.example.com"})
    csr = mocks.one(m.T_CERT_REQUEST)
    assert csr.inputs["dnsNames"] == ["*.example.com", "example.com", "repo.eu.example.com"]


@pytest.mark.parametrize(
    ("ui_host", "expected_extra"),
    [
        ("nexus.example.com", []),
        ("example.com", []),
        ("a.b.example.com", ["a.b.example.com"]),
        ("nexus.example.org", ["nexus.example.org"]),
        ("badexample.com", ["badexample.com"]),
    ],
)
def test_server_dns_names(ui_host: str, expected_extra: list[str]) -> None:
    assert server_dns_names("example.com", ui_host) == ["*.example.com", "example.com", *expected_extra]


def test_outputs_private_key_is_secret_certificates_are_public(mocks: m.RecordingMocks) -> None:
    _, out = _build(BASE)
    assert out.secret["private_key_pem"] is True
    assert out.values["private_key_pem"] == m.fake_pem("EC PRIVATE KEY", "key:pki-server-key")
    assert out.secret["ca_pem"] is False
    assert out.values["ca_pem"] == m.fake_pem("CERTIFICATE", "ca:pki-ca")
    assert out.secret["certificate_pem"] is False
    assert out.values["certificate_pem"] == m.fake_pem("CERTIFICATE", "cert:pki-server-cert")
    assert out.values["chain_pem"] == ""


def test_component_type_and_children(mocks: m.RecordingMocks) -> None:
    _build(BASE)
    component = mocks.one("nexus-platform:components:Pki", "pki")
    assert component.custom is False
    assert len([r for r in mocks.resources if r.typ in m.TLS_TYPES]) == 5


def test_bring_your_own_skips_the_generated_pki(mocks: m.RecordingMocks) -> None:
    cert = m.fake_pem("CERTIFICATE", "byo-leaf")
    chain = m.fake_pem("CERTIFICATE", "byo-intermediate")
    key = m.fake_pem("PRIVATE KEY", "byo-key")
    ca = m.fake_pem("CERTIFICATE", "byo-root")
    raw = {
        **BASE,
        "certificate": {"certificatePem": cert, "chainPem": chain, "privateKeyPem": key, "caPem": ca},
    }
    pki, out = _build(raw)
    assert pki.bring_your_own is True
    assert [r for r in mocks.resources if r.typ in m.TLS_TYPES] == []
    assert out.values == {"ca_pem": ca, "certificate_pem": cert, "chain_pem": chain, "private_key_pem": key}
    assert out.secret["private_key_pem"] is True
