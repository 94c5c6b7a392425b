"""The guard that waits for a container to serve and starts one stopped outside Pulumi, against a
stand-in ``docker`` CLI on PATH that plays back a sequence of states (the real engine:
tests/e2e/test_whole_stack.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dynamic_providers import container_running as cr
from dynamic_providers.exceptions import ProviderError

#: ``docker inspect`` prints the first line of ``states`` and drops it (the last one stays);
#: ``docker start`` is recorded.
FAKE_DOCKER = """#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/calls"
case "$1" in
  inspect)
    [ -s "$dir/states" ] || exit 1
    head -n 1 "$dir/states"
    if [ "$(wc -l < "$dir/states")" -gt 1 ]; then
      tail -n +2 "$dir/states" > "$dir/rest"; mv "$dir/rest" "$dir/states"
    fi ;;
  start) ;;
esac
"""


@pytest.fixture
def docker_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "docker"
    script.write_text(FAKE_DOCKER)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setattr(cr, "POLL_SECONDS", 0.01)
    return tmp_path


def states(docker_cli: Path, *lines: str) -> None:
    (docker_cli / "states").write_text("".join(f"{line}\n" for line in lines))


def started(docker_cli: Path) -> list[str]:
    return [line for line in (docker_cli / "calls").read_text().splitlines() if line.startswith("start ")]


def props(revision: str = "c1", **extra: Any) -> dict[str, Any]:
    host = "unix:///var/run/docker.sock"
    return {"docker_host": host, "container": "nexus", "ssh_private_key": None, "revision": revision,
            "wait_seconds": 60, **extra}  # fmt: skip


def test_parse_state() -> None:
    assert cr.parse_state("running healthy 0 0\n") == cr.ContainerState("running", "healthy", 0, 0)
    assert cr.parse_state("exited none 2 255") == cr.ContainerState("exited", "none", 2, 255)
    assert cr.parse_state("absent\n").status == cr.ABSENT
    assert cr.parse_state("").status == cr.ABSENT


def test_a_serving_container_is_no_change(docker_cli: Path) -> None:
    states(docker_cli, "running healthy 0 0")
    provider = cr.ContainerRunningProvider()
    checked = provider.check(props(), props()).inputs
    assert checked["state"] == "running"
    assert provider.diff("nexus-running", {**props(), "state": "running"}, checked).changes is False


def test_a_new_container_is_waited_for_until_healthy(docker_cli: Path) -> None:
    states(docker_cli, "running starting 0 0", "running starting 0 0", "running healthy 0 0")
    provider = cr.ContainerRunningProvider()
    outs = provider.create(props()).outs or {}
    assert outs["state"] == "running"
    assert (docker_cli / "states").read_text() == "running healthy 0 0\n"  # it polled to the end
    assert not started(docker_cli)


def test_a_new_container_that_crashes_fails_at_once_naming_its_exit(docker_cli: Path) -> None:
    # restart: always restarts it; the wait must not wait out its whole time
    states(docker_cli, "running starting 0 0", "restarting starting 1 255")
    provider = cr.ContainerRunningProvider()
    with pytest.raises(ProviderError, match=r"exited with status 255 at start.*docker logs --tail 50 nexus"):
        provider.update("nexus-running", props("c1"), props("c2"))


def test_a_crash_seen_only_as_a_restart_count_fails_too(docker_cli: Path) -> None:
    states(docker_cli, "running starting 2 255")
    with pytest.raises(ProviderError, match=r"Docker restarted it 2 times"):
        cr.ContainerRunningProvider().create(props())


def test_a_container_that_never_gets_healthy_fails_after_the_wait(docker_cli: Path) -> None:
    states(docker_cli, "running unhealthy 0 0")
    with pytest.raises(ProviderError, match=r"not healthy \(unhealthy\) after 0 s"):
        cr.ContainerRunningProvider().create(props(wait_seconds=0))


def test_a_stopped_container_is_a_change_and_up_starts_it_and_waits(docker_cli: Path) -> None:
    states(
        docker_cli, "exited none 0 143", "exited none 0 143", "running starting 0 0", "running healthy 0 0"
    )
    provider = cr.ContainerRunningProvider()
    olds = {**props(), "state": "running"}
    checked = provider.check(olds, props()).inputs
    assert checked["state"] == "exited"
    assert provider.diff("nexus-running", olds, checked).changes is True
    outs = provider.update("nexus-running", olds, checked).outs or {}
    assert outs["state"] == "running"
    assert started(docker_cli) == ["start nexus"]
    assert provider.diff("nexus-running", outs, provider.check(outs, props()).inputs).changes is False


def test_a_replaced_container_in_preview_is_not_looked_at(docker_cli: Path) -> None:
    unknown = props(revision="04da6b54-80e4-46f7-96ec-b56ff0331ba9")  # the SDK's unknown value
    assert cr.ContainerRunningProvider().check(props(), unknown).inputs == unknown
    assert not (docker_cli / "calls").exists()
