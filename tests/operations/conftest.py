"""Fixtures of the operations tests: a temporary data/backup directory, a fake ``docker`` CLI and a
Nexus emulator for StackSteps (tests/operations/test_stack.py, test_cli.py)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reach.host import LocalShell
from reach.snapshots import HostPaths
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator

FAKE_DOCKER = Path(__file__).with_name("fake_docker.py")
OLD_IMAGE = "sonatype/nexus3:3.77.1"
OLD_ID = "sha256:" + "a" * 64
NEW_IMAGE = "sonatype/nexus3:3.80.0"
NEW_ID = "sha256:" + "b" * 64
BLOB_1 = "0b9c2a1e-58f4-4c53-9a57-1c0de0000001"


@dataclass
class FakeHost:
    root: Path
    paths: HostPaths
    shell: LocalShell
    state_file: Path

    @property
    def data(self) -> Path:
        return Path(self.paths.data_dir)

    @property
    def backup(self) -> Path:
        return Path(self.paths.backup_dir)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_file.read_text())
        return state

    def write_state(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state))

    def run_container(self, image_id: str | None, running: bool = True) -> None:
        state = self.state()
        state["container"] = None if image_id is None else {"running": running, "image": image_id}
        self.write_state(state)

    def container(self) -> dict[str, Any] | None:
        value = self.state()["container"]
        return value if isinstance(value, dict) else None

    def calls(self) -> list[str]:
        return list(self.state().get("calls", []))

    def clear_calls(self) -> None:
        state = self.state()
        state["calls"] = []
        self.write_state(state)

    def seed_data(self) -> None:
        """A small Nexus-like data directory with a private file, a nested tree and a symlink."""
        (self.data / "db").mkdir(parents=True, exist_ok=True)
        (self.data / "db" / "nexus.mv.db").write_bytes(b"database of 3.77.1\x00\x01" * 100)
        self.add_blob("default", BLOB_1, os.urandom(4096))
        (self.data / "blobs" / "default" / "metadata.properties").write_text("type=file/1\n")
        secret = self.data / "keystores" / "node" / "private.ks"
        secret.parent.mkdir(parents=True, exist_ok=True)
        secret.write_text("keystore")
        secret.chmod(0o600)
        (self.data / "etc").mkdir(exist_ok=True)
        (self.data / "etc" / "nexus.properties").write_text("nexus.scripts.allowCreation=false\n")
        (self.data / "log-link").symlink_to("etc/nexus.properties")

    def blob_path(self, store: str, blob_id: str, suffix: str = ".bytes") -> Path:
        """Where a file blob store keeps a blob: ``content/vol-NN/chap-NN/<id>.bytes``."""
        return self.data / "blobs" / store / "content" / "vol-07" / "chap-21" / f"{blob_id}{suffix}"

    def add_blob(self, store: str, blob_id: str, content: bytes) -> None:
        """A blob as Nexus writes it: the contents once, and its attributes beside them."""
        path = self.blob_path(store, blob_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.blob_path(store, blob_id, ".properties").write_text(f"size={len(content)}\ndeleted=false\n")


def tree(root: Path) -> dict[str, tuple[str, int, bytes | str]]:
    """Every entry below ``root``: kind, mode and content (or link target)."""
    result: dict[str, tuple[str, int, bytes | str]] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if rel.startswith((".before-restore", ".snapshot-blobs")):  # the scripts' own, not Nexus' data
            continue
        stat = path.lstat()
        if path.is_symlink():
            result[rel] = ("link", 0, os.readlink(path))
        elif path.is_dir():
            result[rel] = ("dir", stat.st_mode & 0o7777, b"")
        else:
            result[rel] = ("file", stat.st_mode & 0o7777, path.read_bytes())
    return result


@pytest.fixture
def fake_host(tmp_path: Path) -> Iterator[FakeHost]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_DOCKER}" "$@"\n')
    docker.chmod(0o755)
    state_file = tmp_path / "docker-state.json"
    state_file.write_text(
        json.dumps(
            {
                "container": {"running": True, "image": OLD_ID},
                "images": {OLD_IMAGE: OLD_ID},
                "tags": {OLD_ID: [OLD_IMAGE], NEW_ID: [NEW_IMAGE]},
            }
        )
    )
    paths = HostPaths(
        data_dir=str(tmp_path / "nexus-data"),
        backup_dir=str(tmp_path / "backups"),
        stop_grace_seconds=150,
        privileged=False,
    )
    shell = LocalShell(
        env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_DOCKER_STATE": str(state_file)}
    )
    yield FakeHost(tmp_path, paths, shell, state_file)


@pytest.fixture
def emulator() -> Iterator[NexusEmulator]:
    nexus = NexusEmulator(
        admin_password=TEST_ADMIN_PASSWORD, version="3.77.1-01", default_repositories=True
    ).start()
    yield nexus
    nexus.stop()
