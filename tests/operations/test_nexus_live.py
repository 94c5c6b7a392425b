"""The operations on a real Nexus data directory: snapshot, disk failure and restore, failed upgrade.

Nexus is the declared ``nexus`` container of :mod:`tests.live_stack` (``nexus-platform/nexus3``,
the open-source core on Java 17), shared with the other live tests; HAProxy in front of it serves
the downloads over TLS. The operations run through the project's own code: ``scripts/snapshots``,
``scripts/restore`` and ``scripts/upgrade`` are :mod:`operations.cli` on :class:`StackSteps`, whose
smoke checks are the real ones (writable, version, repositories). Only the Pulumi engine is absent
(its docker plugin cannot be built here), so two steps stand in for it:

* ``preview`` says so and changes nothing;
* ``up`` does what the engine does to the Nexus container on a version change, from the
  declaration of the stack file as it is then (:func:`tests.live_stack.declare`): the
  ``nexus-snapshot`` command's exact ``create`` text, then the container removed and created again
  from its declared inputs (``docker rm`` + :mod:`tests.components.declared_containers`).

Data is checked by content: repositories, a user, files by SHA-256, and the admin password (every
request after a restore authenticates with it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from operations import cli
from operations.smoke import NexusEndpoint, SmokeReport
from operations.stack import StackSteps
from operations.upgrade import Preview
from reach.host import LocalShell
from settings import PROJECT, load_stack_file
from tests.components import mocks as m
from tests.eventually import eventually
from tests.live_stack import LABEL_KEY, LABEL_VALUE, LiveStack, declare
from tests.operations.cli_steps import cli_on

pytestmark = [pytest.mark.live, pytest.mark.timeout(2400)]

#: A version whose image never becomes writable (it exits at once; restart always keeps it looping).
BROKEN_VERSION = "3.99.0-01"
#: How long the smoke checks wait for the broken version (they wait for the real ones as long as
#: ``scripts/upgrade`` does by default).
BROKEN_WAIT_SECONDS = 60.0
RAW = "ops-files"
USER = "ops-reader"


@dataclass
class Seeded:
    """What was put into Nexus before the snapshot, to compare with afterwards."""

    files: dict[str, str] = field(default_factory=dict)  # URL path -> sha256
    repositories: list[str] = field(default_factory=list)


def api(live: LiveStack, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(
        method,
        f"{live.nexus_url}/service/rest{path}",
        auth=("admin", live.admin_password),
        timeout=120,
        **kwargs,
    )


def download_sha256(live: LiveStack, path: str, target: Path) -> str:
    """Through HAProxy over TLS, trusting only the stack CA, as the admin with the stack's password."""
    got = live.curl(443, path, "-u", f"admin:{live.admin_password}", "-o", str(target), "-w", "%{http_code}")
    assert got.returncode == 0 and got.stdout == "200", (path, got)
    return hashlib.sha256(target.read_bytes()).hexdigest()


def wait_for_proxy(live: LiveStack, timeout: float = 120.0) -> None:
    """Until HAProxy's health checks see the restarted Nexus again (``rise 2``), it answers 503."""

    def status() -> str:
        answer = live.curl(443, "/service/rest/v1/status/writable", "-o", "/dev/null", "-w", "%{http_code}")
        return f"{answer.stdout} {answer.stderr}".strip()

    eventually(
        lambda: status() == "200",
        timeout=timeout,
        interval=1.0,
        message=lambda _: f"HAProxy still answers {status()} after {timeout:.0f}s",
    )


def seed(live: LiveStack) -> Seeded:
    seeded = Seeded(repositories=[RAW, "maven-releases"])
    created = api(live, "POST", "/v1/repositories/raw/hosted", json={
        "name": RAW, "online": True,
        "storage": {"blobStoreName": "default", "strictContentTypeValidation": False, "writePolicy": "ALLOW"},
    })  # fmt: skip
    assert created.status_code == 201, created.text
    user = api(live, "POST", "/v1/security/users", json={
        "userId": USER, "firstName": "Ops", "lastName": "Reader", "emailAddress": "ops@example.test",
        "password": "ops-Reader-1", "status": "active", "roles": ["nx-anonymous"],
    })  # fmt: skip
    assert user.status_code == 200, user.text
    uploads = (
        (RAW, "backups/payload.bin", 2 * 1024 * 1024 + 3),
        ("maven-releases", "com/example/ops/2.0.0/ops-2.0.0.jar", 512 * 1024),
    )
    for repository, path, size in uploads:
        payload = os.urandom(size)
        put = requests.put(
            f"{live.nexus_url}/repository/{repository}/{path}",
            data=iter([payload]),
            auth=("admin", live.admin_password),
            timeout=120,
        )  # fmt: skip (streamed: chunked)
        assert put.status_code == 201, (path, put.status_code, put.text)
        seeded.files[f"/repository/{repository}/{path}"] = hashlib.sha256(payload).hexdigest()
    return seeded


