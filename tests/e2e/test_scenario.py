"""The whole life of a stack under the real engine, against the Nexus emulator (issue 4's scenario).

One emulator, one copy of the project and one stack for the module; the steps are test functions
that run in file order and share that stack. A step whose predecessor failed is skipped (it would
only fail for the same reason), so the first failure names the step that broke.

The stack runs in "existing Nexus" mode (``nexus.manageServer: false`` and ``nexus.url`` pointing
at the emulator): only dynamic resources are registered, no docker/tls/command plugin is needed.

What each step expects is derived from the code, not hard-coded: ``registry_layout`` (and, when
``__main__.py`` wires them, ``access_plan``, ``retention_policies``, ``backup_plan`` and the
first-run resource) give the Nexus objects, their resource names and specs for a stack config; the
expected preview of a config change is the difference of those for the old and the new config.

Write-only fields reachable from the stack config: the LDAP bind password (rotated and rolled back
in step 4, compared through the emulator's snapshot) and robot passwords (checked once created).
The emulator starts with anonymous access off, because deleting the stack's AnonymousAccess
switches it off by design; with that, `destroy` must give back exactly the starting snapshot.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.access import access_plan
from components.backup import backup_plan
from components.endpoints import docker_trust_commands, registry_endpoints
from components.layout_policy import retention_policies
from components.registry import registry_layout, resource_name
from settings import StackSettings, load_stack_file
from tests.nexus_emulator import NexusEmulator

from .conftest import PulumiCli, PulumiResult, assert_no_plaintext, copy_project

STACK = "e2e"
NS = "nexus-platform"
DYNAMIC_PREFIX = "pulumi-python:dynamic/nexus:"
API = "/service/rest"

ADMIN_PASSWORD = "e2e-Admin-pw-7f3c19"
LDAP_BIND_PASSWORD = "ldap-bind-pw-0a9d44"
LDAP_BIND_PASSWORD_ROTATED = "ldap-bind-pw-rotated-5e2b77"
ROBOT_PASSWORD = "robot-pw-c41e08"
SECRETS = (ADMIN_PASSWORD, LDAP_BIND_PASSWORD, LDAP_BIND_PASSWORD_ROTATED, ROBOT_PASSWORD)

HUB_MIRROR = "https://mirror.gcr.io"


def team(name: str, release_port: int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "releasePort": release_port, "latestPort": release_port + 1, **extra}


TWO_TEAMS = [team("alpha", 16001), team("beta", 16003)]


# ------------------------------------------------------------------ expectations from the code


@dataclass(frozen=True)
class Expected:
    """The dynamic resources a stack config gives: resource name -> (type, spec as data)."""

    objects: dict[str, tuple[str, Any]]
    protected: frozenset[str]

    def names(self, kind: str | None = None) -> set[str]:
        return {n for n, (t, _) in self.objects.items() if kind is None or t == DYNAMIC_PREFIX + kind}


def expected_for(settings: StackSettings, main_source: str) -> Expected:
    """What `__main__.py` registers for `settings` in existing-Nexus mode, from the layout functions."""
    objects: dict[str, tuple[str, Any]] = {}
    protected: set[str] = set()
    layout = registry_layout(settings)
    for store, protect in layout.blob_stores:
        name = resource_name("blobstore", store.name)
        objects[name] = (DYNAMIC_PREFIX + "FileBlobStore", store.model_dump())
        if protect:
            protected.add(name)
    for repo, protect in layout.repositories:
        name = resource_name("repo", repo.name)
        objects[name] = (DYNAMIC_PREFIX + "Repository", repo.model_dump())
        if protect:
            protected.add(name)
    for task in layout.tasks:
        objects[resource_name("task", task.name)] = (DYNAMIC_PREFIX + "Task", task.model_dump())
    backup = re.search(r"DatabaseBackup\(\s*\"([^\"]+)\"", main_source)
    if backup:
        backup_task = backup_plan(settings.nexus.version).task
        if backup_task is not None:
            objects[f"{backup.group(1)}-task"] = (DYNAMIC_PREFIX + "Task", backup_task.model_dump())
    if "FirstRun(" in main_source:
        objects["nexus-first-run"] = (DYNAMIC_PREFIX + "FirstRun", None)  # constant in these steps
    if "RetentionPolicies(" in main_source:
        for policy, _ in retention_policies(settings):
            objects[f"cleanup-{policy.name}"] = (DYNAMIC_PREFIX + "CleanupPolicy", policy.model_dump())
    if "AccessControl(" in main_source:
        plan = access_plan(settings)
        if plan.ldap is not None:
            # The bind password is a secret: the stack file holds ciphertext, not comparable here.
            ldap = plan.ldap.model_dump(exclude={"auth_password"})
            objects[resource_name("ldap", plan.ldap.name)] = (DYNAMIC_PREFIX + "LdapServer", ldap)
        objects["realms"] = (DYNAMIC_PREFIX + "ActiveRealms", plan.realms.model_dump())
        for role in plan.roles:
            objects[resource_name("role", role.role_id)] = (DYNAMIC_PREFIX + "Role", role.model_dump())
        for user in plan.users:
            objects[resource_name("user", user.user_id)] = (
                DYNAMIC_PREFIX + "User",
                user.model_dump(exclude={"password"}),
            )
        objects["anonymous-access"] = (DYNAMIC_PREFIX + "AnonymousAccess", plan.anonymous.model_dump())
        objects["anonymous-lockdown"] = (DYNAMIC_PREFIX + "AnonymousLockdown", None)  # once, first
    return Expected(objects, frozenset(protected))


def expected_changes(old: Expected, new: Expected) -> dict[str, str]:
    """resource name -> create/update/delete, for going from `old` to `new`."""
    changes = {name: "create" for name in new.objects.keys() - old.objects.keys()}
    changes.update({name: "delete" for name in old.objects.keys() - new.objects.keys()})
    for name in old.objects.keys() & new.objects.keys():
        if old.objects[name] != new.objects[name]:
            changes[name] = "update"
    return changes


def resource_name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[1]


def dynamic_steps(preview: dict[str, Any]) -> dict[str, str]:
    """resource name -> op of every dynamic resource in a `preview --json` result."""
    out: dict[str, str] = {}
    for step in preview.get("steps", []):
        state = step.get("newState") or step.get("oldState") or {}
        if str(state.get("type", "")).startswith(DYNAMIC_PREFIX):
            out[resource_name_of(step["urn"])] = step["op"]
    return out


def changed_steps(preview: dict[str, Any]) -> dict[str, str]:
    return {name: op for name, op in dynamic_steps(preview).items() if op != "same"}


def state_dynamic(cli: PulumiCli) -> dict[str, dict[str, Any]]:
    """resource name -> resource of the dynamic resources in the stack's state."""
    return {
        resource_name_of(r["urn"]): r
        for r in cli.resources()
        if str(r.get("type", "")).startswith(DYNAMIC_PREFIX)
    }


