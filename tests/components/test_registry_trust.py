"""The registry with `trustedCertificates`, proxy logins and `httpProxy`, under Pulumi mocks: the
certificates adopted as they are, the proxies waiting for what they use, passwords secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.registry import DockerRegistry, DockerRegistryArgs
from settings import parse_settings
from tests.components import mocks as m
from tests.components.haproxy_helpers import TestPki, make_test_pki
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
