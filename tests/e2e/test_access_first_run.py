"""Issue 5 under the real engine: first run of a fresh Nexus and access control, end to end.

A fresh emulator is started the way Nexus starts the first time: a generated password in
``<dataDir>/admin.password`` and the admin account waiting for a password change. One stack (in
existing-Nexus mode: ``nexus.manageServer: false``, ``nexus.url`` at the emulator, ``nexus.dataDir``
at the emulator's data directory) with LDAP, two teams with LDAP groups, an LDAP pull group and a
robot user is brought up by `pulumi up` alone. The steps share that stack and run in file order; a
step whose predecessor failed is skipped, so the first failure names the step that broke:

1. `up` takes the admin account over (the generated password is replaced by the stack's secret,
   ``admin.password`` is gone) and creates realms, the LDAP server, roles and the robot user.
2. What Nexus holds afterwards, through its API: realm order, LDAP server (bind password accepted
   but never returned), team roles with their privileges, LDAP group roles, the robot (its
   password works), anonymous access off.
3. A rerun is a no-op: preview and `up` with ``--expect-no-changes``, no write reaches Nexus.
4. Neither `stack export` nor the raw files of the state backend hold any password in plaintext.
5. Rotating ``adminPassword`` in the stack config: the old password stops working, the new one
   works, only the change-password call is made, and the preview after it is empty.
6. An admin password changed outside Pulumi: `up` fails with a clear error, changes nothing.

Every password is also checked to appear in no output of any `pulumi` command of the module.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.nexus_emulator import NexusEmulator

from .conftest import (
    NEXUS_TYPE_PREFIX,
    PulumiCli,
    PulumiError,
    PulumiResult,
    assert_no_plaintext,
    copy_project,
    dynamic_changes,
)

STACK = "e2e"
NS = "nexus-platform"
DYNAMIC_PREFIX = NEXUS_TYPE_PREFIX
FIRST_RUN = "nexus-first-run"
API = "/service/rest"

ADMIN_PASSWORD = "e2e-first-admin-pw-3b81d5"
ADMIN_PASSWORD_ROTATED = "e2e-rotated-admin-pw-9c27e4"
ADMIN_PASSWORD_OUTSIDE = "e2e-changed-by-hand-pw-61af02"  # set in Nexus behind the stack's back
ADMIN_PASSWORD_WRONG = "e2e-wrong-admin-pw-d4079b"  # what the stack then (wrongly) says
LDAP_BIND_PASSWORD = "e2e-ldap-bind-pw-5f13aa"
ROBOT_PASSWORD = "e2e-robot-pw-80c6e2"

LDAP_HOST = "ldap.access.e2e.test"
ROBOT = "ci-alpha"


def stack_config(emulator_url: str, data_dir: Path) -> dict[str, Any]:
    """The stack file's config (secrets are added with `config set --secret`)."""
    return {
        f"{NS}:domain": "registry.e2e.test",
        f"{NS}:nexus": {
            "version": "3.77.1",
            "manageServer": False,
            "url": emulator_url,
            "dataDir": str(data_dir),
        },
        f"{NS}:docker": {"pullPort": 16000},
        f"{NS}:teams": [
            {
                "name": "alpha",
                "releasePort": 16001,
                "latestPort": 16002,
                "ldapGroups": ["alpha-devs", "platform-leads"],
            },
            {
                "name": "beta",
                "releasePort": 16003,
                "latestPort": 16004,
                "ldapGroups": ["beta-devs", "platform-leads"],
            },
        ],
        f"{NS}:ldap": {
            "host": LDAP_HOST,
            "verify": "skip",  # a made-up directory; tests/e2e/test_ldap_check.py checks a real one
            "searchBase": "dc=access,dc=e2e,dc=test",
            "bindDn": "uid=nexus,ou=services,dc=access,dc=e2e,dc=test",
        },
        f"{NS}:access": {
            "pullLdapGroups": ["readers"],
            "robots": [{"userId": ROBOT, "teams": ["alpha"]}],
        },
    }


