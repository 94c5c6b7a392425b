"""Reaching a Nexus before any API call: is it writable yet, and which version and edition is it.

Nexus takes 1-3 minutes to start (a database migration longer): connection refused, then 503 on
every path, then 200 from ``/service/rest/v1/status/writable``. One bounded poll for that, used by
the first run, the operations' smoke checks and the test harness alike; each turns the outcome
into its own kind of failure. The one parser of the ``Server`` header (:func:`parse_server_header`).
The session: :mod:`reach.http`; the authenticated REST client is ``dynamic_providers/client.py``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from reach.http import REQUEST_TIMEOUT_SECONDS, new_session
from reach.versions import version_key

WRITABLE_PATH = "/service/rest/v1/status/writable"
#: Readiness is noticed within a second of Nexus turning writable (one status GET each time).
WRITABLE_POLL_SECONDS = 0.5
#: A progress line at most this often while waiting.
PROGRESS_EVERY_SECONDS = 15.0

_SERVER_HEADER = re.compile(r"^Nexus/(?P<version>\S+)\s+\((?P<edition>[A-Z]+)\)")


@dataclass(frozen=True)
class Readiness:
    """How a wait for writable ended: ``ok``, after ``seconds``, the ``last`` answer seen."""

    url: str
    ok: bool
    seconds: float
    last: str


def wait_until_writable(
    base_url: str,
    timeout_seconds: float,
    *,
    verify: str | bool = True,
    interval_seconds: float = WRITABLE_POLL_SECONDS,
    progress: Callable[[str], None] | None = None,
    progress_every_seconds: float = PROGRESS_EVERY_SECONDS,
    still_running: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Readiness:
    """Poll ``base_url``'s writable status until it answers 200 or ``timeout_seconds`` pass.

    ``verify``: a CA file (kept even when REQUESTS_CA_BUNDLE is set) or True
    (:func:`reach.http.new_session`). ``still_running`` is called before each attempt and may raise
    (e.g. the server process has exited)."""
    target = base_url.rstrip("/") + WRITABLE_PATH
    request_timeout = min(REQUEST_TIMEOUT_SECONDS, max(1.0, timeout_seconds))
    start = clock()
    last = "no answer yet"
    next_report = start + progress_every_seconds
    import requests  # noqa: PLC0415 (only a wait makes requests: not loaded by every importer)

    with new_session(target, verify=verify) as session:
        while True:
            if still_running is not None:
                still_running()
            try:
                response = session.get(target, timeout=request_timeout)
                if response.status_code == 200:
                    return Readiness(target, True, clock() - start, "HTTP 200")
                last = f"HTTP {response.status_code}"
            except requests.RequestException as error:
                last = type(error).__name__
            now = clock()
            if now - start >= timeout_seconds:
                return Readiness(target, False, now - start, last)
            if progress is not None and now >= next_report:
                progress(f"waiting for Nexus at {target}: {last} after {now - start:.0f} s")
                next_report = now + progress_every_seconds
            sleep(interval_seconds)


# ---------------------------------------------------------------- server identity


OPEN_SOURCE_EDITIONS = frozenset({"OSS", "CORE"})
EDITION_NAMES = {
    "OSS": "the open-source Nexus core",
    "CORE": "the open-source Nexus core",
    "COMMUNITY": "Nexus Community Edition",
    "PRO": "Nexus Pro",
}


@dataclass(frozen=True)
class ServerInfo:
    version: str | None
    edition: str | None

    @property
    def is_pro(self) -> bool:
        return self.edition == "PRO"

    @property
    def is_community(self) -> bool:
        return self.edition == "COMMUNITY"

    @property
    def is_open_source(self) -> bool:
        """The open-source core: ``OSS`` up to 3.76, ``CORE`` from 3.77."""
        return self.edition in OPEN_SOURCE_EDITIONS

    @property
    def edition_name(self) -> str:
        return EDITION_NAMES.get(self.edition or "", self.edition or "an unknown edition")

    def describe(self) -> str:
        """As the server names itself, e.g. ``Nexus/3.71.0-06 (OSS)``."""
        return f"Nexus/{self.version or '?'} ({self.edition or '?'})"

    def version_key(self) -> tuple[int, int, int, int]:
        """The version for ordering (:func:`reach.versions.version_key`; unknown: all zeros)."""
        return version_key(self.version or "0")


def parse_server_header(value: str | None) -> ServerInfo:
    match = _SERVER_HEADER.match(value or "")
    if not match:
        return ServerInfo(None, None)
    return ServerInfo(match["version"], match["edition"])
