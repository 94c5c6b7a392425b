"""The operations' host scripts and the container runbooks (docs/operations.md) against a real Docker Engine.

The other operations tests use a stand-in ``docker`` CLI (``fake_docker.py``) and run unprivileged;
here the same scripts run as root with the real ``docker`` CLI against a real engine
(:mod:`tests.docker_engine`: a running local one, or a sandboxed ``dockerd`` started for this module).

No registry is reachable, so ``nexus-test/nexus3:3.77.1`` and ``:3.80.0`` stand in for
``sonatype/nexus3``: a static busybox root filesystem imported with ``docker import``, running as
UID 200 like Nexus, whose entrypoint prints a line (for ``docker logs``) and, on SIGTERM, takes
:data:`SHUTDOWN_SECONDS` to stop, appends a line to ``/nexus-data/log/shutdown.log`` (Nexus too
writes its data on the way down) and exits 0. The container is created like
``components/nexus_server.py`` creates it (restart always, the data directory bind-mounted at
``/nexus-data``, json-file logs, nofile ulimit), except: ``--network none`` (no ports, no bridge) and
a stop timeout of 0s (a plain ``docker stop`` kills it at once, exit 137), so a clean exit after
that shutdown proves that the scripts' own ``docker stop -t <grace>`` was used.

The scripts are not re-implemented: the snapshot step is the exact ``create`` text
:func:`components.nexus_server.snapshot_commands` gives the component; ``scripts/snapshots STACK
...`` and ``scripts/restore STACK ...`` are :mod:`operations.cli` with :class:`StackSteps` (only the
Pulumi stack is absent, and the HTTP smoke check is replaced by "the container runs": the stand-in
image has no Nexus API).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import stat
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components.nexus_server import (
    CONTAINER_NAME,
    DATA_MOUNT,
    NEXUS_UID,
    NexusServerArgs,
    snapshot_commands,
)
from operations import cli
from operations.smoke import Check, NexusEndpoint, SmokeReport
from operations.stack import StackSteps
from reach.host import LocalShell
from reach.snapshots import RESTORE_ASKED, last_record, restore_script
from settings import DEFAULT_NOFILE_LIMIT, StackSettings, parse_settings
from tests.docker_engine import DockerEngine, EngineUnavailableError, docker_engine
from tests.eventually import consistently, eventually
from tests.layers import unavailable
from tests.operations.cli_steps import cli_on

pytestmark = pytest.mark.live

REPOSITORY = "nexus-test/nexus3"
OLD, NEW = "3.77.1", "3.80.0"
OLD_IMAGE, NEW_IMAGE = f"{REPOSITORY}:{OLD}", f"{REPOSITORY}:{NEW}"
SHUTDOWN_SECONDS = 1
CONTAINER_STOP_TIMEOUT = 0  # `docker stop` without -t kills at once: only the scripts' grace lets it finish
LABEL_KEY, LABEL_VALUE = "nexus-platform.test", "docker-live"
LABEL = f"{LABEL_KEY}={LABEL_VALUE}"  # on the images and containers this module makes
STARTED = "nexus-test {version} started as uid {uid}"

ENTRYPOINT = f"""#!/bin/sh
# Stands in for Nexus: a line on stdout, a clean shutdown on SIGTERM, running until then.
echo "nexus-test $NEXUS_VERSION started as uid $(id -u)"
stop() {{
  echo "stopping: SIGTERM received"
  sleep {SHUTDOWN_SECONDS}
  mkdir -p /nexus-data/log
  echo "clean shutdown of $NEXUS_VERSION" >> /nexus-data/log/shutdown.log
  echo "stopped"
  exit 0
}}
trap stop TERM
while :; do sleep 1 & wait $!; done
"""
# The real image has bash; busybox has none, so the runbook's `bash` is busybox's shell here.
BASH = '#!/bin/sh\nexec /bin/sh "$@"\n'


# ---------------------------------------------------------------- engine, images, container


@pytest.fixture(scope="module")
def engine() -> Iterator[DockerEngine]:
    if os.geteuid() != 0:
        unavailable(
            "needs root: the data directory belongs to UID 200 and only root restores numeric owners "
            f"(running as UID {os.geteuid()})"
        )
    try:
        with docker_engine() as found:
            if nexus_label(found) not in (None, LABEL_VALUE):
                pytest.skip(
                    f"the engine at {found.host} has a container named {CONTAINER_NAME}: not touching it"
                )
            yield found
    except EngineUnavailableError as error:
        unavailable(f"no Docker Engine: {error}")


def nexus_label(engine: DockerEngine) -> str | None:
    """None: no container named nexus; else our label's value on it ("" on anyone else's)."""
    template = f'{{{{index .Config.Labels "{LABEL_KEY}"}}}}'
    found = engine.docker("inspect", "--type", "container", "-f", template, CONTAINER_NAME, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def remove_our_nexus(engine: DockerEngine) -> None:
    """Remove the nexus container if this module made it (never someone else's)."""
    if nexus_label(engine) == LABEL_VALUE:
        engine.docker("rm", "-f", CONTAINER_NAME)


def busybox_rootfs(root: Path) -> None:
    """The stand-in image's files: static busybox with its applet links, /nexus-data, users, entrypoint."""
    busybox = shutil.which("busybox")
    if busybox is None:
        unavailable("busybox is not installed (Debian package busybox-static: scripts/install-system-deps)")
    listing = subprocess.run([busybox, "--list-full"], capture_output=True, text=True, check=True).stdout
    (root / "bin").mkdir(parents=True)
    shutil.copy2(busybox, root / "bin" / "busybox")
    for applet in listing.split():  # bin/sh, usr/bin/id, ... as `busybox --install -s` makes them
        link = root / applet
        if applet != "bin/busybox" and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to("/bin/busybox")
    (root / "bin" / "bash").write_text(BASH)
    (root / "entrypoint.sh").write_text(ENTRYPOINT)
    for script in (root / "bin" / "bash", root / "entrypoint.sh"):
        script.chmod(0o755)
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_text(
        f"root:x:0:0:root:/root:/bin/sh\nnexus:x:{NEXUS_UID}:{NEXUS_UID}:nexus:/opt/sonatype/nexus:/bin/false\n"
    )
    (root / "etc" / "group").write_text(f"root:x:0:\nnexus:x:{NEXUS_UID}:\n")
    for directory in ("tmp", "root", "opt/sonatype/nexus", DATA_MOUNT.lstrip("/")):
        (root / directory).mkdir(parents=True)
    (root / "tmp").chmod(0o1777)
    os.chown(root / DATA_MOUNT.lstrip("/"), NEXUS_UID, NEXUS_UID)


@pytest.fixture(scope="module")
def images(engine: DockerEngine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Both versions, imported from the same root filesystem (they differ in NEXUS_VERSION only)."""
    root = tmp_path_factory.mktemp("rootfs")
    busybox_rootfs(root)
    archive = subprocess.run(
        ["tar", "--numeric-owner", "-C", str(root), "-cf", "-", "."], capture_output=True, check=True
    ).stdout
    made: list[str] = []
    try:
        for version in (OLD, NEW):
            image = f"{REPOSITORY}:{version}"
            subprocess.run(
                [
                    engine.cli, "import",
                    "--change", 'CMD ["/entrypoint.sh"]',
                    "--change", f"USER {NEXUS_UID}",
                    "--change", f"ENV NEXUS_VERSION={version}",
                    "--change", f"LABEL {LABEL}",
                    "-", image,
                ],
                input=archive, env={**os.environ, **engine.env}, capture_output=True, check=True, timeout=60,
            )  # fmt: skip
            made.append(image)
        yield made
    finally:
        remove_our_nexus(engine)
        if made:
            engine.docker("rmi", "-f", *made, check=False)


@dataclass
class LiveHost:
    engine: DockerEngine
    root: Path
    data: Path
    backup: Path

    def run_nexus(self, image: str) -> None:
        """Create and start the container as the NexusServer component does (see the module docstring)."""
        # the component's nofile limit, unless this machine's hard limit is lower (a container
        # cannot raise it above the daemon's)
        nofile = min(DEFAULT_NOFILE_LIMIT, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        self.engine.docker(
            "run", "--detach", "--name", CONTAINER_NAME, "--label", LABEL,
            "--restart", "always", "--network", "none",
            "--volume", f"{self.data}:{DATA_MOUNT}",
            "--env", "INSTALL4J_ADD_VM_PARAMS=-Xms1200m -Xmx1200m",
            "--ulimit", f"nofile={nofile}:{nofile}",
            "--log-driver", "json-file", "--log-opt", "max-size=50m", "--log-opt", "max-file=3",
            "--stop-timeout", str(CONTAINER_STOP_TIMEOUT),
            image,
        )  # fmt: skip
        self.wait_for_log(STARTED.format(version=image.rsplit(":", 1)[1], uid=NEXUS_UID))

    def remove_nexus(self) -> None:
        remove_our_nexus(self.engine)

    def state(self) -> dict[str, Any]:
        out = self.engine.docker(
            "inspect", "--type", "container", "-f", "{{json .State}}", CONTAINER_NAME
        ).stdout
        state: dict[str, Any] = json.loads(out)
        return state

    def logs(self) -> str:
        completed = self.engine.docker("logs", CONTAINER_NAME)
        return completed.stdout + completed.stderr

    def wait_for_log(self, line: str, count: int = 1, timeout: float = 15.0) -> None:
        eventually(
            lambda: self.logs().splitlines().count(line) >= count,
            timeout=timeout,
            interval=0.1,
            message=lambda _: f"no {line!r} (x{count}) in the logs of {CONTAINER_NAME}:\n{self.logs()}",
        )

    def settings(self, version: str = OLD, keep: int = 2) -> StackSettings:
        return parse_settings(
            {
                "domain": "example.com",
                "dockerHost": self.engine.host,
                "nexus": {
                    "image": REPOSITORY,
                    "version": version,
                    "dataDir": str(self.data),
                    "backupDir": str(self.backup),
                    "keepSnapshots": keep,
                },
            }
        )

    def seed_data(self) -> None:
        """A small Nexus-like data directory owned by UID 200: private files, a tree, a symlink."""
        (self.data / "db").mkdir(parents=True)
        (self.data / "db" / "nexus.mv.db").write_bytes(b"database of 3.77.1\x00\x01" * 100)
        (self.data / "db" / "nexus.mv.db").chmod(0o600)
        (self.data / "blobs" / "default" / "content").mkdir(parents=True)
        (self.data / "blobs" / "default" / "content" / "blob-1.bytes").write_bytes(os.urandom(4096))
        secret = self.data / "keystores" / "node" / "private.ks"
        secret.parent.mkdir(parents=True)
        secret.write_text("keystore")
        secret.chmod(0o600)
        secret.parent.chmod(0o700)
        (self.data / "etc").mkdir()
        (self.data / "etc" / "nexus.properties").write_text("nexus.scripts.allowCreation=false\n")
        (self.data / "log").mkdir()
        (self.data / "log-link").symlink_to("etc/nexus.properties")
        for path in [self.data, *self.data.rglob("*")]:
            os.chown(path, NEXUS_UID, NEXUS_UID, follow_symlinks=False)
        # one entry of another owner (an operator's repair as root): owners are kept as numbers
        (self.data / "etc" / "root-note.txt").write_text("written by root\n")
        (self.data / "etc" / "root-note.txt").chmod(0o640)


def tree(root: Path) -> dict[str, tuple[str, int, int, int, bytes | str]]:
    """Every entry below ``root`` and ``root`` itself: kind, mode, owner, group and content."""
    result: dict[str, tuple[str, int, int, int, bytes | str]] = {}
    for path in [root, *sorted(root.rglob("*"))]:
        rel = str(path.relative_to(root))
        if rel.startswith((".before-restore", ".snapshot-blobs")):  # the scripts' own, not Nexus' data
            continue
        st = path.lstat()
        if path.is_symlink():
            result[rel] = ("link", 0, st.st_uid, st.st_gid, os.readlink(path))
        elif path.is_dir():
            result[rel] = ("dir", st.st_mode & 0o7777, st.st_uid, st.st_gid, b"")
        else:
            result[rel] = ("file", st.st_mode & 0o7777, st.st_uid, st.st_gid, path.read_bytes())
    return result


@pytest.fixture
def live(engine: DockerEngine, images: list[str], tmp_path: Path) -> Iterator[LiveHost]:
    tmp_path.chmod(0o755)  # the container's UID 200 must reach the bind-mounted data directory
    host = LiveHost(engine, tmp_path, tmp_path / "nexus-data", tmp_path / "backups")
    host.data.mkdir()
    host.seed_data()
    host.run_nexus(OLD_IMAGE)
    try:
        yield host
    finally:
        host.remove_nexus()


# ---------------------------------------------------------------- StackSteps without Pulumi


@dataclass
class LiveSteps(StackSteps):
    """StackSteps on the live host; the smoke check is "the container runs" (no Nexus API here)."""

    host: LiveHost | None = None

    def smoke(self, version: str) -> SmokeReport:
        assert self.host is not None
        state = self.host.state()
        return SmokeReport(
            version, (Check(f"{CONTAINER_NAME} runs", bool(state["Running"]), state["Status"]),)
        )


def live_steps(host: LiveHost, keep: int = 2) -> LiveSteps:
    said: list[str] = []
    return LiveSteps(
        project_dir=host.root,
        stack_name="dev",
        stack=None,
        settings=host.settings(keep=keep),
        shell=LocalShell(env=host.engine.env),
        endpoint=NexusEndpoint("http://127.0.0.1:9"),
        repositories=[],
        outputs={"deployedVersion": OLD},
        out=said.append,
        ask=lambda prompt: "no",
        privileged=True,
        host=host,
    )


def archive_members(path: str) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(path) as archive:
        return {member.name.removeprefix("./") or ".": member for member in archive.getmembers()}


def shutdown_lines(archive: str) -> list[str]:
    with tarfile.open(archive) as tar:
        handle = tar.extractfile("./log/shutdown.log")
        assert handle is not None
        return handle.read().decode().splitlines()


# ---------------------------------------------------------------- the snapshot step of `up`


def test_component_snapshot_step_stops_nexus_cleanly_then_tars(live: LiveHost) -> None:
    """`nexus-snapshot` create (version change 3.77.1 -> 3.80.0): the exact text the component runs."""
    before = tree(live.data)
    create, _ = snapshot_commands(NexusServerArgs.from_settings(live.settings(version=NEW)))
    assert create.startswith(f"DOCKER_HOST={live.engine.host}; export DOCKER_HOST\n")
    result = LocalShell().run(create, timeout=120)  # as pulumi-command runs it: /bin/sh -c, as root
    assert result.ok, result.stderr

    record = last_record(result.stdout)
    assert record is not None
    assert record["version"] == OLD  # read from the tags of the image the container runs
    assert record["reason"] == f"before starting {NEW_IMAGE}"
    archive = record["archive"]
    assert archive == f"{live.backup}/{record['name']}.tar"
    assert record["sizeBytes"] == os.path.getsize(archive)
    assert json.loads((live.backup / f"{record['name']}.json").read_text()) == record
    # private: the archive holds the database (password hashes) and the node keystore
    assert stat.S_IMODE(live.backup.stat().st_mode) == 0o700
    for path in (Path(archive), live.backup / f"{record['name']}.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    # stopped with the grace period: SIGTERM, a clean exit after the shutdown (not killed at once)
    state = live.state()
    assert not state["Running"] and state["ExitCode"] == 0 and not state["OOMKilled"], state
    assert "stopping: SIGTERM received" in live.logs() and "stopped" in live.logs().splitlines()
    # ... and stopped before the tar started: the archive holds what Nexus wrote on its way down
    assert shutdown_lines(archive) == [f"clean shutdown of {OLD}"]
    # numeric owners and modes in the archive
    members = archive_members(archive)
    for rel, (kind, mode, uid, gid, _) in before.items():
        member = members[rel]
        assert (member.uid, member.gid) == (uid, gid), rel
        if kind != "link":
            assert member.mode & 0o7777 == mode, rel
    private = members["keystores/node/private.ks"]
    assert (private.uid, private.gid, private.mode) == (NEXUS_UID, NEXUS_UID, 0o600)
    assert members["etc/root-note.txt"].uid == 0
    # the step leaves Nexus stopped: the engine replaces the container next
    consistently(
        lambda: not live.state()["Running"], seconds=1.5, message="Nexus was started again after the step"
    )

    # the container is replaced by the new version; the step of a later `up` leaves it alone
    live.remove_nexus()
    live.run_nexus(NEW_IMAGE)
    again = LocalShell().run(create, timeout=60)
    assert again.ok, again.stderr
    assert last_record(again.stdout) is None and "already runs" in again.stderr
    assert live.state()["Running"]
    assert sorted(p.name for p in live.backup.iterdir()) == [
        f"{record['name']}{s}"
        for s in (".blobs", ".json", ".tar")  # archive, its blob list, record
    ]
    # ... and starts it when an earlier failed `up` left it stopped
    live.engine.docker("stop", "-t", "30", CONTAINER_NAME)
    started = LocalShell().run(create, timeout=60)
    assert started.ok, started.stderr
    assert live.state()["Running"] and "left stopped" in started.stderr


# ---------------------------------------------------------------- scripts/snapshots STACK ...


def test_manual_snapshots_restart_nexus_and_prune_to_the_newest(
    live: LiveHost, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scripts/snapshots dev create` (x3, keepSnapshots 2), `list --json`, `prune --keep 1`."""
    steps = live_steps(live, keep=2)
    with cli_on(monkeypatch, steps):
        created = []
        for count in (1, 2, 3):
            assert cli.snapshots_main(["dev", "create"]) == 0
            created.append(json.loads(capsys.readouterr().out))
            assert live.state()["Running"]  # started again
            live.wait_for_log(STARTED.format(version=OLD, uid=NEXUS_UID), count=count + 1)
        assert [r["version"] for r in created] == [OLD] * 3
        assert len({r["name"] for r in created}) == 3  # never the same name twice
        # every snapshot was taken after a clean stop: each holds one more shutdown line
        assert [len(shutdown_lines(r["archive"])) for r in created[1:]] == [2, 3]
        assert cli.snapshots_main(["dev", "list", "--json"]) == 0
        listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [r["name"] for r in listed] == [r["name"] for r in created[1:]]  # the create step pruned
        assert not os.path.exists(created[0]["archive"])
        assert cli.snapshots_main(["dev", "prune", "--keep", "1"]) == 0
        assert "deleted 1 snapshot(s), kept the newest 1" in capsys.readouterr().out
        assert sorted(p.name for p in live.backup.iterdir()) == sorted(
            f"{created[2]['name']}{suffix}" for suffix in (".blobs", ".json", ".tar")
        )
        assert cli.snapshots_main(["dev", "usage"]) == 0
        assert "Filesystem" in capsys.readouterr().out
    assert live.state()["Running"]


# ---------------------------------------------------------------- scripts/restore STACK SNAPSHOT


def test_restore_puts_the_snapshot_back_keeps_the_old_data_and_starts_nexus(
    live: LiveHost, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = live_steps(live)
    record = steps.take_snapshot(OLD, "before the test breaks the data")
    assert record is not None and live.state()["Running"]
    snapshot = tree(live.data)  # the container only writes on SIGTERM: this is the archive's content

    (live.data / "db" / "nexus.mv.db").write_bytes(b"damaged")
    (live.data / "keystores" / "node" / "private.ks").unlink()
    written = "blobs/default/content/vol-01/chap-02/0b9c2a1e-58f4-4c53-9a57-1c0de0000009.bytes"
    (live.data / written).parent.mkdir(parents=True)
    (live.data / written).write_bytes(b"written after the snapshot")  # a blob's contents
    os.chown(live.data / "db" / "nexus.mv.db", 0, 0)
    damaged = tree(live.data)

    with cli_on(monkeypatch, steps):
        assert cli.restore_main(["dev", record["name"], "--yes"]) == 0
    out = capsys.readouterr().out
    assert "result: done" in out and f"smoke checks for Nexus {OLD}: passed" in out, out

    assert tree(live.data) == snapshot  # contents, modes and numeric owners (200, and root's file)
    assert (live.data.stat().st_uid, live.data.stat().st_mode & 0o7777) == (NEXUS_UID, 0o755)
    (aside,) = [p for p in live.root.iterdir() if p.name.startswith("nexus-data.before-restore-")]
    assert aside.name in out
    assert aside.stat().st_mode & 0o7777 == 0o700  # it holds the database: root only
    moved = tree(aside)
    assert moved["db/nexus.mv.db"] == damaged["db/nexus.mv.db"] and moved[written] == damaged[written]
    assert moved["log/shutdown.log"][4] == f"clean shutdown of {OLD}\n".encode() * 2  # stopped cleanly first

    # running again, on the restored directory (a new inode at the same path), not the moved one
    state = live.state()
    assert state["Running"] and state["ExitCode"] == 0
    seen = live.engine.docker("exec", CONTAINER_NAME, "cat", f"{DATA_MOUNT}/keystores/node/private.ks")
    assert seen.stdout == "keystore"


def test_a_rollback_restore_is_done_by_the_component_step_after_its_stop(live: LiveHost) -> None:
    """The rollback asks (Nexus keeps running); the component's step for the old image stops it,
    restores the snapshot instead of taking one, and prints the snapshot's record."""
    steps = live_steps(live)
    record = steps.take_snapshot(OLD, "before the upgrade")
    assert record is not None
    (snapshot,) = steps.snapshots()
    live.remove_nexus()
    live.run_nexus(NEW_IMAGE)  # the upgrade's container
    (live.data / "db" / "nexus.mv.db").write_bytes(b"migrated by the new version")
    steps.ask_restore(snapshot)
    assert live.state()["Running"]
    assert json.loads((live.backup / RESTORE_ASKED).read_text())["snapshot"] == record["name"]
    create, _ = snapshot_commands(NexusServerArgs.from_settings(live.settings(version=OLD)))
    result = LocalShell().run(create, timeout=60)
    assert result.ok, result.stderr
    assert last_record(result.stdout) == record
    assert not live.state()["Running"]  # the engine replaces it next
    assert len(list(live.backup.glob("*.tar"))) == 1
    moved = steps.restore_outcome()
    assert moved is not None and moved.startswith(f"{live.data}.before-restore-")
    assert (Path(moved) / "db" / "nexus.mv.db").read_bytes() == b"migrated by the new version"
    assert (live.data / "db" / "nexus.mv.db").read_bytes() != b"migrated by the new version"
    assert steps.restore_outcome() is None


# ---------------------------------------------------------------- runbooks of docs/operations.md


def test_readme_runbook_read_logs(live: LiveHost) -> None:
    """`docker logs --tail 200 -f nexus` (docs/operations.md, "Read logs"): follows; stopped after a line."""
    docker = live.engine
    plain = docker.docker("logs", "--tail", "200", CONTAINER_NAME)
    assert STARTED.format(version=OLD, uid=NEXUS_UID) in plain.stdout
    with subprocess.Popen(
        [docker.cli, "logs", "--tail", "200", "-f", CONTAINER_NAME],
        env={**os.environ, **docker.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as follow:
        assert follow.stdout is not None
        first = follow.stdout.readline()
        still_following = follow.poll() is None
        follow.terminate()
    assert first.rstrip("\n") == STARTED.format(version=OLD, uid=NEXUS_UID)
    assert still_following  # -f keeps reading until interrupted


def test_readme_runbook_shell_into_the_container(live: LiveHost) -> None:
    """docs/operations.md, "Shell into the container": as UID 200 with the data in /nexus-data, as root."""
    docker = live.engine
    listing = docker.docker("exec", CONTAINER_NAME, "sh", "-c", f"id -u; ls {DATA_MOUNT}").stdout.split()
    assert listing[0] == str(NEXUS_UID)
    assert sorted(listing[1:]) == sorted(p.name for p in live.data.iterdir())
    assert docker.docker("exec", "-u", "0", CONTAINER_NAME, "id", "-u").stdout.strip() == "0"
    # the exact interactive commands, on a terminal (`script` gives docker -t one), typed input
    for argv, uid in (
        (["docker", "exec", "-it", CONTAINER_NAME, "bash"], NEXUS_UID),
        (["docker", "exec", "-it", "-u", "0", CONTAINER_NAME, "bash"], 0),
    ):
        typed = f"echo uid=$(id -u); ls {DATA_MOUNT} | wc -l; exit\n"
        session = subprocess.run(
            ["script", "-qec", " ".join(argv), "/dev/null"],
            input=typed,
            env={**os.environ, **docker.env},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert session.returncode == 0, session
        assert f"uid={uid}" in session.stdout, session.stdout


def test_restore_without_a_container_restores_and_says_to_run_up(
    live: LiveHost, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Disk failure with the container gone (docs/operations.md, "Disk failure and restore": `up` afterwards).

    The real CLI prints an empty line on stdout for ``inspect`` of a missing container (and exits 1).
    """
    steps = live_steps(live)
    record = steps.take_snapshot(OLD, "before the disk fails")
    assert record is not None
    snapshot = tree(live.data)
    live.remove_nexus()
    shutil.rmtree(live.data)
    live.data.mkdir()  # the new, empty disk

    result = LocalShell(env=live.engine.env).run(restore_script(steps.paths, record["name"]), timeout=60)
    assert result.ok, result.stderr
    assert "no nexus container to start: run scripts/pulumi up" in result.stderr
    assert tree(live.data) == snapshot
    assert live.engine.docker("inspect", "--type", "container", CONTAINER_NAME, check=False).returncode != 0


@contextlib.contextmanager
def mounted_disk(path: Path) -> Iterator[None]:
    """A fresh file system at ``path`` (a tmpfs standing in for the new disk of the runbook)."""
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "--lazy", str(path)], capture_output=True, check=False)


def test_restore_onto_a_mounted_disk_keeps_the_old_data_inside_and_out_of_the_next_snapshot(
    live: LiveHost,
) -> None:
    """dataDir is a mount point: the previous data goes to <dataDir>/.before-restore-<time>."""
    steps = live_steps(live)
    live.remove_nexus()
    shutil.rmtree(live.data)
    live.data.mkdir()
    with mounted_disk(live.data):
        live.seed_data()
        live.run_nexus(OLD_IMAGE)
        record = steps.take_snapshot(OLD, "on the new disk")
        assert record is not None
        snapshot = tree(live.data)
        (live.data / "db" / "nexus.mv.db").write_bytes(b"damaged")

        moved = steps.restore(steps.snapshots()[-1])
        assert moved.startswith(f"{live.data}/.before-restore-")
        assert tree(live.data) == snapshot  # tree() leaves .before-restore-* out
        assert (Path(moved) / "db" / "nexus.mv.db").read_bytes() == b"damaged"
        assert Path(moved).stat().st_mode & 0o7777 == 0o700  # the old database: root only
        assert live.state()["Running"]
        seen = live.engine.docker("exec", CONTAINER_NAME, "ls", "-a", DATA_MOUNT).stdout.split()
        assert Path(moved).name in seen and "db" in seen

        # the next snapshot is of the data, not of the data plus what the restore put aside
        after = steps.take_snapshot(OLD, "after the restore")
        assert after is not None
        names = archive_members(after["archive"])
        assert not [name for name in names if name.startswith(".before-restore-")], sorted(names)
        live.remove_nexus()
