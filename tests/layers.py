"""Which layer a test belongs to, for ``pytest -m LAYER`` (markers registered in pyproject.toml,
applied by ``tests/conftest.py`` from where the test lives and what it uses; a test is in every
layer it touches):

- ``unit``: none of the below: plain functions, Pulumi mocks, temporary files;
- ``emulator``: the in-process Nexus emulator (``tests/nexus_emulator``, whose own tests live there);
- ``real_nexus``: the real Nexus core, started once per session;
- ``engine``: the real Pulumi engine (``tests/e2e/``: ``scripts/build-pulumi``);
- ``live``: real processes: HAProxy, sshd, slapd, SeaweedFS (S3), a registry, a Docker Engine.

And what a test does when the tool it needs is missing: skip, or fail in CI (``CI`` set).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import NoReturn

import pytest

LAYERS = ("unit", "emulator", "real_nexus", "engine", "live")

ENGINE_FIXTURES = frozenset({"engine_bin", "pulumi_cli", "project_copy"})
LIVE_FIXTURES = frozenset({"docker_engine", "live_stack", "ldap_directory", "s3_server", "ssh_host", "live"})
EMULATOR_FIXTURES = frozenset({"nexus_emulator", "nexus"})


def layers(parts: Iterable[str], fixtures: Iterable[str], marks: Iterable[str]) -> set[str]:
    """The layers of a test: ``parts`` of its path under ``tests/``, the fixtures it uses and the
    markers it already carries."""
    parts, fixtures, marks = list(parts), set(fixtures), set(marks)
    found = {mark for mark in marks if mark in LAYERS}
    if parts[:1] == ["e2e"] or fixtures & ENGINE_FIXTURES:
        found.add("engine")
    if fixtures & LIVE_FIXTURES:
        found.add("live")
    emulator_module = parts[:1] == ["nexus_emulator"]
    if "real_nexus" not in found and (fixtures & EMULATOR_FIXTURES or emulator_module):
        found.add("emulator")
    return found or {"unit"}


def unavailable(reason: str) -> NoReturn:
    """A tool or service the test needs is missing: skip here, fail in CI (``CI`` set), where a
    skip would mean the suite did not test what it claims to."""
    if os.environ.get("CI"):
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)
