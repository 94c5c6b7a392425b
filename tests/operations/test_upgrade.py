"""Upgrade, automatic and manual rollback, and restore, against the emulator and a temporary data dir.

:class:`World` implements :class:`operations.upgrade.Steps` the way the real stack does, minus
Pulumi: ``up`` runs the component's real snapshot script (with a fake ``docker`` CLI), replaces the
"container" (fake docker state), migrates the data one way (as Nexus does) and starts the emulator
with the new version; a version in ``broken`` never becomes writable (the emulator's starting phase).
The stack file is a temporary copy edited by the real pin function; snapshots, restores and smoke
checks are the real ones.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from components.nexus_server import NexusServer, NexusServerArgs
from operations.smoke import NexusEndpoint, SmokeReport, smoke_checks
from operations.stackfile import pin_version, read_version
from operations.upgrade import (
    FOLLOWS_FROM_VERSION,
    Outcome,
    PlannedStep,
    Preview,
    choose_rollback_snapshot,
    restore,
    rollback,
    unrelated_changes,
    upgrade,
)
from reach.host import run_checked
from reach.snapshots import (
    Snapshot,
    ask_restore_script,
    backup_script,
    database_files_script,
    list_script,
    parse_records,
    previous_data,
    prune_plan,
    restore_outcome_script,
    restore_script,
    snapshot_script,
)
from reach.versions import Database, compare, database_of
from settings import parse_settings
from tests.components import mocks as m
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator
from tests.operations.conftest import FakeHost, tree

REPOSITORIES = ["maven-releases", "maven-public"]
STACK = """\
# dev stack; the version is pinned by scripts/upgrade
config:
  nexus-platform:domain: nexus.localtest.me
  nexus-platform:nexus:
    version: 3.77.1  # pinned
    dataDir: /data/nexus-data
    keepSnapshots: 3