def assert_serves(live: LiveStack, seeded: Seeded, tmp_path: Path) -> None:
    wait_for_proxy(live)
    names = {r["name"] for r in api(live, "GET", "/v1/repositories").json()}
    assert set(seeded.repositories) <= names, names
    users = api(live, "GET", "/v1/security/users", params={"userId": USER})
    assert users.status_code == 200 and [u["userId"] for u in users.json()] == [USER]
    for path, digest in seeded.files.items():
        assert download_sha256(live, path, tmp_path / "download") == digest, path
    # the admin password is the stack's (every call above authenticated with it); the admin.password
    # file Nexus writes again at each start once the password was changed does not work
    regenerated = live.data / "admin.password"
    if regenerated.exists():
        refused = requests.get(
            f"{live.nexus_url}/service/rest/v1/security/users",
            auth=("admin", regenerated.read_text().strip()),
            timeout=60,
        )
        assert refused.status_code == 401, refused.status_code


# ---------------------------------------------------------------- StackSteps without the Pulumi engine


@dataclass
class RealNexusSteps(StackSteps):
    live: LiveStack | None = None

    def preview(self) -> Preview:
        # No step listed: nothing but the version change (the mixed-preview refusal has its own tests).
        return Preview("preview: not run (no Pulumi engine with the docker plugin here)")

    def up(self) -> None:
        """The engine's steps for the Nexus container, from the stack file's declaration (module doc)."""
        live = self.live
        assert live is not None
        self.settings = load_stack_file(self.stack_path)
        mocks = declare(self.settings, live.pki)
        step = mocks.one(m.T_LOCAL_COMMAND, "nexus-snapshot")
        result = m.run_command(step, timeout=600)  # its runner, its script on stdin
        if result.returncode != 0:
            raise RuntimeError(f"nexus-snapshot failed: {result.stderr.strip()}")
        live.mocks = mocks
        live.remove("nexus")
        self.before_start(self.settings.nexus.version)
        live.run_declared("nexus-container")
        self.outputs["deployedVersion"] = self.settings.nexus.version

    def before_start(self, version: str) -> None:
        """Between the snapshot and the new container (a subclass changes what the new version finds)."""

    def smoke(self, version: str) -> SmokeReport:
        saved = self.wait_seconds
        if version == BROKEN_VERSION:
            self.wait_seconds = BROKEN_WAIT_SECONDS
        try:
            return super().smoke(version)
        finally:
            self.wait_seconds = saved


def stack_file_text(config: dict[str, Any]) -> str:
    return yaml.safe_dump({"config": {f"{PROJECT}:{key}": value for key, value in config.items()}})


