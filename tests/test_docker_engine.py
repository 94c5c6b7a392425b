"""tests/docker_engine.py without an engine: why it gives up, and the sandbox it would start."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import docker_engine as de


def _enter(*, use_running: bool = True) -> None:
    with de.docker_engine(use_running=use_running):
        pass


def test_no_docker_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(de.EngineUnavailableError, match="no docker CLI on PATH"):
        _enter()


def test_not_root_and_no_engine_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(de, "_answers", lambda cli, host, timeout=10.0: False)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(de.EngineUnavailableError, match=r"needs root \(running as UID 1000\)"):
        _enter()


def test_root_without_dockerd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/docker" if name == "docker" else None)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    monkeypatch.setattr(de, "_answers", lambda cli, host, timeout=10.0: False)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(de.EngineUnavailableError, match=r"dockerd is not installed .*docker\.io"):
        _enter()


def test_a_remote_docker_host_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bind mounts of local temporary directories need an engine on this machine."""
    asked: list[str | None] = []

    def answers(cli: str, host: str | None, timeout: float = 10.0) -> bool:
        asked.append(host)
        return True

    monkeypatch.setenv("DOCKER_HOST", "ssh://deploy@nexus-vm.example.com")
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/docker" if name == "docker" else None)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    monkeypatch.setattr(de, "_answers", answers)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(de.EngineUnavailableError, match="dockerd is not installed"):
        _enter()
    assert asked == []


def test_a_running_local_engine_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/docker")
    monkeypatch.setattr(de, "_answers", lambda cli, host, timeout=10.0: host is None)
    with de.docker_engine() as engine:
        assert engine.host == "unix:///var/run/docker.sock" and not engine.started


def test_the_sandboxed_daemon_keeps_to_its_directory(tmp_path: Path) -> None:
    argv = de.dockerd_argv("/usr/sbin/dockerd", tmp_path)
    assert argv[0] == "/usr/sbin/dockerd"
    assert {"--iptables=false", "--ip6tables=false", "--bridge=none"} <= set(argv)
    assert f"--host=unix://{tmp_path}/docker.sock" in argv
    for flag in ("--data-root", "--exec-root", "--pidfile"):
        (value,) = [arg.split("=", 1)[1] for arg in argv if arg.startswith(flag + "=")]
        assert Path(value).parent == tmp_path
    (pool,) = [arg.split("=", 1)[1] for arg in argv if arg.startswith("--default-address-pool=")]
    prefix = pool.removeprefix("base=").split(".")
    assert prefix[0] == "10" and (10, int(prefix[1])) not in de.routed_prefixes(), pool


def test_a_daemon_in_its_own_namespace_may_have_a_default_bridge_in_its_pool(tmp_path: Path) -> None:
    argv = de.dockerd_argv("/usr/sbin/dockerd", tmp_path, default_bridge=True)
    assert "--bridge=none" not in argv
    (bip,) = [arg.split("=", 1)[1] for arg in argv if arg.startswith("--bip=")]
    (pool,) = [arg.split("=", 1)[1] for arg in argv if arg.startswith("--default-address-pool=")]
    assert bip.split(".")[:2] == pool.removeprefix("base=").split(".")[:2]
