"""Smoke checks after an upgrade, a rollback or a restore.

1. ``/service/rest/v1/status/writable`` answers 200 within a bounded time (Nexus starts in 1-3
   minutes; a database migration can take longer, hence the generous default);
2. the ``Server`` header reports the configured version (``Nexus/3.77.1-01 (COMMUNITY)``);
3. every configured repository answers ``GET /v1/repositories/{name}`` with 200.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import requests

from reach.http import REQUEST_TIMEOUT_SECONDS, new_session
from reach.nexus import parse_server_header, wait_until_writable
from reach.versions import same_release

DEFAULT_WAIT_SECONDS = 900.0
POLL_SECONDS = 5.0
#: Who makes the requests, after ``nexus-platform`` in the User-Agent.
CALLER = "operations"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""

    def __str__(self) -> str:
        return f"[{'ok' if self.ok else 'FAILED'}] {self.name}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class SmokeReport:
    version: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def summary(self) -> str:
        head = f"smoke checks for Nexus {self.version}: {'passed' if self.ok else 'FAILED'}"
        return "\n".join([head, *(f"  {check}" for check in self.checks)])


@dataclass(frozen=True)
class NexusEndpoint:
    url: str  # base URL, e.g. http://127.0.0.1:8081
    username: str = "admin"
    password: str = field(default="", repr=False)
    ca_file: str | None = None

    @property
    def api(self) -> str:
        return self.url.rstrip("/") + "/service/rest"

    def session(self, *, authenticated: bool = False) -> requests.Session:
        """A session to this Nexus (:func:`reach.http.new_session`) trusting the stack's CA, if
        any, over REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE; with the credentials when ``authenticated``."""
        auth = (self.username, self.password) if authenticated else None
        return new_session(self.url, caller=CALLER, verify=self.ca_file or True, auth=auth)


def server_header(endpoint: NexusEndpoint) -> str:
    """The ``Server`` header of ``/v1/status`` (empty when there is none); raises
    ``requests.RequestException`` when Nexus does not answer."""
    with endpoint.session() as session:
        response = session.get(endpoint.api + "/v1/status", timeout=REQUEST_TIMEOUT_SECONDS)
    return response.headers.get("Server", "")


def wait_writable(
    endpoint: NexusEndpoint,
    *,
    timeout: float = DEFAULT_WAIT_SECONDS,
    interval: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] | None = None,
) -> Check:
    ready = wait_until_writable(
        endpoint.url,
        timeout,
        verify=endpoint.ca_file or True,
        interval_seconds=interval,
        progress=progress,
        progress_every_seconds=interval,
        clock=clock,
        sleep=sleep,
    )
    if ready.ok:
        return Check("writable", True, "/v1/status/writable answered 200")
    return Check("writable", False, f"not writable after {timeout:.0f} s (last: {ready.last})")


def check_version(endpoint: NexusEndpoint, version: str) -> Check:
    try:
        header = server_header(endpoint)
    except requests.RequestException as error:
        return Check("version", False, f"no answer: {type(error).__name__}")
    reported = parse_server_header(header).version
    if not reported:
        return Check("version", False, f"no Nexus version in the Server header ({header!r})")
    if not same_release(version, reported):
        return Check("version", False, f"Nexus reports {reported}, the stack configures {version}")
    return Check("version", True, f"Server: {header}")


def check_repositories(endpoint: NexusEndpoint, names: Sequence[str]) -> list[Check]:
    checks = []
    with endpoint.session(authenticated=True) as session:
        for name in names:
            try:
                url = f"{endpoint.api}/v1/repositories/{name}"
                response = session.get(url, timeout=REQUEST_TIMEOUT_SECONDS)
                ok = response.status_code == 200
                detail = "answers" if ok else f"HTTP {response.status_code}"
            except requests.RequestException as error:
                ok, detail = False, f"no answer: {type(error).__name__}"
            checks.append(Check(f"repository {name}", ok, detail))
    return checks


def smoke_checks(
    endpoint: NexusEndpoint,
    version: str,
    repositories: Sequence[str],
    *,
    timeout: float = DEFAULT_WAIT_SECONDS,
    interval: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] | None = None,
) -> SmokeReport:
    """All three checks; the later ones only when Nexus became writable."""
    writable = wait_writable(
        endpoint, timeout=timeout, interval=interval, clock=clock, sleep=sleep, progress=progress
    )
    if not writable.ok:
        return SmokeReport(version, (writable,))
    checks = [writable, check_version(endpoint, version), *check_repositories(endpoint, repositories)]
    return SmokeReport(version, tuple(checks))
