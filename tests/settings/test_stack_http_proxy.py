"""`httpProxy`: the outbound proxy servers, keyed errors, the feature it asks the server for, and
what reaches the layout."""

from __future__ import annotations

from typing import Any

import pytest

from components.registry import registry_layout
from settings import SettingsError, parse_settings
from tests.settings.test_stack import config

HTTP = {"host": "proxy.example.test", "port": 3128, "username": "nexus", "password": "proxy-secret"}


def test_the_proxy_servers_reach_the_layout_and_ask_for_the_http_settings_api() -> None:
    settings = parse_settings(
        config(httpProxy={"http": HTTP, "https": {**HTTP, "port": 3129}, "nonProxyHosts": ["localhost"]})
    )
    assert settings.server_features()["http-settings"] == "httpProxy"
    spec = registry_layout(settings).http_settings
    assert spec is not None
    assert (spec.http_proxy_host, spec.http_proxy_port, spec.https_proxy_port) == (
        "proxy.example.test",
        3128,
        3129,
    )
    assert (spec.http_proxy_password, spec.non_proxy_hosts) == ("proxy-secret", ("localhost",))


def test_without_http_proxy_the_servers_settings_are_left_alone() -> None:
    settings = parse_settings(config())
    assert "http-settings" not in settings.server_features()
    assert registry_layout(settings).http_settings is None


@pytest.mark.parametrize(
    ("http_proxy", "key", "words"),
    [
        ({}, "httpProxy.http", "set http, https or both"),
        ({"http": {**HTTP, "port": 0}}, "httpProxy.http.port", "greater than or equal to 1"),
        ({"http": {**HTTP, "host": "a b"}}, "httpProxy.http.host", "not a DNS name"),
        ({"http": {**HTTP, "password": None}}, "httpProxy.http.password", "is required with username"),
        ({"https": {**HTTP, "username": None}}, "httpProxy.https.username", "is required with password"),
        ({"http": {**HTTP, "ntlmHost": "h"}}, "httpProxy.http.ntlmDomain", "NTLM needs"),
        ({"http": HTTP, "proxy": "x"}, "httpProxy.proxy", "is not a known key"),
    ],
)
def test_an_http_proxy_mistake_names_its_key(http_proxy: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(SettingsError) as error:
        parse_settings(config(httpProxy=http_proxy))
    assert any(issue.key == key and words in issue.message for issue in error.value.issues), (
        error.value.issues
    )
