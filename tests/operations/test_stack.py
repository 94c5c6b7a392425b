"""StackSteps (the real Steps) with a stand-in for the Automation API stack, and the CLI entry points."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pulumi.automation as auto
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
        self.up_output: str | None = None  # set: `up` prints it and fails like the Automation API

    def preview(self, on_output: Any = None, on_event: Any = None, color: str = "") -> Any:
        self.calls.append("preview")
        if on_output:
            on_output("~ nexus-snapshot replace\n")
        if on_event:
            for op, name in (
                ("replace", "nexus-snapshot"),
                ("same", "repo-docker-all"),
                ("create", "repo-x"),
            ):
                metadata = SimpleNamespace(op=SimpleNamespace(value=op), urn=f"urn:pulumi:dev::p::t::{name}")
                on_event(SimpleNamespace(resource_pre_event=SimpleNamespace(metadata=metadata)))
            on_event(SimpleNamespace(resource_pre_event=None, diagnostic_event=SimpleNamespace()))
        return SimpleNamespace(change_summary={"replace": 2, "same": 30, "update": 1})

    def up(self, on_output: Any = None, color: str = "") -> Any:
        self.calls.append("up")
        if self.up_output is not None:
            for line in self.up_output.splitlines():
                on_output(line)
            # The Automation API's CommandError: its text is the whole output again.
            raise auto.CommandError(_Result(self.up_output))  # type: ignore[arg-type]
        return SimpleNamespace()


class _Result:
    def __init__(self, output: str) -> None:
        self.output = output

    def __str__(self) -> str:
        return f"\n code: 255\n stdout: {self.output}\n stderr: "


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
    preview = steps.preview()
    assert preview.summary == "preview: replace 2, update 1"
    assert [(step.op, step.name) for step in preview.steps] == [
        ("replace", "nexus-snapshot"),
        ("same", "repo-docker-all"),
        ("create", "repo-x"),
    ]
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


UP_OUTPUT = """\
Updating (dev):
 +  pulumi-python:dynamic/nexus:Repository repo-docker-beta-release creating (0s)
 +  pulumi-python:dynamic/nexus:Repository repo-docker-beta-release creating (0s) error: E: HTTP 503
Diagnostics:
  pulumi-python:dynamic/nexus:Repository (repo-docker-beta-release):
    error: E: repository 'docker-beta-release': HTTP 503 (POST /v1/repositories/docker/hosted -> 503)
  pulumi:pulumi:Stack (nexus-platform-dev):
    error: update failed
Resources:
    30 unchanged
"""


def test_a_failed_upgrade_prints_the_engine_output_once_and_ends_with_the_summary(
    fake_host: FakeHost,
    emulator: NexusEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_host.seed_data()
    printed: list[str] = []
    steps = make_steps(fake_host, emulator)
    steps.out = printed.append
    steps.stack.up_output = UP_OUTPUT  # type: ignore[attr-defined]
    steps.stack.preview = lambda **kw: SimpleNamespace(change_summary={})  # type: ignore[attr-defined]
    _patch_cli(monkeypatch, steps)
    code = cli.upgrade_main(["dev", "3.80.0", "--yes"])
    stdout = capsys.readouterr().out
    everything = "\n".join(printed) + stdout
    assert code == 4, everything  # up failed, and so did the rollback's up
    assert everything.count("Updating (dev):") == 2  # once per `up` (upgrade, rollback), never repeated
    assert "stderr:" not in everything and " stdout: " not in everything
    summary = stdout.split("=== summary ===", 1)[1]
    assert summary.strip().splitlines()[0] == "result: upgrade failed, rollback failed"
    assert stdout.rstrip().endswith(summary.rstrip())
    assert len(summary.strip().splitlines()) <= 6, summary
    assert (
        "pulumi up failed: exit 255: E: repository 'docker-beta-release': HTTP 503 "
        "(POST /v1/repositories/docker/hosted -> 503)"
    ) in summary


def test_one_entry_module_dispatches_to_each_tool(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2 and cli.main(["downgrade"]) == 2
    usage = "usage: python -m operations.cli {upgrade,rollback,restore,snapshots} ARGS"
    assert usage in capsys.readouterr().err
    for tool in cli.TOOLS:
        with pytest.raises(SystemExit) as exited:
            cli.main([tool, "--help"])
        assert exited.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: scripts/{tool} ")
