"""A stack recorded while every Nexus resource held the admin password in its ``connection``
(a secret, as before ``dynamic_providers/credentials.py``) moves to connections without it on
its next `up`, under the real engine.

The older state is made from a fresh one-team stack (existing-Nexus mode, on the emulator): each
Nexus resource's ``connection`` gets the password back, as a secret, in its inputs and outputs,
exactly as the older tree recorded it, and the state is put back with ``pulumi stack import``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.nexus_emulator import NexusEmulator
from tools.shaped_floor import SECRET_SIGNATURE

from .conftest import NEXUS_TYPE_PREFIX, PulumiCli, dynamic_changes, existing_nexus_stack

STACK = "e2e"
NS = "nexus-platform"
ADMIN_PASSWORD = "e2e-migration-admin-pw-7d21e4"
FIRST_RUN = "nexus-first-run"
LOCKDOWN = "anonymous-lockdown"


@dataclass
class World:
    emulator: NexusEmulator
    cli: PulumiCli
    work: Path


@pytest.fixture(scope="module")
def world(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("credentials-migration")
    emulator = NexusEmulator(admin_password=ADMIN_PASSWORD).start()
    try:
        teams = {f"{NS}:teams": [{"name": "alpha", "releasePort": 16001, "latestPort": 16002}]}
        _, cli = existing_nexus_stack(work, STACK, emulator.url, ADMIN_PASSWORD, teams)
        yield World(emulator, cli, work)
    finally:
        emulator.stop()


def nexus_resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = state["deployment"]["resources"]
    return [r for r in resources if str(r.get("type", "")).startswith(NEXUS_TYPE_PREFIX)]


def with_password_in_connections(state: dict[str, Any], password: str) -> int:
    """Puts the password back into every ``connection`` as the older tree recorded it; how many."""
    count = 0
    for resource in nexus_resources(state):
        for side in ("inputs", "outputs"):
            held = (resource.get(side) or {}).get("connection")
            if isinstance(held, dict) and "url" in held:
                older = {**held, "password": password}
                secret = dict([SECRET_SIGNATURE])
                resource[side]["connection"] = {**secret, "plaintext": json.dumps(older)}
                count += 1
    return count


def connections_holding_a_secret(state: dict[str, Any]) -> list[str]:
    return [
        f"{r['urn'].rsplit('::', 1)[1]} {side}"
        for r in nexus_resources(state)
        for side in ("inputs", "outputs")
        if "ciphertext" in json.dumps((r.get(side) or {}).get("connection"))
    ]


def test_an_older_state_loses_the_password_on_the_next_up_with_no_write(world: World) -> None:
    world.cli.up()
    state = world.cli.stack_export(show_secrets=True)
    assert with_password_in_connections(state, ADMIN_PASSWORD) > 20
    older = world.work / "older-state.json"
    older.write_text(json.dumps(state))
    world.cli.run("stack", "import", "--file", str(older), "--stack", STACK)
    imported = connections_holding_a_secret(world.cli.stack_export())
    assert len(imported) > 20, imported  # the older shape, encrypted by the import

    # Every Nexus resource is an update (of its connection alone) but the first run and the
    # anonymous lockdown, a one-time step that never diffs (the engine still records its new inputs).
    names = {r["urn"].rsplit("::", 1)[1] for r in nexus_resources(state)} - {FIRST_RUN, LOCKDOWN}
    assert dynamic_changes(world.cli.preview_json()) == dict.fromkeys(names, "update")

    world.emulator.clear_log()
    world.cli.up()
    assert world.emulator.count_writes() == 0
    assert all(r.status != 401 and r.user == "admin" for r in world.emulator.request_log)
    # Only the first run's outputs keep their copy, until it next runs (its inputs hold it too).
    assert connections_holding_a_secret(world.cli.stack_export()) == [f"{FIRST_RUN} outputs"]
    world.cli.preview("--expect-no-changes")
