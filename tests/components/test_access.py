"""Access control and retention from the stack config: the plan, the whole of it applied to the
emulator (and re-applied: no change), and the components under Pulumi mocks (secrets stay secret)."""

from __future__ import annotations

from typing import Any

import pulumi
import pydantic
import pytest
import requests

from components.access import AccessArgs, AccessControl, access_plan
from components.first_run import FirstRun, FirstRunArgs
from components.registry import registry_layout
from dynamic_providers.anonymous import AnonymousAccessProvider
from dynamic_providers.base import NexusProvider
from dynamic_providers.client import Connection
from dynamic_providers.content_selectors import ContentSelectorProvider
from dynamic_providers.ldap import LdapServerProvider
from dynamic_providers.lockdown import AnonymousLockdown
from dynamic_providers.privileges import PrivilegeProvider
from dynamic_providers.realms import ActiveRealms, RealmsProvider
from dynamic_providers.roles import RoleProvider
from dynamic_providers.users import UserProvider
from settings import PULL_ROLE, SettingsError, StackSettings, parse_settings, team_role
from tests.components import mocks as m
from tests.components.test_registry import up as registry_up
from tests.dynamic_providers.drive import apply, connection, create
from tests.nexus_emulator import NexusEmulator

T_ROLE = "pulumi-python:dynamic/nexus:Role"
T_USER = "pulumi-python:dynamic/nexus:User"
T_LDAP = "pulumi-python:dynamic/nexus:LdapServer"
T_REALMS = "pulumi-python:dynamic/nexus:ActiveRealms"
T_ANONYMOUS = "pulumi-python:dynamic/nexus:AnonymousAccess"
T_FIRST_RUN = "pulumi-python:dynamic/nexus:FirstRun"
T_PRIVILEGE = "pulumi-python:dynamic/nexus:Privilege"

LDAP: dict[str, Any] = {
    "host": "ldap.example.com",
    "searchBase": "dc=example,dc=com",
    "bindDn": "uid=nexus,ou=services,dc=example,dc=com",
    "bindPassword": "bind-secret",
}


def stack(**extra: Any) -> dict[str, Any]:
    return {
        "domain": "example.com",
        "adminPassword": "admin-secret",
        "nexus": {"version": "3.77.1"},
        "teams": [
            {"name": "platform", "releasePort": 16001, "latestPort": 16002, "ldapGroups": ["platform-devs"]},
            {"name": "payments", "releasePort": 16003, "latestPort": 16004, "ldapGroups": ["payments-devs"]},
        ],
        "ldap": LDAP,
        "access": {
            "pullLdapGroups": ["staff", "platform-devs"],
            "adminLdapGroups": ["nexus-admins"],
            "robots": [{"userId": "ci-platform", "password": "robot-secret", "teams": ["platform"]}],
        },
        **extra,
    }


def settings_of(**extra: Any) -> StackSettings:
    return parse_settings(stack(**extra))


# ---------------------------------------------------------------- the plan


def test_plan_roles_privileges_and_mappings() -> None:
    plan = access_plan(settings_of())
    roles = {role.role_id: role for role in plan.roles}
    assert roles[PULL_ROLE].privileges == (
        "nx-repository-view-docker-docker-all-browse",
        "nx-repository-view-docker-docker-all-read",
    )
    push = roles[team_role("platform")]
    assert push.roles == (PULL_ROLE,)
    assert set(push.privileges) == {
        f"nx-repository-view-docker-docker-platform-{kind}-{action}"
        for kind in ("release", "latest")
        for action in ("browse", "read", "add", "edit")
    }
    assert "delete" not in " ".join(push.privileges)  # a release is never deleted by a team
    # LDAP groups: a role named after the group, holding what the config grants it
    assert roles["platform-devs"].roles == ("docker-platform-push", PULL_ROLE)
    assert roles["payments-devs"].roles == ("docker-payments-push",)
    assert roles["staff"].roles == (PULL_ROLE,)
    assert roles["nexus-admins"].roles == ("nx-admin",)
    assert roles["staff"].privileges == ()
    # contained roles come before the roles that contain them (creation order)
    order = [role.role_id for role in plan.roles]
    assert all(
        order.index(child) < order.index(role.role_id)
        for role in plan.roles
        for child in role.roles
        if child in order
    )


