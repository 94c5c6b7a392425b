"""Talking HTTP to Nexus: the one place a requests session is made, and the stack's CA in a file.

Every caller gets its session from :func:`new_session`: the providers' REST client
(``dynamic_providers/client.py``, with its retries and kept sessions), the writable wait
(:mod:`reach.nexus`), and the operations' smoke checks and stack reads (``operations/``). A session
is made for one Nexus URL and takes what the environment says for it once (:func:`request_environment`:
the proxies and REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, as requests reads them); the stack's CA, when
given, wins over those bundles (requests would let them replace a session's own CA). Identity of
the server: :func:`reach.nexus.parse_server_header`.

requests is imported when a session is made, not at import: the program and a preview's provider
process load the client and never make a request (about 0.1 s of start-up).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests
    from urllib3.util.retry import Retry

#: The User-Agent of every request, followed by who makes it (e.g. ``operations``).
USER_AGENT = "nexus-platform"
#: One status or object read outside the client (the client's own is per connection).
REQUEST_TIMEOUT_SECONDS = 10.0

#: The variables that decide the proxies of a request to an http(s) URL.
PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
)


def user_agent(caller: str | None = None) -> str:
    """``nexus-platform`` or ``nexus-platform <caller>``."""
    return f"{USER_AGENT} {caller}" if caller else USER_AGENT


# ---------------------------------------------------------------- the environment


@dataclass(frozen=True)
class RequestEnvironment:
    """The proxies for one URL and the CA bundle named by the environment (None: the default)."""

    proxies: Mapping[str, str]
    ca_bundle: str | None


def request_environment(url: str) -> RequestEnvironment:
    """What the environment says for requests to ``url``, as requests reads it. requests works the
    proxies out again on every request (several walks of ``os.environ``: about 1 ms of a provider's
    CPU per request, docs/performance.md); here once per URL and value of the proxy variables."""
    proxies = _environ_proxies(url, tuple(os.environ.get(name) for name in PROXY_VARIABLES))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
    return RequestEnvironment(proxies, bundle)


@cache
def _environ_proxies(url: str, _variables: tuple[str | None, ...]) -> Mapping[str, str]:
    from requests.utils import get_environ_proxies  # noqa: PLC0415 (see the module docstring)

    return types.MappingProxyType(dict(get_environ_proxies(url)))


# ---------------------------------------------------------------- the session


def new_session(
    url: str,
    *,
    caller: str | None = None,
    verify: str | bool = True,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    retry: Retry | None = None,
    environment: RequestEnvironment | None = None,
) -> requests.Session:
    """A session for requests to the Nexus at ``url``.

    ``verify``: the stack's CA file (it wins over the environment's bundles), True (the
    environment's bundle, else the default trust store) or False. ``retry``: urllib3's retries for
    every request (none by default). ``environment``: :func:`request_environment` of ``url``,
    when the caller has it already. The environment is applied here, once: the session does not
    read it again (``trust_env`` off)."""
    import requests  # noqa: PLC0415 (see the module docstring)

    environment = environment or request_environment(url)
    session = requests.Session()
    session.trust_env = False
    session.proxies.update(environment.proxies)
    session.verify = (environment.ca_bundle or True) if verify is True else verify
    session.headers["User-Agent"] = user_agent(caller)
    session.headers.update(headers or {})
    if auth is not None:
        session.auth = auth
    if retry is not None:
        from requests.adapters import HTTPAdapter  # noqa: PLC0415

        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


# ---------------------------------------------------------------- the stack's CA

_ca_files: dict[str, str] = {}
_ca_files_lock = threading.Lock()


def ca_file(ca_pem: str) -> str:
    """A file holding the stack's CA (requests wants a path), written once per process and removed
    when it exits: a kept session opens new connections with it at any time. For a file needed only
    for a while: :func:`reach.host.pem_file`."""
    # Loaded with the first CA: a provider process of a stack without one never needs reach.host.
    from reach.host import write_secret_file  # noqa: PLC0415

    with _ca_files_lock:
        path = _ca_files.get(ca_pem)
        if path is None or not os.path.exists(path):
            if not _ca_files:
                atexit.register(_remove_ca_files)
            path = _ca_files[ca_pem] = write_secret_file(ca_pem, suffix=".pem")
        return path


def _remove_ca_files() -> None:
    with _ca_files_lock:
        for path in _ca_files.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        _ca_files.clear()
