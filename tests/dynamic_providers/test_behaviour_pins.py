"""Behaviours that once had no test (issue 31, item 9): each test here fails when its behaviour
breaks. A user's status is a change; the lockdown leaves anonymous access on only for exactly the
stack's roles; a one-way-door target without a build suffix is looked at; the 3.77+ open-source
core is not credited with task create; anonymous access is limited before it is switched on."""

from __future__ import annotations

from typing import Any

import pytest

from dynamic_providers.anonymous import AnonymousAccessProvider
from dynamic_providers.capabilities import read_capabilities
from dynamic_providers.client import Connection, NexusClient
from dynamic_providers.exceptions import ProviderError
from dynamic_providers.lockdown import AnonymousLockdownProvider
from dynamic_providers.one_way_door import judge_database
from dynamic_providers.roles import RoleProvider
from dynamic_providers.users import UserProvider
from reach.versions import Database, one_way_door
from tests.dynamic_providers import drive
from tests.dynamic_providers.drive import apply, checked, connection, create
from tests.dynamic_providers.test_security_lifecycle import PULL, nexus_get, with_repository
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator

ORIENTDB_FILES = ["config/database.ocf", "config/repository.pcl", "component/asset.cpm"]


def robot(emulator: NexusEmulator, **fields: Any) -> dict[str, Any]:
    return drive.robot(emulator, **{"roles": ["nx-anonymous"], **fields})


# ---------------------------------------------------------------- a user's status


def test_a_status_change_alone_is_a_change_of_the_user(nexus_emulator: NexusEmulator) -> None:
    provider = UserProvider()
    active = checked(provider, robot(nexus_emulator))
    disabled = checked(provider, robot(nexus_emulator, status="disabled"))
    diff = provider.diff("ci-platform", active, disabled)
    assert diff.changes is True and not diff.replaces
    assert provider.diff("ci-platform", disabled, active).changes is True
    assert provider.diff("ci-platform", active, dict(active)).changes is False


def test_a_user_disabled_in_the_stack_is_disabled_in_nexus(nexus_emulator: NexusEmulator) -> None:
    provider = UserProvider()
    object_id, outs = create(provider, robot(nexus_emulator))
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=ci-platform")[0]["status"] == "active"
    step, outs = apply(provider, object_id, outs, robot(nexus_emulator, status="disabled"))
    assert step == "update"
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=ci-platform")[0]["status"] == "disabled"
    step, _ = apply(provider, object_id, outs, robot(nexus_emulator))
    assert step == "update"
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=ci-platform")[0]["status"] == "active"


# ---------------------------------------------------------------- anonymous access


def _anonymous_roles(emulator: NexusEmulator, roles: list[str]) -> None:
    user = nexus_get(emulator, "/v1/security/users?userId=anonymous")[0]
    emulator.call("PUT", "/v1/security/users/anonymous", {**user, "roles": roles})


def test_the_lockdown_switches_off_an_anonymous_user_with_more_than_the_stacks_roles(
    nexus_emulator: NexusEmulator,
) -> None:
    with_repository(nexus_emulator)
    create(
        RoleProvider(),
        {"connection": connection(nexus_emulator), "role_id": "docker-pull", "privileges": list(PULL)},
    )
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is True
    _anonymous_roles(nexus_emulator, ["docker-pull", "nx-anonymous"])  # the stack's, and Nexus's own
    AnonymousLockdownProvider().create(
        {"connection": connection(nexus_emulator), "keep_roles": ["docker-pull"]}
    )
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is False


def test_anonymous_access_is_limited_before_it_is_switched_on(nexus_emulator: NexusEmulator) -> None:
    """The anonymous user's roles are written before the setting that switches access on: in
    between, the server is never open with Nexus's own read-everything role."""
    with_repository(nexus_emulator)
    create(
        RoleProvider(),
        {"connection": connection(nexus_emulator), "role_id": "docker-pull", "privileges": list(PULL)},
    )
    AnonymousLockdownProvider().create({"connection": connection(nexus_emulator), "keep_roles": []})
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is False
    nexus_emulator.clear_log()
    create(
        AnonymousAccessProvider(),
        {"connection": connection(nexus_emulator), "enabled": True, "roles": ["docker-pull"]},
    )
    writes = [(r.method, r.path) for r in nexus_emulator.request_log if r.write]
    assert writes == [
        ("PUT", "/service/rest/v1/security/users/anonymous"),
        ("PUT", "/service/rest/v1/security/anonymous"),
    ]
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is True
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=anonymous")[0]["roles"] == ["docker-pull"]


# ---------------------------------------------------------------- the one-way door


@pytest.mark.parametrize("target", ["3.71.0", "3.71", "3.71.0-06", "3.71.1"])
def test_a_target_without_a_build_suffix_is_looked_at(target: str) -> None:
    looks: list[int] = []

    def lister() -> list[str]:
        looks.append(1)
        return ORIENTDB_FILES

    assert one_way_door("3.70.0-01", target, Database.ORIENTDB) is not None
    with pytest.raises(ProviderError, match=rf"nexus\.version {target}: refusing.*OrientDB"):
        judge_database({"version": "3.70.0-01"}, {"version": target}, lister, force=False)
    assert looks == [1]
    assert judge_database({}, {"version": target}, lambda: ["nexus.mv.db"], force=False) == "H2"


def test_the_last_orientdb_release_is_not_looked_at() -> None:
    assert judge_database({}, {"version": "3.70.4-02"}, lambda: ORIENTDB_FILES, force=False) is None
    assert one_way_door(None, "3.70.4-02", Database.ORIENTDB) is None


# ---------------------------------------------------------------- what the server offers


@pytest.mark.parametrize(("version", "edition"), [("3.71.0-06", "OSS"), ("3.77.1-01", "CORE")])
def test_the_open_source_core_is_not_credited_with_task_create(
    nexus_emulator: NexusEmulator, version: str, edition: str
) -> None:
    nexus_emulator.set_version(version, edition)
    with NexusClient(Connection(nexus_emulator.url, "admin", TEST_ADMIN_PASSWORD)) as client:
        capabilities = read_capabilities(client)
    assert capabilities.server.edition == edition and capabilities.server.is_open_source
    assert not capabilities.has("task-create")
    nexus_emulator.set_version("3.77.1-01", "COMMUNITY")
    with NexusClient(Connection(nexus_emulator.url, "admin", TEST_ADMIN_PASSWORD)) as client:
        assert read_capabilities(client).has("task-create")