def test_plan_realms_ldap_robots_anonymous() -> None:
    plan = access_plan(settings_of())
    assert plan.realms.realms == ("NexusAuthenticatingRealm", "LdapRealm", "DockerToken")
    assert plan.ldap is not None and plan.ldap.port == 636 and plan.ldap.ldap_groups_as_roles
    assert plan.ldap.auth_password == "bind-secret"
    robot = plan.users[0]
    assert (robot.user_id, robot.roles, robot.email_address) == (
        "ci-platform",
        ("docker-platform-push",),
        "ci-platform@example.com",
    )
    assert plan.anonymous.enabled is False and plan.anonymous.roles == (PULL_ROLE,)

    raw = {k: v for k, v in stack().items() if k not in ("ldap", "access")}
    raw["teams"] = [{"name": "platform", "releasePort": 16001, "latestPort": 16002}]
    local_only = access_plan(parse_settings(raw))
    assert local_only.realms.realms == ("NexusAuthenticatingRealm", "DockerToken")
    assert local_only.ldap is None and local_only.users == []


def test_ldap_group_named_like_a_platform_role_is_refused() -> None:
    raw = stack()
    raw["access"]["pullLdapGroups"] = ["docker-pull"]
    with pytest.raises(
        SettingsError, match=r"nexus-platform:access.pullLdapGroups: LDAP group 'docker-pull'"
    ):
        access_plan(parse_settings(raw))


# ---------------------------------------------------------------- applied to the emulator


def _access_resources(settings: StackSettings) -> list[tuple[str, NexusProvider[Any], pydantic.BaseModel]]:
    plan = access_plan(settings)
    resources: list[tuple[str, NexusProvider[Any], pydantic.BaseModel]] = []
    if plan.ldap is not None:
        resources.append(("ldap", LdapServerProvider(), plan.ldap))
    resources.append(("realms", RealmsProvider(), plan.realms))
    resources += [(f"selector/{s.name}", ContentSelectorProvider(), s) for s in plan.content_selectors]
    resources += [(f"privilege/{p.name}", PrivilegeProvider(), p) for p in plan.privileges]
    resources += [(f"role/{r.role_id}", RoleProvider(), r) for r in plan.roles]
    resources += [(f"user/{u.user_id}", UserProvider(), u) for u in plan.users]
    resources.append(("anonymous", AnonymousAccessProvider(), plan.anonymous))
    return resources


def access_up(emulator: NexusEmulator, settings: StackSettings, state: dict[str, Any]) -> list[str]:
    steps = []
    for key, provider, spec in _access_resources(settings):
        props = {**spec.model_dump(), "connection": connection(emulator), "adopt": False}
        if key in state:
            step, outs = apply(provider, state[key][0], state[key][1], props)
            if step == "update":
                state[key] = (state[key][0], outs)
            if step != "same":
                steps.append(f"{step} {key}")
        else:
            state[key] = create(provider, props)
            steps.append(f"create {key}")
    return steps


def test_two_teams_with_ldap_and_a_robot_end_to_end(nexus_emulator: NexusEmulator) -> None:
    settings = settings_of()
    registry_up(nexus_emulator, registry_layout(settings), {})
    state: dict[str, Any] = {}
    created = access_up(nexus_emulator, settings, state)
    assert len(created) == len(_access_resources(settings))
    security = nexus_emulator.snapshot()["security"]
    assert security["activeRealms"] == ["NexusAuthenticatingRealm", "LdapRealm", "DockerToken"]
    assert security["roles"]["platform-devs"]["roles"] == ["docker-platform-push", "docker-pull"]
    assert security["users"]["ci-platform"]["roles"] == ["docker-platform-push"]
    assert security["anonymous"]["enabled"] is False
    assert nexus_emulator.state.security.permits(
        "ci-platform", "nexus:repository-view:docker:docker-platform-release:add"
    )
    assert not nexus_emulator.state.security.permits(
        "ci-platform", "nexus:repository-view:docker:docker-payments-release:add"
    )
    assert nexus_emulator.state.security.permits(
        "ci-platform", "nexus:repository-view:docker:docker-all:read"
    )

    nexus_emulator.clear_log()
    assert access_up(nexus_emulator, settings, state) == []  # the second run changes nothing
    assert nexus_emulator.count_writes() == 0

    # staff rotation is in the directory; a new group mapping is a one-role change here
    raw = stack()
    raw["access"]["pullLdapGroups"] = ["staff", "platform-devs", "contractors"]
    assert access_up(nexus_emulator, parse_settings(raw), state) == ["create role/contractors"]


