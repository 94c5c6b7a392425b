"""The guard that starts a container stopped outside Pulumi, against a stand-in ``docker`` CLI on
PATH that keeps the container's state in a file (the real engine: tests/e2e/test_whole_stack.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dynamic_providers import container_running as cr
from dynamic_providers.errors import ProviderError

FAKE_DOCKER = """#!/bin/sh
state_file="$(dirname "$0")/state"
echo "$*" >> "$(dirname "$0")/calls"
case "$1" in
  inspect) [ -s "$state_file" ] || exit 1; cat "$state_file" ;;
  start) printf '%s\\n' "$(cat "$(dirname "$0")/after-start")" > "$state_file" ;;
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


def props(**extra: Any) -> dict[str, Any]:
    host = "unix:///var/run/docker.sock"
    return {"docker_host": host, "container": "nexus", "ssh_private_key": None, **extra}


def test_parse_state() -> None:
    assert cr.parse_state("running healthy\n") == ("running", "healthy")
    assert cr.parse_state("exited none") == ("exited", "none")
    assert cr.parse_state("absent\n") == (cr.ABSENT, "none")
    assert cr.parse_state("") == (cr.ABSENT, "none")


def test_a_running_container_is_no_change(docker_cli: Path) -> None:
    (docker_cli / "state").write_text("running healthy\n")
    provider = cr.ContainerRunningProvider()
    checked = provider.check({}, props()).inputs
    assert checked["state"] == "running"
    assert provider.diff("nexus-running", checked, checked).changes is False


def test_a_missing_container_is_left_to_the_docker_provider(docker_cli: Path) -> None:
    provider = cr.ContainerRunningProvider()
    checked = provider.check({}, props()).inputs
    assert checked["state"] == cr.ABSENT
    assert (provider.create(checked).outs or {})["state"] == cr.ABSENT
    assert "start" not in (docker_cli / "calls").read_text()


def test_a_stopped_container_is_a_change_and_up_starts_it_and_waits(docker_cli: Path) -> None:
    (docker_cli / "state").write_text("exited none\n")
    (docker_cli / "after-start").write_text("running healthy")
    provider = cr.ContainerRunningProvider()
    olds = {**props(), "state": "running"}
    checked = provider.check(olds, props()).inputs
    assert checked["state"] == "exited"
    assert provider.diff("nexus-running", olds, checked).changes is True
    outs = provider.update("nexus-running", olds, checked).outs
    assert outs is not None
    assert outs["state"] == "running"
    assert "start nexus" in (docker_cli / "calls").read_text()
    assert provider.diff("nexus-running", outs, provider.check(outs, props()).inputs).changes is False


def test_a_container_that_stays_unhealthy_fails_naming_where_to_look(docker_cli: Path) -> None:
    (docker_cli / "state").write_text("exited none\n")
    (docker_cli / "after-start").write_text("running unhealthy")
    provider = cr.ContainerRunningProvider()
    checked = provider.check({}, props()).inputs
    with pytest.raises(ProviderError, match=r"docker logs --tail 50 nexus"):
        provider.update("nexus-running", checked, checked)
