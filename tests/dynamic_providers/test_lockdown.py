"""The anonymous lockdown on the emulator: a one-time step right after the first run that switches
anonymous access off, leaving on only what the stack switched on."""

from __future__ import annotations

from typing import Any

from dynamic_providers.anonymous import AnonymousAccessProvider
from dynamic_providers.lockdown import AnonymousLockdownProvider
from dynamic_providers.roles import RoleProvider
from tests.dynamic_providers.drive import connection, create
from tests.dynamic_providers.test_security_lifecycle import PULL, nexus_get, props, with_repository
from tests.nexus_emulator import NexusEmulator


def test_anonymous_lockdown_switches_a_fresh_nexus_off_once(nexus_emulator: NexusEmulator) -> None:
    """Right after the first run, before any role of the stack exists (a fresh Nexus has it on)."""
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is True
    provider = AnonymousLockdownProvider()
    lockdown = {"connection": connection(nexus_emulator), "keep_roles": []}
    object_id = provider.create(lockdown).id
    outs: dict[str, Any] = {}
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is False
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=anonymous")[0]["roles"] == ["nx-anonymous"]
    # a one-time step: no change, no read, no write on later runs
    nexus_emulator.clear_log()
    assert provider.diff(object_id, outs, lockdown).changes is False
    assert provider.read(object_id, outs).id == object_id
    assert nexus_emulator.request_log == []


def test_anonymous_lockdown_leaves_on_what_the_stack_switched_on(nexus_emulator: NexusEmulator) -> None:
    with_repository(nexus_emulator)
    create(RoleProvider(), props(nexus_emulator, role_id="docker-pull", privileges=list(PULL)))
    create(AnonymousAccessProvider(), props(nexus_emulator, enabled=True, roles=["docker-pull"]))
    provider = AnonymousLockdownProvider()
    nexus_emulator.clear_log()
    provider.create({"connection": connection(nexus_emulator), "keep_roles": ["docker-pull"]})
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is True
    assert nexus_emulator.count_writes() == 0
    # but not Nexus's own default (read everything), even when the stack wants anonymous pull
    nexus_emulator.call(
        "PUT",
        "/v1/security/users/anonymous",
        {**nexus_get(nexus_emulator, "/v1/security/users?userId=anonymous")[0], "roles": ["nx-anonymous"]},
    )
    provider.create({"connection": connection(nexus_emulator), "keep_roles": ["docker-pull"]})
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is False
