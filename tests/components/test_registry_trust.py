"""The registry with `trustedCertificates`, proxy logins and `httpProxy`, under Pulumi mocks: the
certificates adopted as they are, the proxies waiting for what they use, passwords secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.registry import HUB_BLOB_STORE, DockerRegistry, DockerRegistryArgs, registry_layout
from dynamic_providers.base import Spec
from dynamic_providers.blob_stores import FileBlobStoreProvider, FileBlobStoreSpec
from dynamic_providers.repositories import RepositoryProvider
from dynamic_providers.truststore import TrustedCertificateProvider
from settings import parse_settings
from tests.components import mocks as m
from tests.components.haproxy_helpers import TestPki, make_test_pki
from tests.dynamic_providers.drive import apply, connection, create
from tests.nexus_emulator import NexusEmulator
from tests.settings.test_stack import config
from tests.settings.test_stack_trust_and_logins import with_trust


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(Path(tmp_path_factory.mktemp("upstream")), domain="upstream.test")


def test_proxies_that_trust_the_store_wait_for_its_certificates_and_passwords_are_secrets(
    mocks: m.RecordingMocks, pki: TestPki
) -> None:
    settings = parse_settings(
        with_trust(pki, **{"docker.hubUsername": "acme", "docker.hubPassword": "hub-token"})
    )
    m.deploy(lambda: DockerRegistry("registry", DockerRegistryArgs.from_settings(settings), m.connection()))
    certificate = mocks.one(
        "pulumi-python:dynamic/nexus:TrustedCertificate", "trusted-certificate-upstream-ca"
    )
    assert m.plain(certificate.inputs)["adopt"] is True  # the same fingerprint is the same certificate
    waiting = {
        resource.name
        for resource in mocks.resources
        if mocks.options_of(resource).depends_on_name("trusted-certificate-upstream-ca")
    }
    assert waiting == {"repo-maven-private"}
    hub = mocks.one("pulumi-python:dynamic/nexus:Repository", "repo-docker-hub")
    maven = mocks.one("pulumi-python:dynamic/nexus:Repository", "repo-maven-private")
    assert m.is_secret(hub.inputs["remote_password"]) and m.is_secret(maven.inputs["remote_password"])
    assert m.plain(hub.inputs)["remote_password"] == "hub-token"
    assert "remote_password" in mocks.options_of(hub).additional_secret_outputs


def test_every_proxy_waits_for_the_http_settings_and_their_passwords_are_secrets(
    mocks: m.RecordingMocks,
) -> None:
    http = {"host": "proxy.example.test", "port": 3128, "username": "nexus", "password": "proxy-secret"}
    settings = parse_settings(config(httpProxy={"http": http}))
    m.deploy(lambda: DockerRegistry("registry", DockerRegistryArgs.from_settings(settings), m.connection()))
    outbound = mocks.one("pulumi-python:dynamic/nexus:HttpSettings", "http-settings")
    assert m.is_secret(outbound.inputs["http_proxy_password"])
    assert "http_proxy_password" in mocks.options_of(outbound).additional_secret_outputs
    waiting = {
        resource.name
        for resource in mocks.resources
        if mocks.options_of(resource).depends_on_name("http-settings")
    }
    assert waiting == {"repo-docker-hub"}  # the one proxy of this stack


def test_the_hub_login_and_the_trust_store_from_the_config_on_the_emulator(
    nexus_emulator: NexusEmulator, pki: TestPki
) -> None:
    """From the stack config to Nexus: the certificate trusted, the hub proxy and a Maven proxy with
    their logins (never answered back) and the trust store, a second apply without a request, and
    the certificate the stack added removed when it goes."""
    raw = with_trust(
        pki,
        **{"docker.hubUsername": "acme", "docker.hubPassword": "hub-token", "docker.hubUseTrustStore": True},
    )
    layout = registry_layout(parse_settings(raw))
    ((_, certificate),) = layout.trusted_certificates
    proxies = [spec for spec, _ in layout.repositories if spec.type == "proxy"]

    def props(spec: Spec, adopt: bool = False) -> dict[str, Any]:
        return {**spec.model_dump(), "connection": connection(nexus_emulator), "adopt": adopt}

    create(FileBlobStoreProvider(), props(FileBlobStoreSpec(name=HUB_BLOB_STORE)))
    certificates, repositories = TrustedCertificateProvider(), RepositoryProvider()
    cert_id, cert_outs = create(certificates, props(certificate, adopt=True))  # as the registry does
    assert "adopted" not in cert_outs  # it was not there: the stack's own
    created = {spec.name: create(repositories, props(spec)) for spec in proxies}
    hub = nexus_emulator.call("GET", "/v1/repositories/docker/proxy/docker-hub").body["httpClient"]
    assert hub["connection"]["useTrustStore"] is True and hub["authentication"]["username"] == "acme"
    assert "hub-token" not in str(nexus_emulator.call("GET", "/v1/repositories").body)

    nexus_emulator.clear_log()
    for spec in proxies:
        assert apply(repositories, *created[spec.name], props(spec))[0] == "same"
    assert apply(certificates, cert_id, cert_outs, props(certificate, adopt=True))[0] == "same"
    assert nexus_emulator.requests() == []

    for spec in proxies:
        repositories.delete(*created[spec.name])
    certificates.delete(cert_id, cert_outs)  # dropped from the config
    assert nexus_emulator.call("GET", "/v1/security/ssl/truststore").body == []