@pytest.fixture(scope="module")
def project(live_stack: LiveStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project directory with the live stack's file as ``Pulumi.dev.yaml``."""
    root = tmp_path_factory.mktemp("project")
    (root / "Pulumi.dev.yaml").write_text(stack_file_text(live_stack.config))
    assert load_stack_file(root / "Pulumi.dev.yaml") == live_stack.settings
    return root


def steps_for(
    live: LiveStack, project: Path, said: list[str], kind: type[RealNexusSteps] = RealNexusSteps
) -> RealNexusSteps:
    return kind(
        project_dir=project,
        stack_name="dev",
        stack=None,
        settings=live.settings,
        shell=LocalShell(env=live.engine.env),
        endpoint=NexusEndpoint(live.nexus_url, "admin", live.admin_password),
        repositories=[RAW, "maven-releases"],
        outputs={"deployedVersion": live.settings.nexus.version},
        out=said.append,
        ask=lambda prompt: "no",
        live=live,
    )


@pytest.fixture(scope="module")
def seeded(live_stack: LiveStack) -> Seeded:
    return seed(live_stack)


@pytest.fixture(scope="module")
def broken_image(live_stack: LiveStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``<nexus.image>:3.99.0-01``: the real image, but its entrypoint exits at once (never writable)."""
    name = f"{live_stack.settings.nexus.image}:{BROKEN_VERSION}"
    context = tmp_path_factory.mktemp("broken-image")
    base = f"{live_stack.settings.nexus.image}:{live_stack.settings.nexus.version}"
    (context / "Dockerfile").write_text(
        f"FROM {base}\nLABEL {LABEL_KEY}={LABEL_VALUE}\n"
        'ENTRYPOINT ["/bin/sh", "-c", "echo this build of Nexus never becomes writable >&2; exit 1"]\n'
    )
    live_stack.engine.docker("build", "--quiet", "--tag", name, str(context), timeout=300)
    yield name
    live_stack.engine.docker("rmi", "-f", name, check=False)


# ---------------------------------------------------------------- the tests (in this order)


def test_a_snapshot_is_refused_while_nexus_runs_on_the_data(
    live_stack: LiveStack, project: Path, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nexus runs under another name (a rename by hand): nothing is stopped, nothing is copied."""
    said: list[str] = []
    steps = steps_for(live_stack, project, said)
    live_stack.engine.docker("rename", "nexus", "nexus-by-hand")
    try:
        with cli_on(monkeypatch, steps):
            assert cli.snapshots_main(["dev", "create"]) == 4
        assert live_stack.state("nexus-by-hand")["Running"]
        assert not list(live_stack.backup.glob("*.tar")) if live_stack.backup.exists() else True
        assert api(live_stack, "GET", "/v1/status/writable").status_code == 200  # never stopped
    finally:
        live_stack.engine.docker("rename", "nexus-by-hand", "nexus")


def test_backup_then_disk_failure_then_restore_serves_the_same_data(  # noqa: PLR0917 - fixtures
    live_stack: LiveStack,
    project: Path,
    seeded: Seeded,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    said: list[str] = []
    steps = steps_for(live_stack, project, said)
    timings: dict[str, float] = {}
    started = time.monotonic()
    with cli_on(monkeypatch, steps):
        assert cli.backup_main(["dev"]) == 0
    timings["backup (clean stop, tar, start, blob copy)"] = time.monotonic() - started
    record, copy = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert copy["snapshot"] == record["name"] and copy["blobFiles"] == record["blobFiles"] >= 2
    assert record["version"] == live_stack.settings.nexus.version
    with tarfile.open(record["archive"]) as archive:
        names = set(archive.getnames())
        log = archive.extractfile("./log/nexus.log")
        assert log is not None
        nexus_log = log.read().decode(errors="replace")
    assert {"./db", "./blobs", "./etc", "./keystores"} <= names
    assert not [name for name in names if name.endswith(".bytes")]  # the contents are in the blob backup
    assert "./admin.password" not in names
    # stopped cleanly before the copy: the log in the archive ends with Nexus' own shutdown
    # (database closed, then the kernel stopped), not in the middle of its work
    tail = nexus_log[-3000:]
    assert "HikariDataSource - nexus - Shutdown completed." in tail, tail
    assert nexus_log.rstrip().splitlines()[-1].endswith("NexusLifecycleManager - Stop KERNEL"), tail
    assert live_stack.state("nexus")["Running"]  # started again by the snapshot

    # disk failure: the container stops with it; a new, empty disk is mounted at dataDir
    live_stack.engine.docker("stop", "-t", "120", "nexus", timeout=200)
    shutil.rmtree(live_stack.data)
    live_stack.data.mkdir()
    started = time.monotonic()
    with cli_on(monkeypatch, steps):
        code = cli.restore_main(["dev", record["name"], "--yes"])
    timings["restore (extract, start, writable)"] = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 0, out + "\n".join(said)
    assert "result: done" in out and "passed" in out, out
    assert live_stack.data.stat().st_uid == 200
    assert_serves(live_stack, seeded, tmp_path)
    live_stack.notes.append(", ".join(f"{step}: {seconds:.0f}s" for step, seconds in timings.items()))


def test_an_upgrade_that_never_becomes_writable_rolls_back_to_the_snapshot_by_itself(  # noqa: PLR0917
    live_stack: LiveStack,
    project: Path,
    seeded: Seeded,
    broken_image: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    said: list[str] = []
    steps = steps_for(live_stack, project, said)
    good = live_stack.settings.nexus.version
    snapshots_before = set(live_stack.backup.glob("*.tar"))
    started = time.monotonic()
    with cli_on(monkeypatch, steps):
        code = cli.upgrade_main(["dev", BROKEN_VERSION, "--yes"])
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1, out + "\n".join(said)  # 1: the upgrade failed and was rolled back
    assert "result: upgrade failed, rolled back" in out
    assert f"smoke checks for Nexus {BROKEN_VERSION}: FAILED" in out or "not writable" in out, out
    assert f"rolled back: Nexus {good} serves the data as it was before the upgrade" in out, out
    # the snapshot the upgrade's `up` took (a clean stop of the good version), then restored
    (taken,) = set(live_stack.backup.glob("*.tar")) - snapshots_before
    assert taken.name.startswith(f"nexus-data-{good}-")
    assert f"restored {taken.stem}" in out
    assert load_stack_file(project / "Pulumi.dev.yaml").nexus.version == good  # pinned back
    image = live_stack.engine.docker("inspect", "-f", "{{.Config.Image}}", "nexus").stdout.strip()
    assert image == f"{live_stack.settings.nexus.image}:{good}"
    assert_serves(live_stack, seeded, tmp_path)
    live_stack.notes.append(f"failed upgrade and automatic rollback: {elapsed:.0f}s")


# ---------------------------------------------------------------- a rollback after the window's work

#: The same core under a newer tag: what "the new version" runs is the real thing.
WINDOW_VERSION = "3.99.1-01"


def build_window_image(live: LiveStack, context: Path) -> str:
    """``<nexus.image>:3.99.1-01``: the real image under a newer tag, as an image of its own (a tag
    of the same image id would be "already running", and nothing would be replaced)."""
    name = f"{live.settings.nexus.image}:{WINDOW_VERSION}"
    base = f"{live.settings.nexus.image}:{live.settings.nexus.version}"
    return live.engine.build_under_tag(base, name, context, {LABEL_KEY: LABEL_VALUE, "window": "3.99.1"})


@pytest.fixture(scope="module")
def window_image(live_stack: LiveStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = build_window_image(live_stack, tmp_path_factory.mktemp("window-image"))
    yield name
    live_stack.engine.docker("rmi", "-f", name, check=False)


def find_blob(live: LiveStack, name: str) -> tuple[Path, str]:
    """The ``.bytes`` of the blob Nexus wrote for ``name`` (``@BlobStore.blob-name=/<name>`` in its
    attributes), and those attributes."""
    for attributes in (live.data / "blobs").glob("*/content/vol-*/chap-*/*.properties"):
        text = attributes.read_text()
        if f"@BlobStore.blob-name=/{name}\n" in text:
            return attributes.with_suffix(".bytes"), text
    raise AssertionError(f"no blob for {name}")


def run_task(live: LiveStack, task_id: str) -> None:
    before = api(live, "GET", f"/v1/tasks/{task_id}").json().get("lastRun")
    assert api(live, "POST", f"/v1/tasks/{task_id}/run").status_code == 204

    def done() -> bool:
        task = api(live, "GET", f"/v1/tasks/{task_id}").json()
        return bool(task["currentState"] == "WAITING" and task.get("lastRun") != before)

    eventually(done, timeout=300, interval=1.0, message=lambda _: f"task {task_id} did not finish")
    assert api(live, "GET", f"/v1/tasks/{task_id}").json()["lastRunResult"] == "OK"


def compact_task(live: LiveStack) -> str:
    """The core's REST API cannot create tasks (405); its UI's ExtDirect call can."""
    answer = requests.post(
        f"{live.nexus_url}/service/extdirect",
        auth=("admin", live.admin_password),
        headers={"X-Nexus-UI": "true"},
        json={"action": "coreui_Task", "method": "create", "type": "rpc", "tid": 1, "data": [{
            "enabled": True, "name": "compact default", "typeId": "blobstore.compact",
            "notificationCondition": "FAILURE", "schedule": "manual",
            "properties": {"blobstoreName": "default"},
        }]},
        timeout=60,
    )  # fmt: skip
    result = answer.json()["result"]
    assert result["success"], result
    return str(result["data"]["id"])


@dataclass
class WindowSteps(RealNexusSteps):
    """The new version is the same core under a newer tag, started with the unused-blob cleanup's
    one-hour grace set to 0, so that deletes in the window reach the blob store at once."""

    def before_start(self, version: str) -> None:
        assert self.live is not None
        if version == WINDOW_VERSION:
            properties = self.live.data / "etc" / "nexus.properties"
            properties.write_text(
                properties.read_text() + "nexus.assetBlobCleanupTask.blobCreatedDelayMinute=0\n"
            )

    def smoke(self, version: str) -> SmokeReport:
        assert self.live is not None
        return super().smoke(self.live.settings.nexus.version if version == WINDOW_VERSION else version)


def test_a_rollback_after_uploads_deletes_and_a_compaction_serves_everything_the_old_version_had(  # noqa: PLR0917
    live_stack: LiveStack,
    project: Path,
    seeded: Seeded,
    window_image: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Upload before the upgrade; the upgrade's snapshot; in the window the new version takes an
    upload and two deletes, its unused-blob cleanup soft-deletes them and a compaction removes their
    files; the rollback brings back every file the old version had, byte for byte."""
    live = live_stack
    good = live.settings.nexus.version
    before = Seeded(dict(seeded.files), list(seeded.repositories))
    for name in ("window/kept.bin", "window/doomed.bin"):
        payload = os.urandom(300 * 1024 + 5)
        put = requests.put(f"{live.nexus_url}/repository/{RAW}/{name}", data=iter([payload]),
                           auth=("admin", live.admin_password), timeout=120)  # fmt: skip
        assert put.status_code == 201, put.text
        before.files[f"/repository/{RAW}/{name}"] = hashlib.sha256(payload).hexdigest()
    said: list[str] = []
    steps = steps_for(live, project, said, WindowSteps)
    taken_before = {s.name for s in steps.snapshots()}
    with cli_on(monkeypatch, steps):
        code = cli.upgrade_main(["dev", WINDOW_VERSION, "--yes"])
    out = capsys.readouterr().out
    assert code == 0 and "result: upgraded" in out, out + "\n".join(said)
    (snapshot,) = [s for s in steps.snapshots() if s.name not in taken_before]
    assert snapshot.blob_files is not None and snapshot.size_bytes is not None
    wait_for_proxy(live)

    # the window: an upload, two deletes, the cleanup and a compaction, all on the new version
    new = requests.put(f"{live.nexus_url}/repository/{RAW}/window/new.bin", data=iter([b"new" * 1000]),
                       auth=("admin", live.admin_password), timeout=120)  # fmt: skip
    assert new.status_code == 201
    doomed = ["window/doomed.bin", "backups/payload.bin"]
    assets = api(live, "GET", "/v1/assets", params={"repository": RAW}).json()["items"]
    deleted = [asset for asset in assets if asset["path"].lstrip("/") in doomed]
    assert len(deleted) == len(doomed), [asset["path"] for asset in assets]
    for asset in deleted:
        assert api(live, "DELETE", f"/v1/assets/{asset['id']}").status_code == 204
    files = {name: find_blob(live, name)[0] for name in doomed}
    tasks = api(live, "GET", "/v1/tasks").json()["items"]
    (cleanup,) = [t["id"] for t in tasks if t["type"] == "assetBlob.cleanup" and "raw" in t["name"]]
    run_task(live, cleanup)
    for name in doomed:
        assert "deleted=true" in find_blob(live, name)[1], name  # soft-deleted (FileBlobStore.doDelete)
    run_task(live, compact_task(live))
    for name, path in files.items():
        assert not path.exists() and not path.with_suffix(".properties").exists(), name  # hard-deleted

    with cli_on(monkeypatch, steps):
        code = cli.rollback_main(["dev", "--yes"])
    out = capsys.readouterr().out
    assert code == 0 and "result: done" in out, out + "\n".join(said)
    assert load_stack_file(project / "Pulumi.dev.yaml").nexus.version == good
    for path in files.values():
        assert path.is_file()  # put back from the snapshot's hard links
    assert_serves(live, before, tmp_path)
    gone = live.curl(443, f"/repository/{RAW}/window/new.bin", "-u", f"admin:{live.admin_password}",
                     "-o", "/dev/null", "-w", "%{http_code}")  # fmt: skip
    assert gone.stdout == "404", gone
    live.notes.append(
        f"upgrade-window rollback: snapshot {snapshot.size_bytes} bytes for {snapshot.blob_files} blobs"
    )