def differences(actual: Any, expected: Any, path: str = "") -> list[str]:
    """Paths where two snapshots differ, with both values (for readable failures)."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        out: list[str] = []
        for key in sorted(actual.keys() | expected.keys(), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in expected:
                out.append(f"{where}: unexpected {actual[key]!r}")
            elif key not in actual:
                out.append(f"{where}: missing (expected {expected[key]!r})")
            else:
                out.extend(differences(actual[key], expected[key], where))
        return out
    return [] if actual == expected else [f"{path}: {actual!r} != expected {expected!r}"]


def assert_same_nexus(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    diff = differences(actual, expected)
    assert not diff, "Nexus differs from the earlier state:\n  " + "\n  ".join(diff[:40])


# ------------------------------------------------------------------ the shared world


@dataclass
class World:
    emulator: NexusEmulator
    project: Path
    cli: PulumiCli
    main_source: str
    initial_snapshot: dict[str, Any]
    passed: list[str] = field(default_factory=list)

    @property
    def stack_file(self) -> Path:
        return self.project / f"Pulumi.{STACK}.yaml"

    def settings(self) -> StackSettings:
        return load_stack_file(self.stack_file)

    def expected(self) -> Expected:
        return expected_for(self.settings(), self.main_source)

    def edit(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Edits the stack file's config in place (encrypted values and the salt are kept)."""
        document = yaml.safe_load(self.stack_file.read_text())
        change(document["config"])
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))

    def teams(self) -> list[dict[str, Any]]:
        document = yaml.safe_load(self.stack_file.read_text())
        teams: list[dict[str, Any]] = document["config"][f"{NS}:teams"]
        return teams

    def set_teams(self, teams: list[dict[str, Any]]) -> None:
        def change(config: dict[str, Any]) -> None:
            config[f"{NS}:teams"] = teams

        self.edit(change)

    def preview_changes(self) -> dict[str, str]:
        """Changes of the dynamic resources in a preview; asserts the preview wrote nothing."""
        self.emulator.clear_log()
        preview = self.cli.preview_json()
        assert self.emulator.count_writes() == 0, f"preview wrote to Nexus: {self.writes()}"
        return changed_steps(preview)

    def up(self) -> PulumiResult:
        return self.cli.up()

    def assert_converged(self) -> None:
        """`preview --expect-no-changes` passes, writes nothing and reads at most once per resource."""
        self.emulator.clear_log()
        self.cli.preview("--expect-no-changes")
        resources = len(state_dynamic(self.cli))
        assert self.emulator.count_writes() == 0, self.writes()
        assert self.emulator.count_reads() <= resources, (
            f"{self.emulator.count_reads()} reads for {resources} resources"
        )

    def writes(self) -> list[str]:
        return [f"{r.method} {r.path} -> {r.status}" for r in self.emulator.request_log if r.write]

    def require(self, *steps: str) -> None:
        missing = [s for s in steps if s not in self.passed]
        if missing:
            pytest.skip(f"an earlier step did not pass: {', '.join(missing)}")


