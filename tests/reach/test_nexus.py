"""Reaching Nexus: the writable wait every caller shares, and what the Server header says."""

from __future__ import annotations

import threading

import pytest

from reach.nexus import WRITABLE_PATH, parse_server_header, wait_until_writable
from tests.nexus_emulator import NexusEmulator


@pytest.mark.parametrize(
    ("header", "version", "edition"),
    [
        ("Nexus/3.85.0-03 (PRO)", "3.85.0-03", "PRO"),
        ("Nexus/3.80.0-06 (OSS)", "3.80.0-06", "OSS"),
        ("Nexus/3.93.2-01 (COMMUNITY)", "3.93.2-01", "COMMUNITY"),
        ("Jetty(9.4)", None, None),
        (None, None, None),
    ],
)
def test_server_header(header: str | None, version: str | None, edition: str | None) -> None:
    info = parse_server_header(header)
    assert (info.version, info.edition) == (version, edition)


def test_server_versions_order_as_releases() -> None:
    def key(header: str) -> tuple[int, int, int, int]:
        return parse_server_header(header).version_key()

    assert key("Nexus/3.77.1-01 (CORE)") < key("Nexus/3.77.2 (CORE)") < key("Nexus/3.100.0-01 (PRO)")
    assert key("Nexus/3.99.9-99 (OSS)") < key("Nexus/3.100.0 (OSS)")
    assert key("Jetty(9.4)") == (0, 0, 0, 0)


def test_wait_returns_once_nexus_turns_writable(nexus_emulator: NexusEmulator) -> None:
    nexus_emulator.set_starting()
    timer = threading.Timer(0.3, nexus_emulator.set_ready)
    timer.start()
    try:
        ready = wait_until_writable(nexus_emulator.url, 30, interval_seconds=0.05)
    finally:
        timer.cancel()
    assert ready.ok and ready.last == "HTTP 200" and ready.seconds >= 0.25
    assert ready.url == nexus_emulator.url + WRITABLE_PATH


def test_wait_is_bounded_and_reports_progress(nexus_emulator: NexusEmulator) -> None:
    nexus_emulator.set_starting()
    ticks = iter(range(0, 1000, 10))
    lines: list[str] = []
    clock = lambda: float(next(ticks))  # noqa: E731
    ready = wait_until_writable(
        nexus_emulator.url + "/", 45, progress=lines.append, clock=clock, sleep=lambda _: None
    )
    # attempts at 10, 20, 30, 40, 50 s; a progress line at most every 15 s; over at 50 >= 45
    assert (ready.ok, ready.last, ready.seconds) == (False, "HTTP 503", 50.0)
    waiting = f"waiting for Nexus at {nexus_emulator.url}{WRITABLE_PATH}: HTTP 503 after"
    assert lines == [f"{waiting} 20 s", f"{waiting} 40 s"]


def test_still_running_may_stop_the_wait() -> None:
    class GoneError(Exception):
        pass

    def gone() -> None:
        raise GoneError

    with pytest.raises(GoneError):
        wait_until_writable("http://127.0.0.1:9", 60, still_running=gone)
