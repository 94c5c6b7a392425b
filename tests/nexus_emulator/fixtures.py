"""pytest fixtures. Use with ``pytest_plugins = ["tests.nexus_emulator.fixtures"]`` or import them.

``nexus_emulator`` yields a started :class:`NexusEmulator` (Community Edition, admin password
:data:`TEST_ADMIN_PASSWORD`), stopped afterwards; ``nexus_emulator_pro`` the same as Pro and
``nexus_emulator_oss`` the open-source core 3.71.0-06 as it starts. ``nexus_admin`` is ``(user, password)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import TEST_ADMIN_PASSWORD
from .emulator import NexusEmulator

__all__ = ["TEST_ADMIN_PASSWORD", "nexus_admin", "nexus_emulator", "nexus_emulator_oss", "nexus_emulator_pro"]


@pytest.fixture
def nexus_emulator() -> Iterator[NexusEmulator]:
    emulator = NexusEmulator(admin_password=TEST_ADMIN_PASSWORD).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def nexus_emulator_pro() -> Iterator[NexusEmulator]:
    emulator = NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition="PRO").start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def nexus_emulator_oss() -> Iterator[NexusEmulator]:
    """The open-source core 3.71.0-06 as it starts: no Docker/npm/PyPI, LDAP, task writes, EULA or
    cleanup-policy API; the default Maven repositories and the two system tasks."""
    emulator = NexusEmulator(
        admin_password=TEST_ADMIN_PASSWORD,
        edition="OSS",
        version="3.71.0-06",
        default_repositories=True,
        system_tasks=True,
    ).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def nexus_admin() -> tuple[str, str]:
    return ("admin", TEST_ADMIN_PASSWORD)