class RecordingCli(PulumiCli):
    """A PulumiCli that keeps every command's result, to check that no password is ever printed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.results: list[PulumiResult] = []

    def run(
        self, *args: str, check: bool = True, timeout: float = 900, input: str | None = None
    ) -> PulumiResult:
        try:
            result = super().run(*args, check=check, timeout=timeout, input=input)
        except PulumiError as error:
            self.results.append(error.result)
            raise
        self.results.append(result)
        return result

    def set_secret_path(self, key: str, value: str) -> PulumiResult:
        """`config set --secret --path KEY` with the value on stdin."""
        assert self.stack
        return self.run("config", "set", "--secret", "--path", key, "--stack", self.stack, input=value)


@dataclass
class World:
    emulator: NexusEmulator
    data_dir: Path
    project: Path
    cli: RecordingCli
    generated_password: str
    passed: list[str] = field(default_factory=list)

    @property
    def api(self) -> str:
        return self.emulator.url + API

    def require(self, *steps: str) -> None:
        missing = [s for s in steps if s not in self.passed]
        if missing:
            pytest.skip(f"an earlier step did not pass: {', '.join(missing)}")

    def writes(self) -> list[str]:
        return [f"{r.method} {r.path} -> {r.status}" for r in self.emulator.request_log if r.write]

    def get(self, path: str) -> Any:
        """Out-of-band GET as admin (not logged): the JSON body."""
        response = self.emulator.call("GET", path)
        assert response.status == 200, f"GET {path}: {response.status} {response.body or response.text}"
        return response.body

    def status_as(self, user: str, password: str, path: str = "/v1/security/users?userId=admin") -> int:
        """HTTP status of a GET with basic auth, over the wire like any client."""
        return requests.get(self.api + path, auth=(user, password), timeout=10).status_code

    def first_run_outputs(self) -> dict[str, Any]:
        (resource,) = [r for r in self.cli.resources() if r["urn"].endswith("::" + FIRST_RUN)]
        outputs: dict[str, Any] = resource["outputs"]
        return outputs

    def all_secrets(self) -> list[str]:
        return [
            ADMIN_PASSWORD,
            ADMIN_PASSWORD_ROTATED,
            ADMIN_PASSWORD_OUTSIDE,
            ADMIN_PASSWORD_WRONG,
            self.generated_password,
            LDAP_BIND_PASSWORD,
            ROBOT_PASSWORD,
        ]


def backend_texts(cli: PulumiCli) -> dict[str, str]:
    """Every file of the state backend (checkpoints, backups, history) and the stack file, as text."""
    files = sorted(p for p in cli.state_dir.rglob("*") if p.is_file())
    files.append(cli.project_dir / f"Pulumi.{STACK}.yaml")
    texts: dict[str, str] = {}
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        texts[str(path.relative_to(path.anchor))] = data.decode("utf-8", errors="replace")
    return texts


def assert_state_without_plaintext(world: World, secrets: list[str]) -> None:
    state = world.cli.stack_export()
    assert state["deployment"]["resources"], "the exported state holds no resources"
    assert_no_plaintext(state, secrets)
    texts = backend_texts(world.cli)
    assert any("checkpoint" in text or '"deployment"' in text for text in texts.values()), list(texts)
    for name, text in texts.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"plaintext secret(s) in {name}: {leaked}"


@pytest.fixture(scope="module")
def world(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("access-first-run")
    data_dir = work / "nexus-data"
    # A first start: generated password in <data_dir>/admin.password, admin must change it.
    emulator = NexusEmulator(data_dir=str(data_dir), admin_password=None).start()
    try:
        generated = (data_dir / "admin.password").read_text()
        assert generated and emulator.admin_password == generated
        project = copy_project(work / "project")
        (project / f"Pulumi.{STACK}.yaml").write_text(
            yaml.safe_dump({"config": stack_config(emulator.url, data_dir)}, sort_keys=False)
        )
        cli = RecordingCli(project, work / "pulumi")
        cli.stack_init(STACK)
        cli.config_set(f"{NS}:adminPassword", ADMIN_PASSWORD, secret=True)
        cli.set_secret_path(f"{NS}:ldap.bindPassword", LDAP_BIND_PASSWORD)
        cli.set_secret_path(f"{NS}:access.robots[0].password", ROBOT_PASSWORD)
        yield World(emulator, data_dir, project, cli, generated)
    finally:
        emulator.stop()


# ------------------------------------------------------------------ the steps, in order


def test_up_alone_takes_over_a_fresh_nexus(world: World) -> None:
    password_file = world.data_dir / "admin.password"
    assert world.emulator.state.security.users["admin"].status == "changepassword"

    # The preview writes nothing and leaves the generated password in place.
    world.emulator.clear_log()
    preview = world.cli.preview_json()
    assert world.emulator.count_writes() == 0, world.writes()
    assert dynamic_changes(preview).get(FIRST_RUN) == "create"
    assert password_file.exists()

    world.cli.up()

    # The stack's secret is the admin password now; the generated one is refused and its file gone.
    assert not password_file.exists(), "admin.password still exists after the takeover"
    assert world.emulator.admin_password == ADMIN_PASSWORD
    assert world.emulator.state.security.users["admin"].status == "active"
    assert world.status_as("admin", ADMIN_PASSWORD) == 200
    assert world.status_as("admin", world.generated_password) == 401
    # Exactly one password change, sent as text/plain by the first-run resource.
    changes = world.emulator.requests("PUT", f"{API}/v1/security/users/admin/change-password")
    assert [(r.status, r.user) for r in changes] == [(204, "admin")]
    outputs = world.first_run_outputs()
    assert outputs["admin_takeover"] == "generated"
    assert outputs["edition"] == world.emulator.state.edition
    world.passed.append("up")


def test_nexus_holds_the_declared_access_control(world: World) -> None:
    world.require("up")

    # Realms, in order: local accounts, LDAP, Docker Bearer Token.
    assert world.get("/v1/security/realms/active") == ["NexusAuthenticatingRealm", "LdapRealm", "DockerToken"]

    # The LDAP server, with the configured host; its bind password is accepted but never returned.
    (server,) = world.get("/v1/security/ldap")
    assert server["name"] == "ldap"
    assert (server["protocol"], server["host"], server["port"]) == ("ldaps", LDAP_HOST, 636)
    assert server["searchBase"] == "dc=access,dc=e2e,dc=test"
    assert server["authScheme"] == "SIMPLE"
    assert server["authUsername"] == "uid=nexus,ou=services,dc=access,dc=e2e,dc=test"
    assert server["ldapGroupsAsRoles"] is True
    assert world.get("/v1/security/ldap/ldap") == server
    assert "authPassword" not in server
    assert_no_plaintext(server, [LDAP_BIND_PASSWORD])
    assert world.emulator.state.security.ldap["ldap"]["authPassword"] == LDAP_BIND_PASSWORD

    # The pull role and the team roles, with the repository view privileges Nexus created.
    roles = {role["id"]: role for role in world.get("/v1/security/roles")}

    def view(repo: str, *actions: str) -> list[str]:
        return [f"nx-repository-view-docker-{repo}-{action}" for action in actions]

    assert roles["docker-pull"]["privileges"] == sorted(view("docker-all", "browse", "read"))
    assert roles["docker-pull"]["roles"] == []
    for team in ("alpha", "beta"):
        role = roles[f"docker-{team}-push"]
        assert role["privileges"] == sorted(
            view(f"docker-{team}-release", "browse", "read", "add", "edit")
            + view(f"docker-{team}-latest", "browse", "read", "add", "edit")
        ), team
        assert role["roles"] == ["docker-pull"]
        for privilege in role["privileges"]:
            assert world.get(f"/v1/security/privileges/{privilege}")["name"] == privilege

    # One role per LDAP group (id = group name) containing what the config grants the group.
    ldap_roles = {
        "alpha-devs": ["docker-alpha-push"],
        "beta-devs": ["docker-beta-push"],
        "platform-leads": ["docker-alpha-push", "docker-beta-push"],
        "readers": ["docker-pull"],
    }
    for group, contained in ldap_roles.items():
        assert roles[group]["roles"] == contained, group
        assert roles[group]["privileges"] == [], group
    builtin = {"nx-admin", "nx-anonymous"}
    assert set(roles) - builtin == {"docker-pull", "docker-alpha-push", "docker-beta-push", *ldap_roles}

    # The robot: its roles, its password works over HTTP, it sees only what its roles grant.
    (robot,) = world.get(f"/v1/security/users?userId={ROBOT}")
    assert (robot["userId"], robot["status"], robot["source"]) == (ROBOT, "active", "default")
    assert robot["roles"] == ["docker-alpha-push"]
    assert world.emulator.state.security.users[ROBOT].password == ROBOT_PASSWORD
    response = requests.get(world.api + "/v1/repositories", auth=(ROBOT, ROBOT_PASSWORD), timeout=10)
    assert response.status_code == 200
    assert {repo["name"] for repo in response.json()} == {
        "docker-alpha-release",
        "docker-alpha-latest",
        "docker-all",
    }
    assert world.status_as(ROBOT, ROBOT_PASSWORD + "-wrong", "/v1/repositories") == 401
    security = world.emulator.state.security
    assert security.permits(ROBOT, "nexus:repository-view:docker:docker-alpha-release:add")
    assert not security.permits(ROBOT, "nexus:repository-view:docker:docker-beta-release:add")

    # Anonymous access is off: an unauthenticated caller sees no repository (the real core answers
    # 200 with an empty list here, and 403 on the other reads).
    assert world.get("/v1/security/anonymous")["enabled"] is False
    unauthenticated = requests.get(world.api + "/v1/repositories", timeout=10)
    assert (unauthenticated.status_code, unauthenticated.json()) == (200, [])
    assert requests.get(world.api + "/v1/security/users", timeout=10).status_code == 403
    world.passed.append("access")


def test_rerun_is_a_noop(world: World) -> None:
    world.require("up")
    snapshot = world.emulator.snapshot()
    world.emulator.clear_log()
    world.cli.preview("--expect-no-changes")
    assert world.emulator.count_writes() == 0, world.writes()
    world.cli.up("--expect-no-changes")
    assert world.emulator.count_writes() == 0, world.writes()
    assert world.emulator.snapshot() == snapshot
    assert world.emulator.admin_password == ADMIN_PASSWORD
    assert world.first_run_outputs()["admin_takeover"] == "generated"  # not run again
    world.passed.append("rerun")


def test_state_holds_no_password_in_plaintext(world: World) -> None:
    world.require("up")
    secrets = [ADMIN_PASSWORD, world.generated_password, LDAP_BIND_PASSWORD, ROBOT_PASSWORD]
    assert_state_without_plaintext(world, secrets)
    # The secret inputs are there, as ciphertext.
    (first_run,) = [r for r in world.cli.resources() if r["urn"].endswith("::" + FIRST_RUN)]
    assert "ciphertext" in first_run["inputs"]["admin_password"]
    # The connection every Nexus resource takes holds no password (the providers read the stack
    # config): one copy of the admin password in the first run, none in the other resources.
    assert first_run["outputs"]["connection"]["url"] == world.emulator.url
    for resource in world.cli.resources():
        for side in ("inputs", "outputs"):
            held = (resource.get(side) or {}).get("connection")
            if isinstance(held, dict) and str(resource.get("type", "")).startswith(DYNAMIC_PREFIX):
                assert "password" not in held and "ciphertext" not in held, resource["urn"]
    # Positive control: decrypted, the state does hold the stack's passwords (so their absence
    # above means encryption, not a search for the wrong strings). Not recorded: it prints them.
    decrypted = PulumiCli.run(world.cli, "stack", "export", "--show-secrets", "--stack", STACK).stdout
    for secret in (ADMIN_PASSWORD, LDAP_BIND_PASSWORD, ROBOT_PASSWORD):
        assert secret in decrypted
    world.passed.append("state")


def refused_or_not_admin(log: list[Any]) -> list[str]:
    """Requests refused (401) or made as another user than admin, but the robot's own login: a
    refresh sees that the stack's password still works (issue 31, item 6) with one GET as the
    robot, which may not read users (403)."""
    probes = [r for r in log if r.user == ROBOT]
    assert probes, "a refresh logs in as the robot once"
    assert {(r.method, r.path.split("?")[0], r.status) for r in probes} == {
        ("GET", "/service/rest/v1/security/users", 403)
    }, probes
    return [
        f"{r.method} {r.path} -> {r.status} ({r.user})"
        for r in log
        if r.status == 401 or r.user not in ("admin", ROBOT)
    ]


def test_rotating_the_admin_password(world: World) -> None:
    world.require("up", "rerun")
    world.cli.config_set(f"{NS}:adminPassword", ADMIN_PASSWORD_ROTATED, secret=True)

    # Before the `up` that changes it in Nexus, a refresh still works: the engine configures the
    # providers of a refresh with the config of the last deployment (recorded in the state), so
    # they log in with the password Nexus has now.
    world.emulator.clear_log()
    world.cli.refresh("--expect-no-changes")
    early = world.emulator.request_log
    assert early and not refused_or_not_admin(early), refused_or_not_admin(early)
    assert world.emulator.count_writes() == 0, world.writes()

    world.emulator.clear_log()
    changes = dynamic_changes(world.cli.preview_json())
    assert world.emulator.count_writes() == 0, world.writes()
    # Only the first run changes: no other resource holds the password.
    assert changes == {FIRST_RUN: "update"}, changes

    snapshot = world.emulator.snapshot()
    world.emulator.clear_log()
    world.cli.up()
    # The only write: the admin password change, made with the old password (from the state).
    assert world.writes() == [f"PUT {API}/v1/security/users/admin/change-password -> 204"]
    assert world.emulator.snapshot() == snapshot
    assert world.emulator.admin_password == ADMIN_PASSWORD_ROTATED
    assert world.status_as("admin", ADMIN_PASSWORD_ROTATED) == 200
    assert world.status_as("admin", ADMIN_PASSWORD) == 401
    assert world.first_run_outputs()["admin_takeover"] == "rotated"
    assert world.status_as(ROBOT, ROBOT_PASSWORD, "/v1/repositories") == 200

    # The next preview is empty, and every resource reads Nexus with the new password (a refresh
    # reads each of them, with the password from the stack config: an old one would be refused and
    # fail the refresh). Roles, repositories and tasks share one list GET per kind, so there are
    # fewer requests than resources; none of them is refused.
    world.emulator.clear_log()
    world.cli.preview("--expect-no-changes")
    world.cli.refresh("--expect-no-changes")
    assert world.emulator.count_writes() == 0, world.writes()
    reads = world.emulator.request_log
    nexus_objects = [
        r
        for r in world.cli.resources()
        if str(r.get("type", "")).startswith(DYNAMIC_PREFIX) and not r["urn"].endswith("::" + FIRST_RUN)
    ]
    assert len(nexus_objects) > 20, len(nexus_objects)
    listed = {"/v1/repositorySettings", "/v1/security/roles", "/v1/tasks"}
    assert listed <= {r.path.removeprefix("/service/rest") for r in reads}, [r.path for r in reads]
    refused = refused_or_not_admin(reads)
    assert not refused, refused
    assert_state_without_plaintext(
        world,
        [
            ADMIN_PASSWORD,
            ADMIN_PASSWORD_ROTATED,
            world.generated_password,
            LDAP_BIND_PASSWORD,
            ROBOT_PASSWORD,
        ],
    )
    world.passed.append("rotation")


def test_admin_password_changed_outside_pulumi_is_a_clear_error(world: World) -> None:
    world.require("rotation")
    response = world.emulator.call(
        "PUT",
        "/v1/security/users/admin/change-password",
        ADMIN_PASSWORD_OUTSIDE,
        content_type="text/plain",
    )
    assert response.status == 204
    world.cli.config_set(f"{NS}:adminPassword", ADMIN_PASSWORD_WRONG, secret=True)
    snapshot = world.emulator.snapshot()
    world.emulator.clear_log()

    failed = world.cli.up(check=False)
    assert failed.returncode != 0
    assert f"cannot log in to Nexus at {world.emulator.url} as admin" in failed.output
    assert "pulumi config set --secret nexus-platform:adminPassword" in failed.output
    assert world.emulator.count_writes() == 0, world.writes()
    assert world.emulator.snapshot() == snapshot
    assert world.emulator.admin_password == ADMIN_PASSWORD_OUTSIDE
    world.passed.append("wrong-secret")


def test_no_pulumi_output_shows_a_password(world: World) -> None:
    world.require("up")
    assert len(world.cli.results) > 5
    for result in world.cli.results:
        leaked = [s for s in world.all_secrets() if s in result.output]
        assert not leaked, f"pulumi {' '.join(result.args)} printed {leaked}"
    assert_state_without_plaintext(world, world.all_secrets())
