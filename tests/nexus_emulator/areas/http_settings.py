"""Outbound HTTP settings (``/v1/http``): proxy servers, non-proxy hosts, timeout and retries.

Not on the open-source core (3.71.0-06 answers 404; not in ``routes-3.71.0-06-oss.txt``); Sonatype
documents it for Pro. unconfirmed (no server with the API was run here): the settings of a fresh
server (Nexus's documented defaults: 2 retries, a 30 s timeout, no proxy), how a GET redacts the
passwords (the placeholder the S3 secret gets is assumed) and that PUT answers 204 and DELETE
resets to the defaults with 204, as the 3.93 document says.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import features
from ..core import Area, Request, Route, register
from ..errors import Response
from .blobstores import SECRET_PLACEHOLDER

PATH = "/v1/http"
DEFAULTS: dict[str, Any] = {
    "httpProxy": None,
    "httpsProxy": None,
    "nonProxyHosts": [],
    "retries": 2,
    "timeout": 30,
    "userAgent": None,
}


class HttpSettings:
    def __init__(self) -> None:
        self.settings: dict[str, Any] = copy.deepcopy(DEFAULTS)

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.settings)


def _store(req: Request) -> HttpSettings:
    return req.state.store(HttpSettings)


def _redacted(server: dict[str, Any] | None) -> dict[str, Any] | None:
    if not server or not (server.get("authInfo") or {}).get("password"):
        return server
    return {**server, "authInfo": {**server["authInfo"], "password": SECRET_PLACEHOLDER}}


def get_settings(req: Request) -> Response:
    settings = copy.deepcopy(_store(req).settings)
    for key in ("httpProxy", "httpsProxy"):
        settings[key] = _redacted(settings[key])
    return Response.json(200, settings)


def update_settings(req: Request) -> Response:
    body = req.body or {}
    _store(req).settings = {key: copy.deepcopy(body.get(key, DEFAULTS[key])) for key in DEFAULTS}
    return Response.no_content(204)


def reset_settings(req: Request) -> Response:
    _store(req).settings = copy.deepcopy(DEFAULTS)
    return Response.no_content(204)


FEATURE = features.HTTP_SETTINGS
ROUTES = [
    Route("GET", PATH, get_settings, "nexus:settings:read", feature=FEATURE),
    Route("PUT", PATH, update_settings, "nexus:settings:update", feature=FEATURE),
    Route("DELETE", PATH, reset_settings, "nexus:settings:update", feature=FEATURE),
]
PROXY = {
    "enabled": True,
    "host": "proxy.example.test",
    "port": "3128",
    "authInfo": {"enabled": True, "username": "u", "password": "p", "ntlmHost": "", "ntlmDomain": ""},
}
DISABLED = {
    "enabled": False,
    "host": "",
    "port": "",
    "authInfo": {"enabled": False, "username": "", "password": "", "ntlmHost": "", "ntlmDomain": ""},
}
AREA = register(
    Area(
        "http_settings",
        ROUTES,
        store=lambda _: HttpSettings(),
        snapshot_key="httpSettings",
        contract=[
            ("PUT", PATH, {**DEFAULTS, "httpProxy": PROXY, "httpsProxy": DISABLED, "userAgent": ""}, 204),
            ("GET", PATH, None, 200),
            ("DELETE", PATH, None, 204),
        ],
        contract_edition="PRO",
    )
)