SHARED = {"name": "artifacts", "format": "raw", "type": "hosted", "writePolicy": "ALLOW", "teamPaths": True}
AUDITORS = {
    "contentSelectors": [{"name": "org", "expression": 'format == "raw" and path =^ "/org/"'}],
    "privileges": [
        {
            "name": "org-read",
            "type": "repository-content-selector",
            "actions": ["READ", "BROWSE"],
            "format": "raw",
            "repository": "artifacts",
            "contentSelector": "org",
        }
    ],
    "roles": [{"id": "auditors", "privileges": ["org-read"], "ldapGroups": ["cn-auditors"]}],
}


def test_team_paths_and_the_stacks_own_roles_end_to_end(nexus_emulator: NexusEmulator) -> None:
    """The whole access plan with teamPaths, docker-shared and a role of `roles` applied in its
    order: the robot of platform pushes under /platform/ of the shared raw repository only, an LDAP
    group maps to the stack's role, and a second run changes nothing."""
    raw = stack(repositories=[SHARED], **AUDITORS)
    raw["docker"] = {"routing": "path", "sharedPort": 16010}
    settings = parse_settings(raw)
    registry_up(nexus_emulator, registry_layout(settings), {})
    state: dict[str, Any] = {}
    created = access_up(nexus_emulator, settings, state)
    assert (
        created.index("create selector/artifacts-platform-paths")
        < created.index("create privilege/artifacts-platform-paths")
        < created.index("create role/docker-platform-push")
    )
    assert created.index("create role/auditors") < created.index("create role/cn-auditors")
    security = nexus_emulator.snapshot()["security"]
    assert "docker-shared-platform-paths" in security["roles"]["docker-platform-push"]["privileges"]
    assert security["roles"]["cn-auditors"]["roles"] == ["auditors"]
    content = f"{nexus_emulator.url}/repository/artifacts"
    robot = ("ci-platform", "robot-secret")
    assert requests.put(f"{content}/platform/a.txt", data=b"a", auth=robot, timeout=30).status_code == 201
    assert requests.put(f"{content}/payments/a.txt", data=b"a", auth=robot, timeout=30).status_code == 403
    nexus_emulator.clear_log()
    assert access_up(nexus_emulator, settings, state) == []
    assert nexus_emulator.count_writes() == 0


def test_privileges_wait_for_their_selector_and_repository_and_roles_for_their_privileges(
    mocks: m.RecordingMocks,
) -> None:
    raw = stack(repositories=[SHARED], **AUDITORS)
    settings = parse_settings(raw)

    def build() -> None:
        repository = pulumi.CustomResource("test:index:Repository", "repo-artifacts")
        access = AccessControl("access", AccessArgs.from_settings(settings), connection=m.connection())
        access.grant({"artifacts": repository})

    m.deploy(build)
    privilege = mocks.options_of(mocks.one(T_PRIVILEGE, "privilege-artifacts-platform-paths"))
    assert privilege.depends_on_name("content-selector-artifacts-platform-paths")
    assert privilege.depends_on_name("repo-artifacts")
    assert mocks.options_of(mocks.one(T_PRIVILEGE, "privilege-org-read")).depends_on_name(
        "content-selector-org"
    )
    assert mocks.options_of(mocks.one(T_ROLE, "role-docker-platform-push")).depends_on_name(
        "privilege-artifacts-platform-paths"
    )
    assert mocks.options_of(mocks.one(T_ROLE, "role-auditors")).depends_on_name("privilege-org-read")
    assert mocks.options_of(mocks.one(T_ROLE, "role-cn-auditors")).depends_on_name("role-auditors")


# ---------------------------------------------------------------- the components under mocks


def test_access_control_component(mocks: m.RecordingMocks) -> None:
    settings = settings_of()

    def build() -> None:
        AccessControl("access", AccessArgs.from_settings(settings), connection=m.connection()).grant()

    m.deploy(build)
    assert {r.name for r in mocks.of_type(T_ROLE)} >= {
        "role-docker-pull",
        "role-docker-platform-push",
        "role-platform-devs",
    }
    user = mocks.one(T_USER, "user-ci-platform")
    assert m.is_secret(user.inputs["password"]) and m.plain(user.inputs["password"]) == "robot-secret"
    assert "password" in mocks.options_of(user).additional_secret_outputs
    ldap = mocks.one(T_LDAP)
    assert m.is_secret(ldap.inputs["auth_password"])
    assert "auth_password" in mocks.options_of(ldap).additional_secret_outputs
    assert mocks.options_of(mocks.one(T_ROLE, "role-platform-devs")).depends_on_name(
        "role-docker-platform-push"
    )
    assert mocks.options_of(mocks.one(T_ANONYMOUS)).depends_on_name("role-docker-pull")
    assert mocks.options_of(mocks.one(T_REALMS)).depends_on_name("ldap-ldap")
    # anonymous access off (the default) is switched off first, waiting for no role
    lockdown = mocks.one(T_LOCKDOWN, "anonymous-lockdown")
    assert not any(":Role::" in urn for urn in mocks.options_of(lockdown).dependencies)
    assert m.plain(lockdown.inputs["connection"])["url"] == "http://127.0.0.1:8081"


