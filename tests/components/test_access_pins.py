"""Access behaviours that once had no test (issue 31, item 9): a robot with ``enabled: false`` is
disabled in Nexus, from the plan through the emulator, and turning it off later is an update."""

from __future__ import annotations

from typing import Any

from components.access import access_plan
from components.registry import registry_layout
from settings import parse_settings
from tests.components.test_access import access_up, stack
from tests.components.test_registry import up as registry_up
from tests.nexus_emulator import NexusEmulator


def robot_stack(enabled: bool) -> dict[str, Any]:
    raw = stack()
    raw["access"]["robots"][0]["enabled"] = enabled
    return raw


def test_a_robot_enabled_false_is_disabled_in_the_plan() -> None:
    assert [u.status for u in access_plan(parse_settings(robot_stack(False))).users] == ["disabled"]
    assert [u.status for u in access_plan(parse_settings(robot_stack(True))).users] == ["active"]


def test_a_robot_enabled_false_is_disabled_in_nexus_end_to_end(nexus_emulator: NexusEmulator) -> None:
    settings = parse_settings(robot_stack(True))
    registry_up(nexus_emulator, registry_layout(settings), {})
    state: dict[str, Any] = {}
    access_up(nexus_emulator, settings, state)
    users = nexus_emulator.snapshot()["security"]["users"]
    assert users["ci-platform"]["status"] == "active"

    # switched off in the stack: the diff sees the status, and Nexus is told
    assert access_up(nexus_emulator, parse_settings(robot_stack(False)), state) == ["update user/ci-platform"]
    assert nexus_emulator.snapshot()["security"]["users"]["ci-platform"]["status"] == "disabled"
    assert access_up(nexus_emulator, parse_settings(robot_stack(False)), state) == []

    # and created disabled on a stack that never had it active
    nexus_emulator.call("DELETE", "/v1/security/users/ci-platform")
    del state["user/ci-platform"]
    assert access_up(nexus_emulator, parse_settings(robot_stack(False)), state) == ["create user/ci-platform"]
    assert nexus_emulator.snapshot()["security"]["users"]["ci-platform"]["status"] == "disabled"
