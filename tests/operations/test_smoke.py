"""Smoke checks against the emulator: writable wait (bounded), Server-header version, repositories."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from operations.smoke import NexusEndpoint, smoke_checks, wait_writable
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator


@pytest.fixture
def nexus() -> Iterator[NexusEmulator]:
    emulator = NexusEmulator(
        admin_password=TEST_ADMIN_PASSWORD, version="3.77.1-01", default_repositories=True
    ).start()
    yield emulator
    emulator.stop()


def endpoint(nexus: NexusEmulator) -> NexusEndpoint:
    return NexusEndpoint(nexus.url, "admin", TEST_ADMIN_PASSWORD)


def test_all_checks_pass(nexus: NexusEmulator) -> None:
    report = smoke_checks(endpoint(nexus), "3.77.1", ["maven-releases", "maven-public"], timeout=2)
    assert report.ok, report.summary()
    assert [c.name for c in report.checks] == [
        "writable",
        "version",
        "repository maven-releases",
        "repository maven-public",
    ]


def test_wrong_version_fails(nexus: NexusEmulator) -> None:
    report = smoke_checks(endpoint(nexus), "3.80.0", [], timeout=2)
    assert not report.ok
    assert "Nexus reports 3.77.1-01, the stack configures 3.80.0" in report.summary()


def test_missing_repository_fails(nexus: NexusEmulator) -> None:
    report = smoke_checks(endpoint(nexus), "3.77.1", ["docker-all"], timeout=2)
    assert not report.ok and "[FAILED] repository docker-all: HTTP 404" in report.summary()


def test_waits_while_starting_then_passes(nexus: NexusEmulator) -> None:
    nexus.set_starting()
    timer = threading.Timer(0.3, nexus.set_ready)
    timer.start()
    try:
        report = smoke_checks(endpoint(nexus), "3.77.1", [], timeout=5, interval=0.05)
    finally:
        timer.cancel()
    assert report.ok, report.summary()


def test_writable_wait_is_bounded(nexus: NexusEmulator) -> None:
    nexus.set_writable(False)
    check = wait_writable(endpoint(nexus), timeout=0.3, interval=0.05)
    assert not check.ok and "not writable after 0 s (last: HTTP 503)" in check.detail
    report = smoke_checks(endpoint(nexus), "3.77.1", ["maven-releases"], timeout=0.2, interval=0.05)
    assert not report.ok and len(report.checks) == 1  # nothing else is checked before writable


def test_no_answer_at_all() -> None:
    check = wait_writable(NexusEndpoint("http://127.0.0.1:9"), timeout=0.1, interval=0.05)
    assert not check.ok and "ConnectionError" in check.detail
