"""StackSteps (the real Steps) with a stand-in for the Automation API stack, and the CLI entry points."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from operations import cli
from operations.smoke import NexusEndpoint
from operations.stack import StackSteps, running_version
from settings import parse_settings
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator
from tests.operations.conftest import FakeHost

STACK = """\
config:
  nexus-platform:domain: example.com
  nexus-platform:nexus:
    version: 3.77.1  # pinned
"""


class FakeStack:
    """What StackSteps uses of an Automation API Stack."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def preview(self, on_output: Any = None, color: str = "") -> Any:
        self.calls.append("preview")
        if on_output:
            on_output("~ nexus-snapshot replace\n")
        return SimpleNamespace(change_summary={"replace": 2, "same": 30, "update": 1})

    def up(self, on_output: Any = None, color: str = "") -> Any:
        self.calls.append("up")
        return SimpleNamespace()


@pytest.fixture
def emulator() -> Iterator[NexusEmulator]:
    nexus = NexusEmulator(
        admin_password=TEST_ADMIN_PASSWORD, version="3.77.1-01", default_repositories=True
    ).start()
    yield nexus
    nexus.stop()


def make_steps(host: FakeHost, nexus: NexusEmulator, outputs: dict[str, Any] | None = None) -> StackSteps:
    (host.root / "Pulumi.dev.yaml").write_text(STACK)
    settings = parse_settings(
        {
            "domain": "example.com",
            "nexus": {
                "version": "3.77.1",
                "dataDir": host.paths.data_dir,
                "backupDir": host.paths.backup_dir,
                "stopGraceSeconds": 150,
                "keepSnapshots": 2,
            },
        }
    )
    said: list[str] = []
    return StackSteps(
        project_dir=host.root,
        stack_name="dev",
        stack=FakeStack(),
        settings=settings,
        shell=host.shell,
        endpoint=NexusEndpoint(nexus.url, "admin", TEST_ADMIN_PASSWORD),
        repositories=["maven-releases"],
        outputs=outputs if outputs is not None else {"nexusVersion": "3.77.1"},
        out=said.append,
        ask=lambda prompt: "yes",
        wait_seconds=1.0,
        privileged=False,
    )


def test_versions_from_outputs_stack_file_and_server_header(
    fake_host: FakeHost, emulator: NexusEmulator
) -> None:
    steps = make_steps(fake_host, emulator, {"nexusVersion": "3.77.1", "deployedVersion": "3.76.0"})
    assert steps.deployed_version() == "3.76.0"  # recorded after the container was replaced
    assert make_steps(fake_host, emulator, {"nexusVersion": "3.77.1"}).deployed_version() == "3.77.1"
    assert make_steps(fake_host, emulator, {}).deployed_version() == "3.77.1-01"  # Server header
    assert running_version(NexusEndpoint("http://127.0.0.1:9")) is None
    assert steps.configured_version() == "3.77.1"
    steps.pin_version("3.80.0")
    assert (fake_host.root / "Pulumi.dev.yaml").read_text() == STACK.replace("3.77.1", "3.80.0")


def test_preview_confirm_up_and_smoke(fake_host: FakeHost, emulator: NexusEmulator) -> None:
    steps = make_steps(fake_host, emulator)
    assert steps.preview() == "preview: replace 2, update 1"
    assert steps.confirm("go?") is True
    steps.ask = lambda prompt: "no"
    assert steps.confirm("go?") is False

    def eof(prompt: str) -> str:
        raise EOFError

    steps.ask = eof
    assert steps.confirm("go?") is False  # no terminal: no
    steps.up()
    assert steps.stack.calls == ["preview", "up"]
    assert steps.smoke("3.77.1").ok


def test_snapshot_list_and_restore_through_the_shell(fake_host: FakeHost, emulator: NexusEmulator) -> None:
    fake_host.seed_data()
    steps = make_steps(fake_host, emulator)
    assert steps.paths.stop_grace_seconds == 150 and steps.keep_snapshots == 2
    record = steps.take_snapshot("3.77.1", "by hand")
    assert record is not None and record["reason"] == "by hand"
    (snapshot,) = steps.snapshots()
    assert snapshot.name == record["name"]
    (fake_host.data / "db" / "nexus.mv.db").write_bytes(b"changed")
    moved = steps.restore(snapshot, start=True)
    assert moved.startswith(fake_host.paths.data_dir + ".before-restore-")
    assert (fake_host.data / "db" / "nexus.mv.db").read_bytes().startswith(b"database of 3.77.1")


def _patch_cli(monkeypatch: pytest.MonkeyPatch, steps: StackSteps) -> None:
    @contextlib.contextmanager
    def fake(stack: str, project_dir: Path) -> Iterator[StackSteps]:
        assert stack == "dev"
        yield steps

    monkeypatch.setattr(cli, "stack_steps", fake)


def test_cli_snapshots_list_create_prune_usage(
    fake_host: FakeHost,
    emulator: NexusEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_host.seed_data()
    steps = make_steps(fake_host, emulator)
    _patch_cli(monkeypatch, steps)
    assert cli.snapshots_main(["dev", "list"]) == 0
    assert "no snapshots in" in capsys.readouterr().out
    for _ in range(3):
        assert cli.snapshots_main(["dev", "create"]) == 0
    created = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["version"] for r in created] == ["3.77.1"] * 3
    container = fake_host.container()
    assert container is not None and container["running"]  # a manual snapshot starts Nexus again
    assert cli.snapshots_main(["dev", "list", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in listed] == [r["name"] for r in created[1:]]  # keepSnapshots: 2
    assert cli.snapshots_main(["dev", "prune", "--keep", "1"]) == 0
    assert "deleted 1 snapshot(s), kept the newest 1" in capsys.readouterr().out
    assert cli.snapshots_main(["dev", "usage"]) == 0
    assert "Filesystem" in capsys.readouterr().out


def test_cli_exit_codes(
    fake_host: FakeHost,
    emulator: NexusEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_host.seed_data()
    steps = make_steps(fake_host, emulator)
    _patch_cli(monkeypatch, steps)
    assert cli.upgrade_main(["dev", "3.77.1"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert cli.upgrade_main(["dev", "3.70.0", "--yes"]) == 2  # downgrade without a snapshot
    assert "refusing to go from Nexus 3.77.1 back to 3.70.0" in capsys.readouterr().out
    assert cli.rollback_main(["dev", "--yes"]) == 2  # nothing older to go back to
    assert cli.restore_main(["dev", "nexus-data-3.77.1-20250101T000000Z", "--yes"]) == 2
    assert "no snapshot named" in capsys.readouterr().out