"""


def urn(typ: str, name: str) -> str:
    return f"urn:pulumi:dev::nexus-platform::nexus-platform:components:X${typ}::{name}"


def image_id(version: str) -> str:
    return "sha256:" + hashlib.sha256(version.encode()).hexdigest()


@dataclass
class World:
    host: FakeHost
    nexus: NexusEmulator
    stack_file: Path
    keep: int = 3
    deployed: str | None = "3.77.1"
    broken: set[str] = field(default_factory=set)  # versions that never become writable
    up_fails: set[str] = field(default_factory=set)  # versions whose `up` fails after the snapshot
    fails_before_replace: set[str] = field(default_factory=set)  # fails before the old one is removed
    step_not_run: set[str] = field(default_factory=set)  # versions whose `up` leaves the snapshot step out
    fails_before_step: set[str] = field(default_factory=set)  # versions whose `up` fails before that step
    running_at_up: list[bool] = field(default_factory=list)  # did the container run when each `up` began
    answer: bool = True
    preview_error: str | None = None
    pending: list[PlannedStep] = field(default_factory=list)  # changes besides the version's
    questions: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    ups: list[str] = field(default_factory=list)

    # -- the world as the real stack has it
    def start_version(self, version: str) -> None:
        """The container with ``version`` starts on the data directory."""
        db = self.host.data / "db" / "nexus.mv.db"
        schema = self.host.data / "db" / "schema-version"
        if schema.exists() and compare(schema.read_text(), version) > 0:
            # what real Nexus does on a database of a newer version: it refuses to start
            self.nexus.set_starting()
            return
        if version in self.broken:
            schema.write_text(version)  # it migrates the database, then fails to come up
            db.write_bytes(b"half-migrated by " + version.encode())
            self.nexus.set_starting()
            return
        if not schema.exists() or compare(schema.read_text(), version) < 0:
            schema.write_text(version)
            db.write_bytes((db.read_bytes() if db.exists() else b"") + b" migrated to " + version.encode())
        self.nexus.set_version(f"{version}-01")
        self.nexus.set_ready()

    def seed(self) -> None:
        self.host.seed_data()
        (self.host.data / "db" / "schema-version").write_text("3.77.1")
        state = self.host.state()
        for version in ("3.77.1", "3.80.0", "3.81.0", "3.70.0"):
            state["images"][f"sonatype/nexus3:{version}"] = image_id(version)
            state["tags"][image_id(version)] = [f"sonatype/nexus3:{version}"]
        state["container"] = {"running": True, "image": image_id("3.77.1")}
        self.host.write_state(state)
        self.start_version("3.77.1")

    # -- Steps
    def deployed_version(self) -> str | None:
        return self.deployed

    def configured_version(self) -> str:
        return read_version(self.stack_file.read_text())

    def pin_version(self, version: str) -> None:
        pin_version(self.stack_file, version)

    def preview(self) -> Preview:
        if self.preview_error:
            raise RuntimeError(self.preview_error)
        version = self.configured_version()
        steps = [
            PlannedStep("replace", urn("docker:index/remoteImage:RemoteImage", "nexus-image")),
            PlannedStep("replace", urn("command:local:Command", "nexus-snapshot")),
            PlannedStep("replace", urn("docker:index/container:Container", "nexus-container")),
            PlannedStep(
                "update", urn("pulumi-python:dynamic/nexus:DeployedVersion", "nexus-deployed-version")
            ),
            PlannedStep("update", urn("pulumi-python:dynamic/nexus:FirstRun", "nexus-first-run")),
            PlannedStep("same", urn("pulumi-python:dynamic/nexus:Repository", "repo-docker-all")),
            PlannedStep("same", "urn:pulumi:dev::nexus-platform::pulumi:pulumi:Stack::nexus-platform-dev"),
        ]
        return Preview(
            f"~ nexus-image, +- nexus-container (nexus.version {version})", (*steps, *self.pending)
        )

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.answer

    def up(self) -> None:
        version = self.configured_version()
        self.ups.append(version)
        container = self.host.container()
        self.running_at_up.append(container is not None and container["running"])
        if version in self.fails_before_step:
            raise RuntimeError(f"docker: pulling sonatype/nexus3:{version} failed")
        image = f"sonatype/nexus3:{version}"
        if version not in self.step_not_run:
            run_checked(
                self.host.shell,
                snapshot_script(self.host.paths, keep=self.keep, skip_if_running_image=image),
                "snapshot",
            )
        container = self.host.container()
        if container is not None and container["image"] == image_id(version):
            if container["running"]:
                self.start_version(version)  # the snapshot step started a container left stopped
            return  # nothing to replace
        if version in self.fails_before_replace:
            raise RuntimeError(f"docker: removing the old container for {image} failed")
        if version in self.up_fails:
            raise RuntimeError(f"docker: creating the container for {image} failed")
        self.host.run_container(image_id(version), running=True)
        self.start_version(version)
        self.deployed = version

    def smoke(self, version: str) -> SmokeReport:
        endpoint = NexusEndpoint(self.nexus.url, "admin", TEST_ADMIN_PASSWORD)
        return smoke_checks(endpoint, version, REPOSITORIES, timeout=0.5, interval=0.05)

    def snapshots(self) -> list[Snapshot]:
        if not self.host.backup.exists():
            return []
        return parse_records(run_checked(self.host.shell, list_script(self.host.paths), "list"))

    def database(self) -> Database:
        listing = run_checked(self.host.shell, database_files_script(self.host.paths), "db files")
        return database_of(listing.split())

    def restore(self, snapshot: Snapshot) -> str:
        out = run_checked(self.host.shell, restore_script(self.host.paths, snapshot.name), "restore")
        container = self.host.container()
        assert container is not None
        self.start_version(self.deployed or "")
        return previous_data(out) or ""

    def ask_restore(self, snapshot: Snapshot) -> None:
        run_checked(self.host.shell, ask_restore_script(self.host.paths, snapshot.name), "ask restore")

    def restore_outcome(self) -> str | None:
        return previous_data(run_checked(self.host.shell, restore_outcome_script(self.host.paths), "outcome"))

    def say(self, message: str) -> None:
        self.said.append(message)


@pytest.fixture
def world(fake_host: FakeHost) -> Iterator[World]:
    emulator = NexusEmulator(
        admin_password=TEST_ADMIN_PASSWORD, version="3.77.1-01", default_repositories=True
    ).start()
    stack_file = fake_host.root / "Pulumi.dev.yaml"
    stack_file.write_text(STACK)
    w = World(fake_host, emulator, stack_file)
    w.seed()
    yield w
    emulator.stop()


def server_version(world: World) -> str:
    return world.nexus.state.version


def test_good_upgrade(world: World) -> None:
    before = tree(world.host.data)
    report = upgrade(world, "3.80.0")
    assert report.outcome is Outcome.UPGRADED, report.text()
    assert report.outcome.exit_code == 0
    assert report.first is not None and report.first.ok
    assert world.configured_version() == "3.80.0"
    assert world.stack_file.read_text() == STACK.replace("3.77.1  # pinned", "3.80.0  # pinned")
    assert server_version(world) == "3.80.0-01"
    assert "snapshot of the data directory" in world.questions[0]
    (snapshot,) = world.snapshots()
    assert snapshot.version == "3.77.1"  # the data it holds is 3.77.1's
    assert tree(world.host.data) != before  # migrated
    calls = world.host.calls()
    assert calls.index("stop -t 150 nexus") < len(calls)  # stopped cleanly before the snapshot


def test_failed_upgrade_rolls_back_by_itself_to_the_same_data(world: World) -> None:
    world.broken.add("3.80.0")
    before = tree(world.host.data)
    report = upgrade(world, "3.80.0", assume_yes=True)
    assert report.outcome is Outcome.ROLLED_BACK, report.text()
    assert report.outcome.exit_code == 1
    assert world.questions == []  # --yes
    assert report.first is not None and not report.first.ok  # both outcomes are reported
    assert report.rollback is not None and report.rollback.ok
    text = report.text()
    assert "smoke checks for Nexus 3.80.0: FAILED" in text and "smoke checks for Nexus 3.77.1: passed" in text
    # the old version serves the data as it was before the upgrade
    assert world.ups == ["3.80.0", "3.77.1"]
    assert world.configured_version() == "3.77.1"
    assert world.stack_file.read_text() == STACK
    assert server_version(world) == "3.77.1-01"
    assert tree(world.host.data) == before
    container = world.host.container()
    assert container is not None and container["image"] == image_id("3.77.1") and container["running"]
    # the restored data was not snapshotted again under a wrong label; the marker is gone
    assert [s.version for s in world.snapshots()] == ["3.77.1"]
    assert not list(world.host.backup.glob(".restore-*.json"))  # no request or report left
    # the data 3.80.0 half-migrated is kept aside for a post-mortem
    aside = list(world.host.root.glob("nexus-data.before-restore-*"))
    assert len(aside) == 1 and (aside[0] / "db" / "schema-version").read_text() == "3.80.0"


def test_failed_up_after_the_snapshot_rolls_back_too(world: World) -> None:
    world.up_fails.add("3.80.0")
    before = tree(world.host.data)
    report = upgrade(world, "3.80.0", assume_yes=True)
    assert report.outcome is Outcome.ROLLED_BACK, report.text()
    assert "pulumi up failed: docker: creating the container" in report.text()
    assert report.first is None and report.rollback is not None and report.rollback.ok
    assert tree(world.host.data) == before
    assert server_version(world) == "3.77.1-01"


def test_up_failing_before_the_container_is_replaced_rolls_back(world: World) -> None:
    """The snapshot step stopped the old container, then up failed: the rollback starts it again."""
    world.fails_before_replace.add("3.80.0")
    before = tree(world.host.data)
    report = upgrade(world, "3.80.0", assume_yes=True)
    assert report.outcome is Outcome.ROLLED_BACK, report.text()
    assert report.rollback is not None and report.rollback.ok
    container = world.host.container()
    assert container is not None and container["image"] == image_id("3.77.1") and container["running"]
    assert tree(world.host.data) == before
    assert not list(world.host.backup.glob(".restore-*.json"))  # no request or report left
    assert world.configured_version() == "3.77.1"


def test_a_failed_rollback_is_reported_with_manual_steps(world: World) -> None:
    world.broken.update({"3.80.0", "3.77.1"})
    report = upgrade(world, "3.80.0", assume_yes=True)
    assert report.outcome is Outcome.ROLLBACK_FAILED
    assert report.outcome.exit_code == 4
    assert "scripts/restore STACK nexus-data-3.77.1-" in report.text()


def test_refused_downgrade_without_a_matching_snapshot(world: World) -> None:
    report = upgrade(world, "3.70.0", assume_yes=True)
    assert report.outcome is Outcome.REFUSED
    assert report.outcome.exit_code == 2
    text = report.text()
    assert "cannot open a database migrated by 3.77.1" in text
    assert "no snapshot of 3.70.0" in text
    assert world.ups == [] and world.configured_version() == "3.77.1"
    assert server_version(world) == "3.77.1-01"


def test_downgrade_with_a_matching_snapshot_is_a_rollback(world: World) -> None:
    before = tree(world.host.data)
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED
    (world.host.data / "blobs" / "default" / "content" / "after-upgrade.bytes").write_bytes(b"x")
    world.answer = True
    report = upgrade(world, "3.77.1")
    assert report.outcome is Outcome.DONE, report.text()
    assert "is lost" in world.questions[-1]
    assert tree(world.host.data) == before
    assert server_version(world) == "3.77.1-01"
    assert world.configured_version() == "3.77.1"


def test_manual_rollback_after_a_good_upgrade(world: World) -> None:
    before = tree(world.host.data)
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED
    report = rollback(world, assume_yes=True)
    assert report.outcome is Outcome.DONE, report.text()
    assert report.first is not None and report.first.ok
    assert tree(world.host.data) == before
    assert world.ups == ["3.80.0", "3.77.1"]
    assert server_version(world) == "3.77.1-01"


def test_a_rollback_stops_nexus_only_inside_up(world: World) -> None:
    """The snapshot step of the rollback's `up` restores the snapshot right after its stop: Nexus
    still answers while the engine starts, as in an upgrade."""
    before = tree(world.host.data)
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED
    report = rollback(world, assume_yes=True)
    assert report.outcome is Outcome.DONE, report.text()
    assert world.running_at_up == [True, True]
    assert tree(world.host.data) == before
    assert "restored nexus-data-3.77.1-" in report.text() and "before-restore-" in report.text()
    assert not list(world.host.backup.glob(".restore-*.json"))


def test_a_rollback_whose_up_left_the_step_out_restores_after_it(world: World) -> None:
    before = tree(world.host.data)
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED
    world.step_not_run.add("3.77.1")
    report = rollback(world, assume_yes=True)
    assert report.outcome is Outcome.DONE, report.text()
    assert any("up did not restore nexus-data-3.77.1-" in line for line in world.said), world.said
    assert tree(world.host.data) == before
    assert server_version(world) == "3.77.1-01"
    assert not list(world.host.backup.glob(".restore-*.json"))


def test_a_rollback_whose_up_fails_before_the_step_leaves_the_data_and_nexus_running(world: World) -> None:
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED
    migrated = tree(world.host.data)
    world.fails_before_step.add("3.77.1")
    report = rollback(world, assume_yes=True)
    assert report.outcome is Outcome.FAILED, report.text()
    assert "pulling sonatype/nexus3:3.77.1 failed (nothing was restored)" in report.text()
    assert tree(world.host.data) == migrated
    container = world.host.container()
    assert container is not None and container["running"] and container["image"] == image_id("3.80.0")
    assert not list(world.host.backup.glob(".restore-*.json"))  # the request is withdrawn


def test_manual_rollback_can_be_cancelled(world: World) -> None:
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED
    migrated = tree(world.host.data)
    world.answer = False
    report = rollback(world)
    assert report.outcome is Outcome.CANCELLED
    assert tree(world.host.data) == migrated and world.configured_version() == "3.80.0"


def test_cancelled_upgrade_puts_the_version_back(world: World) -> None:
    world.answer = False
    report = upgrade(world, "3.80.0")
    assert report.outcome is Outcome.CANCELLED and report.outcome.exit_code == 3
    assert world.stack_file.read_text() == STACK
    assert world.ups == []


def test_same_version_is_nothing_to_do(world: World) -> None:
    assert upgrade(world, "3.77.1").outcome is Outcome.NOTHING_TO_DO
    assert world.ups == []


def test_snapshots_are_pruned_over_several_upgrades(world: World) -> None:
    world.keep = 2
    for target in ("3.80.0", "3.81.0"):
        assert upgrade(world, target, assume_yes=True).outcome is Outcome.UPGRADED
    world.deployed = "3.81.0"
    # a third snapshot (a manual one) makes the oldest go
    run_checked(
        world.host.shell,
        snapshot_script(world.host.paths, keep=2, version="3.81.0", restart=True),
        "snapshot",
    )
    versions = [s.version for s in world.snapshots()]
    assert versions == ["3.80.0", "3.81.0"]


def test_restore_after_disk_failure(world: World) -> None:
    """The data disk is lost with the blob contents and the snapshots' links: scripts/backup's
    blob copy brings the contents back."""
    record = run_checked(
        world.host.shell, backup_script(world.host.paths, keep=3, version="3.77.1"), "backup"
    )
    del record
    before = tree(world.host.data)
    # the disk fails: the data directory is gone and a new empty one is mounted
    shutil.rmtree(world.host.data)
    world.host.data.mkdir()
    world.nexus.set_starting()
    (snapshot,) = world.snapshots()
    report = restore(world, snapshot.name, assume_yes=True)
    assert report.outcome is Outcome.DONE, report.text()
    assert tree(world.host.data) == before
    assert report.first is not None and report.first.ok


def test_restore_refuses_a_snapshot_of_another_version(world: World) -> None:
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED
    (old,) = world.snapshots()
    report = restore(world, old.name, assume_yes=True)
    assert report.outcome is Outcome.REFUSED and "scripts/rollback STACK" in report.text()
    assert restore(world, "nexus-data-3.80.0-20200101T000000Z").outcome is Outcome.REFUSED


def test_choose_rollback_snapshot() -> None:
    def s(version: str, day: int) -> Snapshot:
        name = f"nexus-data-{version}-202501{day:02d}T000000Z"
        return Snapshot(name, version, datetime(2025, 1, day, tzinfo=UTC), f"/b/{name}.tar")

    snaps = [s("3.70.0", 1), s("3.77.1", 2), s("3.80.0", 3)]
    assert choose_rollback_snapshot(snaps, "3.80.0", None) == snaps[1]
    assert choose_rollback_snapshot(snaps, "3.80.0", snaps[0].name) == snaps[0]
    assert isinstance(choose_rollback_snapshot(snaps, "3.70.0", None), str)
    assert isinstance(choose_rollback_snapshot(snaps, "3.80.0", "nexus-data-1.0.0-20250101T000000Z"), str)
    assert prune_plan(snaps, 1) == snaps[:2]


def test_failed_preview_changes_nothing(world: World) -> None:
    world.preview_error = "no resource plugin 'pulumi-resource-docker' found"
    report = upgrade(world, "3.80.0", assume_yes=True)
    assert report.outcome is Outcome.FAILED and report.outcome.exit_code == 4
    assert "preview failed, nothing changed" in report.text()
    assert world.stack_file.read_text() == STACK and world.ups == []


PENDING = [
    PlannedStep("create", urn("pulumi-python:dynamic/nexus:Repository", "repo-docker-beta-release")),
    PlannedStep("update", urn("pulumi-python:dynamic/nexus:Role", "role-docker-pull")),
]


def test_unrelated_changes_are_what_does_not_follow_from_the_version() -> None:
    steps = Preview("", ()).steps + tuple(
        PlannedStep("replace", urn("docker:index/container:Container", name))
        for name in sorted(FOLLOWS_FROM_VERSION)
    )
    assert unrelated_changes(steps) == []
    provider = PlannedStep(
        "update", "urn:pulumi:dev::nexus-platform::pulumi:providers:pulumi-python::default"
    )
    assert (
        unrelated_changes([*steps, *PENDING, PlannedStep("same", urn("x:y:Z", "other")), provider]) == PENDING
    )
    assert PENDING[0].name == "repo-docker-beta-release"
    assert PENDING[0].type == "pulumi-python:dynamic/nexus:Repository"


def test_upgrade_refuses_a_mixed_preview_before_stopping_anything(world: World) -> None:
    world.pending = list(PENDING)  # e.g. creates left pending by an earlier failed `up`
    before = tree(world.host.data)
    world.host.clear_calls()
    report = upgrade(world, "3.80.0", assume_yes=True)
    assert report.outcome is Outcome.REFUSED and report.outcome.exit_code == 2, report.text()
    text = report.text()
    assert "create repo-docker-beta-release (pulumi-python:dynamic/nexus:Repository)" in text
    assert "update role-docker-pull" in text
    assert "./scripts/up" in text and "Nothing was stopped" in text
    assert "nexus-container" not in text  # what follows from the version is not listed
    assert world.ups == [] and world.questions == []
    assert not any(call.startswith("stop") for call in world.host.calls()), world.host.calls()
    assert world.stack_file.read_text() == STACK  # unpinned
    assert tree(world.host.data) == before and world.snapshots() == []
    assert server_version(world) == "3.77.1-01"


def test_rollback_refuses_a_mixed_preview_before_restoring(world: World) -> None:
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED
    pinned = world.stack_file.read_text()
    before = tree(world.host.data)
    world.pending = list(PENDING)
    world.host.clear_calls()
    report = rollback(world, assume_yes=True)
    assert report.outcome is Outcome.REFUSED, report.text()
    assert "refusing to roll back Nexus 3.80.0 -> 3.77.1" in report.text()
    assert "repo-docker-beta-release" in report.text()
    assert world.stack_file.read_text() == pinned  # still 3.80.0
    assert tree(world.host.data) == before and world.ups == ["3.80.0"]
    assert not any(call.startswith("stop") for call in world.host.calls()), world.host.calls()


def make_orientdb(world: World) -> None:
    """The data directory as 3.41/3.62 leave it by default: one OrientDB database per directory."""
    shutil.rmtree(world.host.data / "db")
    for database in ("component", "config", "security"):
        directory = world.host.data / "db" / database
        directory.mkdir(parents=True)
        for name in ("database.ocf", "asset.pcl", "asset.cpm", "dirty.fl"):
            (directory / name).write_bytes(b"orientdb " + name.encode())


def test_the_host_script_tells_the_database_of_the_data_directory(world: World) -> None:
    assert world.database() is Database.H2  # db/nexus.mv.db
    make_orientdb(world)
    assert world.database() is Database.ORIENTDB
    shutil.rmtree(world.host.data / "db")
    assert world.database() is Database.NONE


def test_orientdb_data_to_371_or_later_is_refused_before_anything_stops(world: World) -> None:
    make_orientdb(world)
    before = tree(world.host.data)
    calls_before = len(world.host.calls())
    report = upgrade(world, "3.80.0", assume_yes=True)
    assert report.outcome is Outcome.REFUSED and report.outcome.exit_code == 2, report.text()
    (message,) = report.messages
    assert "\n" not in message  # one line: why and what to do
    assert "OrientDB" in message and "migrat" in message and "--force-one-way" in message, message
    assert world.ups == [] and world.questions == []  # no preview question, no up
    assert world.host.calls()[calls_before:] == []  # docker was not even asked
    assert world.stack_file.read_text() == STACK  # nexus.version never pinned
    assert world.snapshots() == []
    assert tree(world.host.data) == before
    container = world.host.container()
    assert container is not None and container["running"] and container["image"] == image_id("3.77.1")
    assert server_version(world) == "3.77.1-01"


def test_the_override_goes_ahead_and_a_failure_is_rolled_back_like_any_other(world: World) -> None:
    make_orientdb(world)
    world.broken.add("3.80.0")  # what 3.71 and later do on OrientDB data: never come up
    before = tree(world.host.data)
    report = upgrade(world, "3.80.0", assume_yes=True, force_one_way=True)
    assert report.outcome is Outcome.ROLLED_BACK, report.text()
    assert any("--force-one-way" in line and "OrientDB" in line for line in world.said), world.said
    assert world.ups == ["3.80.0", "3.77.1"]
    after = tree(world.host.data)  # the OrientDB files as they were (this world adds its own marker)
    assert {path: after.get(path) for path in before} == before
    assert server_version(world) == "3.77.1-01"


def test_h2_data_and_upgrades_before_371_pass_the_one_way_check(world: World) -> None:
    assert upgrade(world, "3.80.0", assume_yes=True).outcome is Outcome.UPGRADED  # H2 data


def _declared_inputs(version: str) -> dict[str, Any]:
    """resource name -> inputs the NexusServer component declares for ``nexus.version``."""
    mocks = m.install()
    settings = parse_settings(
        {
            "domain": "example.com",
            "adminPassword": "admin-secret",
            "dockerHost": "unix:///var/run/docker.sock",
            "nexus": {"version": version, "dataDir": "/srv/nexus/data", "backupDir": "/srv/nexus/backups"},
            "haproxy": {"mode": "container"},
        }
    )
    m.deploy(lambda: NexusServer("nexus", NexusServerArgs.from_settings(settings)))
    return {resource.name: m.plain(resource.inputs) for resource in mocks.resources}


def test_every_resource_a_version_change_changes_follows_from_the_version() -> None:
    """The upgrade refuses a preview with changes outside FOLLOWS_FROM_VERSION: every resource
    whose inputs a version change alters must be in it, or no upgrade could ever run."""
    before, after = _declared_inputs("3.62.0-01"), _declared_inputs("3.71.0-06")
    changed = {name for name in before if before[name] != after.get(name)}
    assert "nexus-one-way-door" in changed and "nexus-image" in changed
    assert changed <= FOLLOWS_FROM_VERSION, changed - FOLLOWS_FROM_VERSION
    # and what takes the new container's id (computed by the engine, the same under mocks)
    takes_the_container_id = {
        name for name, inputs in after.items() if "nexus-container-id" in json.dumps(inputs, default=str)
    }
    assert "nexus-running" in takes_the_container_id
    assert takes_the_container_id <= FOLLOWS_FROM_VERSION, takes_the_container_id - FOLLOWS_FROM_VERSION