def base_config(emulator_url: str) -> dict[str, Any]:
    return {
        f"{NS}:domain": "registry.e2e.test",
        f"{NS}:nexus": {"version": "3.77.1", "manageServer": False, "url": emulator_url},
        f"{NS}:docker": {"pullPort": 16000},
        f"{NS}:teams": copy.deepcopy(TWO_TEAMS),
        # LDAP and a robot user: their passwords are the write-only fields the config reaches.
        f"{NS}:ldap": {
            "host": "ldap.e2e.test",
            "verify": "skip",  # a made-up directory; tests/e2e/test_ldap_check.py checks a real one
            "searchBase": "dc=e2e,dc=test",
            "bindDn": "uid=nexus,ou=services,dc=e2e,dc=test",
        },
        f"{NS}:access": {"robots": [{"userId": "ci-alpha", "teams": ["alpha"]}]},
    }


@pytest.fixture(scope="module")
def world(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("scenario")
    # Anonymous access off at the start: deleting the stack's AnonymousAccess switches it off (by
    # design, dynamic_providers/anonymous.py), so only then can destroy give back the start state.
    emulator = NexusEmulator(admin_password=ADMIN_PASSWORD, anonymous_enabled=False).start()
    try:
        project = copy_project(work / "project")
        cli = PulumiCli(project, work / "pulumi")
        (project / f"Pulumi.{STACK}.yaml").write_text(
            yaml.safe_dump({"config": base_config(emulator.url)}, sort_keys=False)
        )
        cli.stack_init(STACK)
        cli.config_set(f"{NS}:adminPassword", ADMIN_PASSWORD, secret=True)
        cli.run(
            "config",
            "set",
            "--secret",
            "--path",
            f"{NS}:ldap.bindPassword",
            "--stack",
            STACK,
            input=LDAP_BIND_PASSWORD,
        )
        cli.run(
            "config",
            "set",
            "--secret",
            "--path",
            f"{NS}:access.robots[0].password",
            "--stack",
            STACK,
            input=ROBOT_PASSWORD,
        )
        yield World(
            emulator=emulator,
            project=project,
            cli=cli,
            main_source=(project / "__main__.py").read_text(),
            initial_snapshot=emulator.snapshot(),
        )
    finally:
        emulator.stop()


def new_objects(world: World) -> dict[str, set[str]]:
    """Names of the emulator's blob stores, repositories and task names that were not there at start."""
    snap = world.emulator.snapshot()
    start = world.initial_snapshot
    return {
        "blobStores": set(snap["blobStores"]) - set(start["blobStores"]),
        "repositories": set(snap["repositories"]) - set(start["repositories"]),
        "tasks": {t["name"] for tid, t in snap["tasks"].items() if tid not in start["tasks"]},
    }


def layout_names(settings: StackSettings, main_source: str) -> dict[str, set[str]]:
    """Blob stores, repositories and task names the program creates in Nexus for `settings`."""
    layout = registry_layout(settings)
    tasks = {t.name for t in layout.tasks}
    backup = backup_plan(settings.nexus.version).task
    if "DatabaseBackup(" in main_source and backup is not None:
        tasks.add(backup.name)
    return {
        "blobStores": {s.name for s, _ in layout.blob_stores},
        "repositories": {r.name for r, _ in layout.repositories},
        "tasks": tasks,
    }


def assert_no_duplicates(world: World) -> None:
    """Every Nexus task exists once, and every object of the layout is one resource in the state."""
    snap = world.emulator.snapshot()
    task_names = [t["name"] for tid, t in snap["tasks"].items() if tid not in world.initial_snapshot["tasks"]]
    duplicates = sorted({n for n in task_names if task_names.count(n) > 1})
    assert not duplicates, f"duplicate tasks in Nexus: {duplicates}"
    assert new_objects(world) == layout_names(world.settings(), world.main_source)
    state = state_dynamic(world.cli)
    state_task_ids = {r["id"] for r in state.values() if r["type"] == DYNAMIC_PREFIX + "Task"}
    nexus_task_ids = set(snap["tasks"]) - set(world.initial_snapshot["tasks"])
    assert state_task_ids == nexus_task_ids, "tasks in Nexus and in the state differ"


# ------------------------------------------------------------------ the steps, in order


def test_step1_preview_lists_every_resource_as_create_and_writes_nothing(world: World) -> None:
    expected = world.expected()
    world.emulator.clear_log()
    preview = world.cli.preview_json()
    assert world.emulator.count_writes() == 0, f"preview wrote to Nexus: {world.writes()}"
    steps = dynamic_steps(preview)
    unknown = sorted(steps.keys() - expected.objects.keys())
    assert not unknown, f"resources the test does not derive from the code (extend expected_for): {unknown}"
    assert steps == dict.fromkeys(expected.objects, "create")
    # The two-team layout really is what the stack config says.
    assert {t.name for t in world.settings().teams} == {"alpha", "beta"}
    assert_same_nexus(world.emulator.snapshot(), world.initial_snapshot)
    world.passed.append("1")


def test_step2_up_creates_them_and_a_second_preview_has_no_changes(world: World) -> None:
    world.require("1")
    settings = world.settings()
    world.up()
    state = state_dynamic(world.cli)
    assert set(state) == set(world.expected().objects)
    assert new_objects(world) == layout_names(settings, world.main_source)
    # Write-only fields reached Nexus: the LDAP bind password and the robot's password.
    security = world.emulator.state.security
    if "AccessControl(" in world.main_source:
        assert [s.get("authPassword") for s in security.ldap.values()] == [LDAP_BIND_PASSWORD]
        assert security.users["ci-alpha"].password == ROBOT_PASSWORD
    world.assert_converged()
    world.passed.append("2")


def test_outputs_and_providers_imported_from_the_project(world: World) -> None:
    world.require("2")
    settings = world.settings()
    outputs = world.cli.stack_outputs()
    assert outputs["nexusVersion"] == "3.77.1"
    assert outputs["uiUrl"] == "https://nexus.registry.e2e.test"
    assert outputs["apiUrl"] == world.emulator.url
    assert outputs["registryEndpoints"] == registry_endpoints(settings)
    assert outputs["dockerTrustCommands"] == docker_trust_commands(settings)
    assert outputs["repositories"] == sorted(layout_names(settings, world.main_source)["repositories"])
    assert_no_plaintext(world.cli.run("stack", "output", "--json", "--stack", STACK).stdout, SECRETS)
    # The provider of each resource is pickled by reference to the project's module, so the
    # provider process (started in the project dir) imported it from there.
    for resource in world.cli.resources(show_secrets=True):
        if not str(resource.get("type", "")).startswith(DYNAMIC_PREFIX):
            continue
        name = resource_name_of(resource["urn"])
        provider = resource["inputs"]["__provider"]
        if isinstance(provider, dict):  # made a secret (it captured one): decrypted
            provider = json.loads(provider["plaintext"])
        pickled = base64.b64decode(provider)
        assert b"dynamic_providers." in pickled, f"{name}: provider not pickled by reference"


def test_step3_add_a_team_previews_only_its_resources(world: World) -> None:
    world.require("2")
    before = world.expected()
    world.set_teams([*world.teams(), team("gamma", 16005)])
    after = world.expected()
    changes = expected_changes(before, after)
    created = {name for name, op in changes.items() if op == "create"}
    assert created and all("gamma" in name for name in created), created
    assert "delete" not in changes.values()
    assert world.preview_changes() == changes
    world.up()
    assert new_objects(world) == layout_names(world.settings(), world.main_source)
    world.assert_converged()
    world.passed.append("3")


def test_step4_change_a_field_then_roll_back(world: World) -> None:
    world.require("3")
    previous_file = world.stack_file.read_text()
    before = world.expected()
    snapshot = world.emulator.snapshot()

    def hub_mirror(config: dict[str, Any]) -> None:
        config[f"{NS}:docker"]["hubUrl"] = HUB_MIRROR

    world.edit(hub_mirror)
    assert world.preview_changes() == {resource_name("repo", "docker-hub"): "update"}
    assert expected_changes(before, world.expected()) == {resource_name("repo", "docker-hub"): "update"}
    world.up()
    hub = world.emulator.snapshot()["repositories"]["docker-hub"]["config"]
    assert hub["proxy"]["remoteUrl"] == HUB_MIRROR

    # Roll back: the previous stack file, the reverse update, and Nexus exactly as before.
    world.stack_file.write_text(previous_file)
    assert world.preview_changes() == {resource_name("repo", "docker-hub"): "update"}
    world.up()
    assert_same_nexus(world.emulator.snapshot(), snapshot)
    world.assert_converged()
    world.passed.append("4")


def test_step4_write_only_field_rotation_and_roll_back(world: World) -> None:
    world.require("4")
    ldap_names = world.expected().names("LdapServer")
    if not ldap_names:
        pytest.skip("this program registers no LDAP server: no write-only field is reachable from config")
    (ldap_resource,) = ldap_names
    previous_file = world.stack_file.read_text()
    snapshot = world.emulator.snapshot()
    assert [s.get("authPassword") for s in snapshot["security"]["ldap"].values()] == [LDAP_BIND_PASSWORD]

    world.cli.run(
        "config",
        "set",
        "--secret",
        "--path",
        f"{NS}:ldap.bindPassword",
        "--stack",
        STACK,
        input=LDAP_BIND_PASSWORD_ROTATED,
    )
    assert world.preview_changes() == {ldap_resource: "update"}
    world.up()
    ldap = world.emulator.snapshot()["security"]["ldap"]
    assert [s.get("authPassword") for s in ldap.values()] == [LDAP_BIND_PASSWORD_ROTATED]

    world.stack_file.write_text(previous_file)
    assert world.preview_changes() == {ldap_resource: "update"}
    world.up()
    assert_same_nexus(world.emulator.snapshot(), snapshot)  # authPassword included
    world.assert_converged()
    world.passed.append("4b")


def hosted_docker(world: World, name: str) -> dict[str, Any]:
    response = world.emulator.call("GET", f"/v1/repositories/docker/hosted/{name}")
    assert response.status == 200, response
    body: dict[str, Any] = copy.deepcopy(response.body)
    return body


def test_step5_drift_behind_pulumis_back_is_refreshed_and_repaired(world: World) -> None:
    world.require("4")
    snapshot = world.emulator.snapshot()
    deleted, changed = "docker-beta-latest", "docker-alpha-latest"
    response = world.emulator.call("DELETE", f"/v1/repositories/{deleted}")
    assert response.status == 204, response.status
    body = hosted_docker(world, changed)
    body["storage"]["writePolicy"] = "DENY"
    response = world.emulator.call("PUT", f"/v1/repositories/docker/hosted/{changed}", body)
    assert response.status == 204, response.status

    world.emulator.clear_log()
    result = world.cli.refresh()
    assert world.emulator.count_writes() == 0, world.writes()
    deleted_line = re.search(rf"-\s.*{resource_name('repo', deleted)}\s+deleted", result.stdout)
    updated_line = re.search(rf"~\s.*{resource_name('repo', changed)}\s+updated", result.stdout)
    assert deleted_line and updated_line, result.stdout
    state = state_dynamic(world.cli)
    assert resource_name("repo", deleted) not in state
    assert state[resource_name("repo", changed)]["outputs"]["write_policy"] == "DENY"

    changes = world.preview_changes()
    assert changes[resource_name("repo", deleted)] == "create"
    assert changes[resource_name("repo", changed)] == "update"
    world.up()
    assert_same_nexus(world.emulator.snapshot(), snapshot)
    world.assert_converged()
    world.passed.append("5")


def test_step6_faults_then_a_rerun_converges_without_duplicates(world: World) -> None:
    world.require("5")
    emulator = world.emulator
    world.set_teams([*world.teams(), team("delta", 16007)])
    tasks = f"{API}/v1/tasks"
    try:
        emulator.set_latency(0.05)
        emulator.fail_next(3, 503, method="GET")  # idempotent: the client retries them
        # Applied, then the answer is lost:
        emulator.drop_next_write(1, method="POST", path_prefix=f"{API}/v1/repositories")
        emulator.fail_next(1, 503, method="POST", path_prefix=tasks)  # a create refused: not retried
        emulator.clear_log()
        first = world.cli.up(check=False)
        assert any(r.dropped for r in emulator.request_log), "the dropped write was never sent"
        if first.returncode != 0:
            # One clear line: the object, the call, what Nexus answered and what to do; no
            # traceback (tests/e2e/test_partial_failure.py checks the debug switch).
            assert re.search(
                r"OneLineError: task 'Compact blob store docker-delta': HTTP 503 Service Unavailable "
                r"\(POST /v1/tasks -> 503\)\. Nexus failed on this call",
                first.output,
            ), first.output[-4000:]
            assert "Traceback" not in first.output, first.output[-4000:]
        # The rerun meets a lost answer too, on the create that failed: it must not create it twice.
        emulator.clear_log()
        emulator.drop_next_write(1, method="POST", path_prefix=tasks)
        second = world.cli.up(check=False)
        assert any(r.dropped for r in emulator.request_log), "the second dropped write was never sent"
    finally:
        emulator.reset(state=False)
    assert second.returncode == 0, second.output[-4000:]
    assert_no_duplicates(world)
    world.assert_converged()
    world.passed.append("6")


def test_step6_failed_up_then_previous_stack_file_restores_the_earlier_state(world: World) -> None:
    world.require("6")
    emulator = world.emulator
    previous_file = world.stack_file.read_text()
    snapshot = emulator.snapshot()

    def change(config: dict[str, Any]) -> None:
        # A team on trial (no deletion protection) and a new Docker Hub mirror.
        config[f"{NS}:teams"].append(team("epsilon", 16009, deletionProtection=False))
        config[f"{NS}:docker"]["hubUrl"] = HUB_MIRROR

    world.edit(change)
    try:
        emulator.fail_next(100, 503, method="POST", path_prefix=f"{API}/v1/repositories")
        failed = world.cli.up(check=False)
    finally:
        emulator.reset(state=False)
    assert failed.returncode != 0, "up succeeded although every repository create failed"
    assert re.search(r"repository '[^']+'.*503", failed.output), failed.output[-4000:]
    assert emulator.snapshot() != snapshot, "the failed up changed nothing; the rollback proves nothing"

    world.stack_file.write_text(previous_file)
    world.up()
    assert_same_nexus(emulator.snapshot(), snapshot)
    world.assert_converged()
    world.passed.append("6b")


def test_step7_removing_a_protected_team_fails_until_unprotected(world: World) -> None:
    world.require("6")
    removed = "beta"
    teams = world.teams()
    before = world.expected()
    protected = {name for name in before.protected if f"-{removed}" in name}
    assert protected, "the team has no protected resources"

    world.set_teams([t for t in teams if t["name"] != removed])
    world.emulator.clear_log()
    failed = world.cli.preview(check=False)
    assert failed.returncode != 0
    assert world.emulator.count_writes() == 0
    # The engine's message, per protected repository of the team, with how to really delete it.
    # (The blob store is protected too; it would only be deleted after its repositories.)
    repositories = {name for name in protected if name in before.names("Repository")}
    assert len(repositories) == 2, repositories
    for name in repositories:
        assert re.search(
            rf"{name}\" cannot be deleted\s+because it is protected\. To unprotect the resource, either "
            r"remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`",
            failed.output,
        ), f"no protection error for {name}:\n{failed.output[-4000:]}"

    # Really deleting: first unprotect (no Nexus write), then remove the team.
    world.set_teams([{**t, "deletionProtection": False} if t["name"] == removed else t for t in teams])
    assert world.preview_changes() == {}
    world.emulator.clear_log()
    world.up()
    assert world.emulator.count_writes() == 0, world.writes()
    assert not any(r.get("protect") for n, r in state_dynamic(world.cli).items() if f"-{removed}" in n)

    unprotected = world.expected()
    world.set_teams([t for t in teams if t["name"] != removed])
    changes = expected_changes(unprotected, world.expected())
    assert {n for n, op in changes.items() if op == "delete"} >= protected
    assert world.preview_changes() == changes
    world.up()
    gone = new_objects(world)
    assert not any(removed in name for names in gone.values() for name in names), gone
    assert gone == layout_names(world.settings(), world.main_source)
    world.assert_converged()
    world.passed.append("7")


def test_step8_destroy_leaves_nexus_as_it_started_and_no_plaintext_secret(world: World) -> None:
    world.require("7")
    world.set_teams([{**t, "deletionProtection": False} for t in world.teams()])
    world.up()
    world.cli.destroy()
    assert state_dynamic(world.cli) == {}
    assert_same_nexus(world.emulator.snapshot(), world.initial_snapshot)

    exported = world.cli.run("stack", "export", "--show-secrets=false", "--stack", STACK).stdout
    assert_no_plaintext(exported, SECRETS)
    assert_no_plaintext(world.stack_file.read_text(), SECRETS)
    files = [p for p in world.cli.state_dir.rglob("*") if p.is_file()]
    assert files, "no state files under the backend dir"
    for path in files:
        assert_no_plaintext(path.read_bytes().decode("utf-8", "replace"), SECRETS)
    world.passed.append("8")
