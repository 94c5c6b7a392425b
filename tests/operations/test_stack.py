"""StackSteps (the real Steps) with a stand-in for the Automation API stack (the CLI entry points on it:
test_cli.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pulumi.automation as auto

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
    moved = steps.restore(snapshot)
    assert moved.startswith(fake_host.paths.data_dir + ".before-restore-")
    assert (fake_host.data / "db" / "nexus.mv.db").read_bytes().startswith(b"database of 3.77.1")
