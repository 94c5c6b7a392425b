"""The HTTP settings kind: the body Nexus takes, what a GET gives back, and a server without the API."""

from __future__ import annotations

import pydantic
import pytest

from dynamic_providers import http_settings
from dynamic_providers.exceptions import ProviderError
from dynamic_providers.http_settings import HttpSettingsProvider, HttpSettingsSpec
from tests.dynamic_providers.drive import connection, create
from tests.nexus_emulator import NexusEmulator

PROXY = HttpSettingsSpec(
    http_proxy_host="proxy.example.test",
    http_proxy_port=3128,
    http_proxy_username="nexus",
    http_proxy_password="secret",
    non_proxy_hosts=("localhost", "*.example.test", "localhost"),
)


def test_the_body_has_every_field_the_document_requires_and_a_disabled_https_proxy() -> None:
    body = http_settings.to_api(PROXY)
    assert body["httpProxy"] == {
        "enabled": True,
        "host": "proxy.example.test",
        "port": "3128",
        "authInfo": {
            "enabled": True,
            "username": "nexus",
            "password": "secret",
            "ntlmHost": "",
            "ntlmDomain": "",
        },
    }
    assert body["httpsProxy"]["enabled"] is False and body["httpsProxy"]["host"] == ""
    assert body["nonProxyHosts"] == ["*.example.test", "localhost"]  # a set in Nexus
    assert (body["userAgent"], body["timeout"], body["retries"]) == ("", 30, 2)


def test_a_get_reads_back_as_the_spec_without_the_password() -> None:
    body = http_settings.to_api(PROXY)
    body["httpProxy"]["authInfo"]["password"] = "#~NXRM~PLACEHOLDER~PASSWORD~#"
    read = http_settings.from_api(body)
    assert "http_proxy_password" not in read
    assert HttpSettingsSpec(**read, http_proxy_password="secret") == PROXY


def test_a_fresh_servers_settings_are_the_default() -> None:
    fresh = {"httpProxy": None, "httpsProxy": None, "nonProxyHosts": None, "retries": 2, "timeout": 30}
    assert HttpSettingsSpec(**http_settings.from_api({**fresh, "userAgent": None})) == HttpSettingsSpec()


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"http_proxy_host": "p"}, "http_proxy_port"), ({"https_proxy_port": 3128}, "https_proxy_host")],
)
def test_a_proxy_server_needs_a_host_and_a_port(fields: dict[str, object], field: str) -> None:
    result = HttpSettingsProvider().check({}, {"connection": {"url": "http://n", "username": "a"}, **fields})
    assert [failure.property for failure in result.failures] == [field]


def test_a_server_without_the_api_is_refused_saying_what_has_it(nexus_emulator: NexusEmulator) -> None:
    props = {"connection": connection(nexus_emulator), **PROXY.model_dump()}
    with pytest.raises(
        ProviderError,
        match=r"no API for it .*404.*HTTP settings API \(/v1/http\) is in Nexus Pro.*remove httpProxy",
    ):
        create(HttpSettingsProvider(), props)
    assert nexus_emulator.count_writes() == 1  # the refused PUT, nothing else


def test_the_pro_server_takes_the_settings_and_a_delete_resets_them(
    nexus_emulator_pro: NexusEmulator,
) -> None:
    provider = HttpSettingsProvider()
    object_id, outs = create(provider, {"connection": connection(nexus_emulator_pro), **PROXY.model_dump()})
    stored = nexus_emulator_pro.call("GET", "/v1/http").body
    assert stored["httpProxy"]["host"] == "proxy.example.test"
    assert "secret" not in str(stored)
    provider.delete(object_id, outs)
    assert nexus_emulator_pro.call("GET", "/v1/http").body["httpProxy"] is None
    with pytest.raises(pydantic.ValidationError):
        HttpSettingsSpec(retries=11)
