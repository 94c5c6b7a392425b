"""NexusServer: the snapshot step before a version change, its ordering, outputs and the downgrade warning.

The ordering the engine follows comes from the dependency graph asserted here: data-dir ->
snapshot -> container (delete_before_replace) -> deployed-version. The snapshot command's
``create`` is also run for real against a temporary data directory with a fake ``docker`` CLI.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pulumi
import pytest

from components.nexus_server import NexusServer, NexusServerArgs, snapshot_output
from reach.host import AS_ROOT_PREFIX, NOT_AS_ROOT_PREFIX
from reach.snapshots import last_record
from settings import parse_settings
from tests.components import mocks as m
from tests.components.test_nexus_server import LOCAL, remote
from tests.operations.conftest import NEW_IMAGE, FakeHost, fake_host, tree

pytestmark = pytest.mark.filterwarnings("ignore:This resource is deprecated:DeprecationWarning")
__all__ = ["fake_host"]  # the fixture, re-used from the operations tests

T_DEPLOYED = "pulumi-python:dynamic/nexus:DeployedVersion"
T_DOOR = "pulumi-python:dynamic/nexus:OneWayDoorCheck"
RECORD = {
    "name": "nexus-data-3.77.1-20261126T210220Z",
    "version": "3.77.1",
    "takenAt": "2026-11-26T21:02:20Z",
    "dataDir": "/srv/nexus/data",
    "archive": "/srv/nexus/backups/nexus-data-3.77.1-20261126T210220Z.tar",
    "sizeBytes": 1024,
    "reason": "before starting sonatype/nexus3:3.80.0",
}


class StackMocks(m.RecordingMocks):
    """Mocks with what the previous deployment left: the deployed version and the snapshot output."""

    def __init__(self, deployed: str | None = None, snapshot_stdout: str = "") -> None:
        super().__init__()
        self.deployed = deployed
        self.snapshot_stdout = snapshot_stdout

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        if args.typ == T_DEPLOYED:
            outputs["deployed_version"] = self.deployed
        if args.name == "nexus-snapshot":
            outputs["stdout"] = self.snapshot_stdout
        return resource_id, outputs


@pytest.fixture
def mocks() -> m.RecordingMocks:
    """Overrides the shared fixture (tests/components/conftest.py): mocks with a previous deployment."""
    return m.install(StackMocks())


def build(raw: dict[str, Any]) -> tuple[NexusServer, m.Resolved]:
    settings = parse_settings(raw)
    return m.deploy(
        lambda: NexusServer("nexus", NexusServerArgs.from_settings(settings)),
        lambda server: {"last": server.last_snapshot, "deployed": server.deployed_version},
    )


def with_nexus(**nexus: Any) -> dict[str, Any]:
    raw = copy.deepcopy(LOCAL)
    raw["nexus"].update(nexus)
    return raw


def test_snapshot_runs_after_the_data_dir_and_before_the_container(mocks: m.RecordingMocks) -> None:
    build(LOCAL)
    snapshot = mocks.one(m.T_LOCAL_COMMAND, "nexus-snapshot")
    container = mocks.one(m.T_CONTAINER)
    assert mocks.options_of(snapshot).depends_on_name("nexus-data-dir")
    assert mocks.options_of(snapshot).depends_on_name("nexus-image")  # pulled before Nexus stops
    # a version that cannot open the data is refused before the snapshot command stops Nexus
    assert mocks.options_of(snapshot).depends_on_name("nexus-one-way-door")
    door = mocks.one(T_DOOR, "nexus-one-way-door")
    assert door.inputs["version"] == "3.77.1" and door.inputs["data_dir"] == "/srv/nexus/data"
    assert mocks.options_of(container).depends_on_name("nexus-snapshot")
    assert mocks.options_of(container).depends_on_name("nexus-data-dir")
    assert mocks.options_of(container).delete_before_replace is True
    deployed = mocks.one(T_DEPLOYED, "nexus-deployed-version")
    assert mocks.options_of(deployed).depends_on_name("nexus-running")  # once the new container serves


def test_a_version_change_replaces_the_snapshot_command(mocks: m.RecordingMocks) -> None:
    build(LOCAL)
    first = mocks.one(m.T_LOCAL_COMMAND, "nexus-snapshot")
    assert first.inputs["triggers"] == ["sonatype/nexus3:3.77.1"]
    # a trigger change replaces the command, so `create` runs (the preview shows the replacement),
    # not `update` (which never stops Nexus); pulumi_command adds triggers[*] itself, we say it too
    assert "triggers" in mocks.options_of(first).replace_on_changes
    upgraded = m.install(StackMocks())
    build(with_nexus(version="3.80.0"))
    second = upgraded.one(m.T_LOCAL_COMMAND, "nexus-snapshot")
    assert second.inputs["triggers"] == ["sonatype/nexus3:3.80.0"]
    assert "want=sonatype/nexus3:3.80.0" in m.script(second)


def test_create_stops_nexus_with_the_grace_period_and_keeps_n(mocks: m.RecordingMocks) -> None:
    build(with_nexus(stopGraceSeconds=300, keepSnapshots=5))
    snapshot = mocks.one(m.T_LOCAL_COMMAND, "nexus-snapshot")
    create, update = m.script(snapshot, "create"), m.script(snapshot, "update")
    # both scripts on stdin (not secret: the preview shows them), each run by its own short runner
    assert m.runner_section(snapshot.inputs["create"]) == "create"
    assert m.runner_section(snapshot.inputs["update"]) == "update"
    assert max(len(snapshot.inputs["create"]), len(snapshot.inputs["update"])) < 300
    assert not m.is_secret(snapshot.inputs["stdin"]) and m.stdin_data(snapshot) == ""
    assert create.startswith("DOCKER_HOST=unix:///var/run/docker.sock; export DOCKER_HOST\n")
    assert "grace=300" in create and 'docker stop -t "$grace" "$container"' in create
    assert "keep=5" in create and "data=/srv/nexus/data; backup=/srv/nexus/backups" in create
    assert AS_ROOT_PREFIX in create  # root or sudo -n for the data owned by UID 200
    # update (keepSnapshots or a path changed, same version): prune only, never stop Nexus
    assert "keep=5" in update and "docker stop" not in update
    assert "delete" not in snapshot.inputs  # destroying the stack never deletes snapshots
    assert snapshot.inputs["interpreter"] == ["/bin/sh", "-c"]


def test_remote_host_snapshots_over_ssh(mocks: m.RecordingMocks) -> None:
    build(remote())
    snapshot = mocks.one(m.T_REMOTE_COMMAND, "nexus-snapshot")
    data_dir = mocks.one(m.T_REMOTE_COMMAND, "nexus-data-dir")
    assert m.plain(snapshot.inputs["connection"]) == m.plain(data_dir.inputs["connection"])
    assert "DOCKER_HOST" not in m.script(snapshot)  # the remote docker CLI uses its local engine
    assert mocks.of_type(m.T_LOCAL_COMMAND) == []


def test_tcp_engine_has_no_snapshot_step(mocks: m.RecordingMocks) -> None:
    _, out = build({**LOCAL, "dockerHost": "tcp://10.0.0.5:2376"})
    assert mocks.of_type(m.T_LOCAL_COMMAND) == [] and mocks.of_type(m.T_REMOTE_COMMAND) == []
    assert out.values["last"] is None


def test_last_snapshot_output_is_the_printed_record() -> None:
    m.install(StackMocks(snapshot_stdout="stopping nexus\n" + json.dumps(RECORD) + "\n"))
    _, out = build(LOCAL)
    assert out.values["last"] == RECORD
    m.install(StackMocks(snapshot_stdout=""))
    _, out = build(LOCAL)
    assert out.values["last"] is None
    assert snapshot_output(None) is None


@pytest.mark.parametrize(
    ("deployed", "warned"), [("3.80.0", True), ("3.77.1", False), ("3.70.0", False), (None, False)]
)
def test_preview_warns_when_the_configured_version_is_older(
    monkeypatch: pytest.MonkeyPatch, deployed: str | None, warned: bool
) -> None:
    messages: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: messages.append(message))
    m.install(StackMocks(deployed=deployed))
    _, out = build(LOCAL)  # configures 3.77.1
    assert out.values["deployed"] == deployed
    downgrade = [text for text in messages if "older than the deployed" in text]
    assert bool(downgrade) is warned
    if warned:
        assert "nexus.version 3.77.1 is older than the deployed 3.80.0" in downgrade[0]
        assert "scripts/rollback" in downgrade[0]


def test_the_component_create_script_snapshots_the_old_container(
    mocks: m.RecordingMocks, fake_host: FakeHost
) -> None:
    """Run the exact `create` the component registers (minus root) on a temporary data directory."""
    fake_host.seed_data()
    before = tree(fake_host.data)
    raw = with_nexus(version="3.80.0", dataDir=fake_host.paths.data_dir, backupDir=fake_host.paths.backup_dir)
    build(raw)
    create = m.script(mocks.one(m.T_LOCAL_COMMAND, "nexus-snapshot"))
    create = create.replace("DOCKER_HOST=unix:///var/run/docker.sock; export DOCKER_HOST\n", "")
    result = fake_host.shell.run(create.replace(AS_ROOT_PREFIX, NOT_AS_ROOT_PREFIX))
    assert result.ok, result.stderr
    record = last_record(result.stdout)
    assert record is not None and record["version"] == "3.77.1"  # the old container's data
    assert record["reason"] == f"before starting {NEW_IMAGE}"
    assert "stop -t 120 nexus" in fake_host.calls()
    container = fake_host.container()
    assert container is not None and not container["running"]  # the container replacement comes next
    assert tree(fake_host.data) == before