def test_a_secret_first_run_connection_reaches_the_resources_in_plain(mocks: m.RecordingMocks) -> None:
    # A state recorded before the password left the connections keeps the first run's connection
    # output secret until the first run runs again; what the resources take holds no password.
    older = pulumi.Output.secret(Connection(url="http://127.0.0.1:8081", username="admin", password="old"))
    args = AccessArgs.from_settings(settings_of())
    m.deploy(lambda: AccessControl("access", args, connection=older).grant())
    held = [r.inputs["connection"] for r in mocks.resources if "connection" in r.inputs]
    assert len(held) > 3
    assert not any(m.contains_secret(value) for value in held)
    assert all(value["url"] == "http://127.0.0.1:8081" and "password" not in value for value in held)


T_LOCKDOWN = "pulumi-python:dynamic/nexus:AnonymousLockdown"


def test_anonymous_pull_waits_for_the_pull_role_it_grants(mocks: m.RecordingMocks) -> None:
    settings = settings_of(access={"anonymousPull": True})
    built: dict[str, AccessControl] = {}

    def build() -> None:
        access = built["access"] = AccessControl(
            "access", AccessArgs.from_settings(settings), connection=m.connection()
        )
        access.grant()

    m.deploy(build)
    # on: the lockdown leaves on only what the stack set up (docker-pull); the rest comes with the roles
    assert [type(r) for r in built["access"].baseline] == [ActiveRealms, AnonymousLockdown]
    assert mocks.one(T_LOCKDOWN, "anonymous-lockdown").inputs["keep_roles"] == [PULL_ROLE]
    anonymous = mocks.one(T_ANONYMOUS)
    assert anonymous.inputs["enabled"] is True and anonymous.inputs["roles"] == [PULL_ROLE]
    assert mocks.options_of(anonymous).depends_on_name("role-docker-pull")


def test_first_run_component(mocks: m.RecordingMocks) -> None:
    settings = parse_settings(
        {
            **stack(),
            "dockerHost": "ssh://deploy@vm.example.com:2222",
            "sshPrivateKey": "KEY",
            "nexus": {"version": "3.77.1", "acceptEula": True},
        }
    )
    _, resolved = m.deploy(
        lambda: FirstRun("first-run", FirstRunArgs.from_settings(settings), server_revision="container-1"),
        lambda run: {"connection": run.connection},
    )
    resource = mocks.one(T_FIRST_RUN)
    inputs = resource.inputs
    assert m.is_secret(inputs["admin_password"]) and m.plain(inputs["admin_password"]) == "admin-secret"
    assert m.is_secret(inputs["ssh_private_key"])
    assert (inputs["ssh_user"], inputs["ssh_host"], inputs["ssh_port"]) == ("deploy", "vm.example.com", 2222)
    assert inputs["data_dir"] == "/data/nexus-data" and inputs["accept_eula"] is True
    assert inputs["url"] == "https://nexus.example.com"
    assert set(mocks.options_of(resource).additional_secret_outputs) >= {"admin_password", "ssh_private_key"}
    # The connection every other resource takes says where Nexus is, not the password.
    assert resolved.secret["connection"] is False
    assert resolved.values["connection"].url == "https://nexus.example.com"
    assert resolved.values["connection"].password == ""


def test_without_docker_no_docker_realm_or_roles() -> None:
    stack = parse_settings(
        {
            "domain": "example.com",
            "adminPassword": "pw",
            "nexus": {"version": "3.71.0-06"},
            "docker": {"enabled": False},
            "access": {"robots": [{"userId": "ci-maven", "password": "robot-pw", "roles": ["nx-admin"]}]},
        }
    )
    plan = access_plan(stack)
    assert plan.realms.realms == ("NexusAuthenticatingRealm",)
    assert plan.roles == []
    assert plan.anonymous.enabled is False and plan.anonymous.roles == ("nx-anonymous",)
    assert [(user.user_id, user.roles) for user in plan.users] == [("ci-maven", ("nx-admin",))]
