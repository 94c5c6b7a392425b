"""Outbound HTTP settings (``/v1/http``): the HTTP and HTTPS proxy servers Nexus goes through to
reach remotes, the hosts it reaches directly, its timeout and retries; a singleton.

Not every server has the API: the open-source core has none at any version (3.71.0-06 answers
404), Sonatype documents it for Nexus Pro (the 3.93 document has it), and a Community 3.84 answered
404 where 3.81 answered. A stack that asks for it is refused at the first run, naming the key,
where the server does not offer it (``capabilities.py``, feature ``http-settings``). Passwords are
write-only: Nexus redacts them in a GET. Deleting the resource resets the settings (``DELETE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from dynamic_providers.base import NOTHING, Api, NameSet, NexusResource, SingletonProvider, Spec, calls
from dynamic_providers.capabilities import PROVIDED_BY
from dynamic_providers.client import NexusClient
from reach.names import FieldRuleError

SETTINGS_PATH = "/v1/http"
#: The scheme prefixes of the fields of each proxy server (``http_proxy_host``, ``https_proxy_host``).
SCHEMES = ("http", "https")
# Nexus's documented defaults (help.sonatype.com, HTTP Configuration API). unconfirmed: what a GET
# of a server that never had settings answers (no server with the API was run here).
DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_RETRIES = 2


class HttpSettingsSpec(Spec):
    http_proxy_host: str | None = None
    http_proxy_port: int | None = pydantic.Field(None, ge=1, le=65535)
    http_proxy_username: str | None = None
    http_proxy_password: str | None = pydantic.Field(None, repr=False)  # write-only: redacted in a GET
    http_proxy_ntlm_host: str | None = None
    http_proxy_ntlm_domain: str | None = None
    https_proxy_host: str | None = None
    https_proxy_port: int | None = pydantic.Field(None, ge=1, le=65535)
    https_proxy_username: str | None = None
    https_proxy_password: str | None = pydantic.Field(None, repr=False)  # write-only: redacted in a GET
    https_proxy_ntlm_host: str | None = None
    https_proxy_ntlm_domain: str | None = None
    non_proxy_hosts: NameSet = ()  # a set in Nexus (uniqueItems)
    user_agent_suffix: str | None = None
    timeout_seconds: int = pydantic.Field(DEFAULT_TIMEOUT_SECONDS, ge=1, le=3600)
    retries: int = pydantic.Field(DEFAULT_RETRIES, ge=0, le=10)

    @pydantic.model_validator(mode="after")
    def _servers_whole(self) -> HttpSettingsSpec:
        # Logins are checked in the stack config (settings): the passwords are carried from the
        # inputs, so a login changed in the UI must read back as drift, not as an error.
        for scheme in SCHEMES:
            host, port = getattr(self, f"{scheme}_proxy_host"), getattr(self, f"{scheme}_proxy_port")
            if bool(host) != bool(port):
                missing = "port" if host else "host"
                raise FieldRuleError(
                    f"{scheme}_proxy_{missing}", f"a {scheme} proxy server needs a host and a port"
                )
        return self


def _server(spec: HttpSettingsSpec, scheme: str) -> dict[str, Any]:
    """ProxySettingsXo of one scheme: disabled when it has no host. The document requires every
    field, null refused: empty strings stand for what is not set."""
    field = f"{scheme}_proxy_"
    host = getattr(spec, field + "host")
    username = getattr(spec, field + "username")
    port = getattr(spec, field + "port")
    return {
        "enabled": bool(host),
        "host": host or "",
        "port": str(port) if port else "",  # a string in ProxySettingsXo
        "authInfo": {
            "enabled": bool(username),
            "username": username or "",
            "password": getattr(spec, field + "password") or "",
            "ntlmHost": getattr(spec, field + "ntlm_host") or "",
            "ntlmDomain": getattr(spec, field + "ntlm_domain") or "",
        },
    }


def to_api(spec: HttpSettingsSpec) -> dict[str, Any]:
    return {
        "httpProxy": _server(spec, "http"),
        "httpsProxy": _server(spec, "https"),
        "nonProxyHosts": list(spec.non_proxy_hosts),
        "userAgent": spec.user_agent_suffix or "",
        "timeout": spec.timeout_seconds,
        "retries": spec.retries,
    }


def _server_fields(server: Mapping[str, Any] | None, scheme: str) -> dict[str, Any]:
    if not server or not server.get("enabled"):
        return {}
    auth = server.get("authInfo") or {}
    field = f"{scheme}_proxy_"
    fields: dict[str, Any] = {
        field + "host": server.get("host"),
        field + "port": int(server.get("port") or 0),
    }
    if auth.get("enabled"):
        fields.update(
            {
                field + "username": auth.get("username") or None,
                field + "ntlm_host": auth.get("ntlmHost") or None,
                field + "ntlm_domain": auth.get("ntlmDomain") or None,
            }
        )
    return fields


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    return {
        **_server_fields(body.get("httpProxy"), "http"),
        **_server_fields(body.get("httpsProxy"), "https"),
        "non_proxy_hosts": tuple(body.get("nonProxyHosts") or ()),
        "user_agent_suffix": body.get("userAgent") or None,
        "timeout_seconds": body.get("timeout") or DEFAULT_TIMEOUT_SECONDS,
        "retries": DEFAULT_RETRIES if body.get("retries") is None else body["retries"],
    }


class HttpSettingsProvider(SingletonProvider[HttpSettingsSpec], mappers=(to_api, from_api)):
    kind = "HTTP settings"
    api = Api(item=SETTINGS_PATH)
    singleton_id = "http-settings"
    default = HttpSettingsSpec()
    write_only_fields = ("http_proxy_password", "https_proxy_password")
    missing_api = PROVIDED_BY["http-settings"]

    @calls("DELETE {item} (the reset)")
    def restore_default(self, client: NexusClient, props: Mapping[str, Any]) -> None:
        # Nexus has a reset of its own: no default of ours is written over a newer server's.
        client.delete(SETTINGS_PATH, missing_ok=False)


class HttpSettings(NexusResource[HttpSettingsSpec]):
    """The outbound HTTP settings, as components declare it."""
