"""The trusted-certificate kind: the PEM's checks, the fingerprint as its id, replace, adoption."""

from __future__ import annotations

import hashlib
import ssl

import pydantic
import pytest

from dynamic_providers.exceptions import ProviderError
from dynamic_providers.truststore import TrustedCertificateProvider, TrustedCertificateSpec
from tests.components.haproxy_helpers import TestPki, make_test_pki
from tests.dynamic_providers.drive import apply, connection, create
from tests.nexus_emulator import NexusEmulator

COLLECTION = "/v1/security/ssl/truststore"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("upstream"), domain="upstream.test")


def sha1_fingerprint(pem: str) -> str:
    digest = hashlib.sha1(ssl.PEM_cert_to_DER_cert(pem), usedforsecurity=False).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def test_the_fingerprint_is_the_sha1_of_the_certificate_and_whitespace_does_not_matter(pki: TestPki) -> None:
    spec = TrustedCertificateSpec(pem=pki.ca_pem)
    assert spec.fingerprint == sha1_fingerprint(pki.ca_pem)
    crlf = "\r\n".join(pki.ca_pem.splitlines()) + "\r\n\r\n"
    assert TrustedCertificateSpec(pem=crlf) == spec
    assert spec.pem.startswith("-----BEGIN CERTIFICATE-----\n")


@pytest.mark.parametrize(
    ("pem", "words"),
    [
        ("not a certificate", "found no"),
        ("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n", "exactly one PEM certificate"),
        ("-----BEGIN CERTIFICATE-----\nMIIBwTCC\n-----END CERTIFICATE-----\n", "not a DER certificate"),
    ],
)
def test_a_pem_that_does_not_parse_is_refused_naming_the_field(pem: str, words: str) -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        TrustedCertificateSpec(pem=pem)
    (error,) = raised.value.errors()
    assert error["loc"] == ("pem",) and words in error["msg"]


def test_two_certificates_in_one_pem_are_refused(pki: TestPki) -> None:
    with pytest.raises(pydantic.ValidationError, match="found 2: add each certificate"):
        TrustedCertificateSpec(pem=pki.ca_pem + pki.certificate_pem)


def test_a_fingerprint_given_by_hand_must_be_the_pems(pki: TestPki) -> None:
    with pytest.raises(pydantic.ValidationError, match="it is computed, leave it out"):
        TrustedCertificateSpec(pem=pki.ca_pem, fingerprint="00:11")


def trusted(emulator: NexusEmulator) -> list[str]:
    return [cert["id"] for cert in emulator.call("GET", COLLECTION).body]


def _props(emulator: NexusEmulator, pem: str, adopt: bool = False) -> dict[str, object]:
    return {"connection": connection(emulator), "adopt": adopt, "pem": pem}


def test_a_new_pem_replaces_the_certificate(nexus_emulator: NexusEmulator, pki: TestPki) -> None:
    provider = TrustedCertificateProvider()
    object_id, outs = create(provider, _props(nexus_emulator, pki.ca_pem))
    assert object_id == sha1_fingerprint(pki.ca_pem)
    step, (new_id, _) = apply(provider, object_id, outs, _props(nexus_emulator, pki.certificate_pem))
    assert step == "replace" and new_id == sha1_fingerprint(pki.certificate_pem)
    assert trusted(nexus_emulator) == [new_id]


def test_a_certificate_already_trusted_is_adopted_without_a_write_and_left_on_delete(
    nexus_emulator: NexusEmulator, pki: TestPki
) -> None:
    provider = TrustedCertificateProvider()
    create(provider, _props(nexus_emulator, pki.ca_pem))  # there before the stack
    with pytest.raises(ProviderError, match="already exists in Nexus"):
        create(provider, _props(nexus_emulator, pki.ca_pem))
    nexus_emulator.clear_log()
    object_id, outs = create(provider, _props(nexus_emulator, pki.ca_pem, adopt=True))
    assert outs["adopted"] is True and nexus_emulator.count_writes() == 0
    provider.delete(object_id, outs)
    assert trusted(nexus_emulator) == [object_id]
