"""The CLI entry points (``python -m operations.cli``) on StackSteps with a stand-in for the Automation
API stack (tests/operations/test_stack.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from operations import cli
from operations.stack import StackSteps
from tests.nexus_emulator import NexusEmulator
from tests.operations.cli_steps import cli_on
from tests.operations.conftest import FakeHost
from tests.operations.test_stack import make_steps


@pytest.fixture
def steps(
    fake_host: FakeHost, emulator: NexusEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StackSteps]:
    """The steps of stack ``dev`` on a seeded fake host, which ``cli.*_main(["dev", ...])`` use."""
    fake_host.seed_data()
    steps = make_steps(fake_host, emulator)
    with cli_on(monkeypatch, steps):
        yield steps


def test_cli_snapshots_list_create_prune_usage(
    fake_host: FakeHost, steps: StackSteps, capsys: pytest.CaptureFixture[str]
) -> None:
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


def test_cli_exit_codes(steps: StackSteps, capsys: pytest.CaptureFixture[str]) -> None:
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
    steps: StackSteps, capsys: pytest.CaptureFixture[str]
) -> None:
    printed: list[str] = []
    steps.out = printed.append
    steps.stack.up_output = UP_OUTPUT  # type: ignore[attr-defined]
    steps.stack.preview = lambda **kw: SimpleNamespace(change_summary={})  # type: ignore[attr-defined]
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
    usage = "usage: python -m operations.cli {upgrade,rollback,restore,snapshots,backup} ARGS"
    assert usage in capsys.readouterr().err
    for tool in cli.TOOLS:
        with pytest.raises(SystemExit) as exited:
            cli.main([tool, "--help"])
        assert exited.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: scripts/{tool} ")
