"""Upgrade downtime: how long Nexus does not answer during ``scripts/upgrade`` and ``scripts/rollback``
with a data directory holding N GiB of blobs, beside the floor (issue 33).

The real Nexus image (``nexus-platform/nexus3:3.71.0-06``, the open-source core) runs as the
component declares it, in a Docker Engine of this script's own (:mod:`tests.live_stack`). The data
is made by real uploads: streamed PUTs of 4 MiB random files into a raw repository until the blob
store holds the size asked, so the database references every blob and the blob store has the
layout, the ``.properties`` and the count (one per 4 MiB) that Nexus itself writes; a snapshot's
cost follows that count and the database, not the bytes, and files laid out by a script beside a
database that does not know them would not show whether Nexus still serves them. Sizes are
cumulative in one data directory (1 then 10 adds 9 GiB).

For each size, each measured while a poller asks ``GET /service/rest/v1/status/writable`` every
0.1 s (downtime: from the last 200 before a failed answer to the first 200 after it):

- the floor: the same container stopped (``docker stop -t 120``) and started again, no snapshot;
- ``scripts/upgrade dev 3.99.1-01`` (``operations.cli``; ``up`` replayed from the component's
  declaration as in ``tests/operations/test_nexus_live.py``: the ``nexus-snapshot`` command's text,
  then the container replaced by the same core under a newer tag): clean stop, snapshot, new
  container, writable;
- ``scripts/rollback dev``: stop, restore, the old container back, writable.

    .venv/bin/python bench/upgrade_downtime.py --gib 1          # about 10 minutes on 2 cores
    .venv/bin/python bench/upgrade_downtime.py --gib 1,10       # needs 11 GiB free and longer

Needs root (a sandboxed dockerd, data owned by UID 200). It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from operations import cli  # noqa: E402
from reach.http import new_session  # noqa: E402
from reach.snapshots import Snapshot  # noqa: E402
from tests.docker_engine import docker_engine  # noqa: E402
from tests.live_stack import LiveStack, PlatformImages, running_stack  # noqa: E402
from tests.operations.cli_steps import cli_on  # noqa: E402
from tests.operations.test_nexus_live import (  # noqa: E402
    RAW,
    WINDOW_VERSION,
    WindowSteps,
    api,
    build_window_image,
    stack_file_text,
    steps_for,
)
from tools.build_images import Builder, haproxy_image, nexus_image  # noqa: E402

POLL_SECONDS = 0.1
FILE_BYTES = 4 * 2**20


@dataclass
class Poller:
    """Asks Nexus whether it is writable every ``POLL_SECONDS`` until stopped."""

    url: str
    answers: list[tuple[float, bool]] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        session = new_session(self.url, caller="bench/upgrade_downtime.py")
        while not self.stopped.is_set():
            try:
                ok = session.get(f"{self.url}/service/rest/v1/status/writable", timeout=1).status_code == 200
            except requests.RequestException:
                ok = False
            self.answers.append((time.monotonic(), ok))
            self.stopped.wait(POLL_SECONDS)

    def back_at(self) -> float:
        """When the last run of failed answers ended (the first 200 after it)."""
        down, back = False, self.answers[-1][0]
        for when, ok in self.answers:
            if ok and down:
                back = when
            down = not ok
        return back

    def downtime(self) -> float:
        """Seconds from the last 200 before each run of failed answers to the first 200 after it, added up."""
        total, last_ok = 0.0, None
        down = False
        for when, ok in self.answers:
            if ok:
                if down and last_ok is not None:
                    total += when - last_ok
                last_ok, down = when, False
            else:
                down = True
        return total


@dataclass
class TimedSteps(WindowSteps):
    """Marks when each phase of an upgrade or rollback ends (monotonic seconds)."""

    marks: dict[str, float] = field(default_factory=dict)

    def restore(self, snapshot: Snapshot, *, start: bool) -> str:
        self.marks["stopped"] = time.monotonic()  # the restore stops Nexus first
        moved = super().restore(snapshot, start=start)
        self.marks["restored"] = time.monotonic()
        return moved

    def before_start(self, version: str) -> None:
        self.marks["snapshot step done"] = time.monotonic()
        super().before_start(version)

    def up(self) -> None:
        super().up()
        self.marks["new container created"] = time.monotonic()


def phases(started: float, marks: dict[str, float], writable: float) -> str:
    """``phase 1.2s, ...`` from the start of the operation to Nexus writable again."""
    points = sorted([*marks.items(), ("writable", writable)], key=lambda item: item[1])
    out, last = [], started
    for name, when in points:
        out.append(f"{name} +{when - last:.1f}s")
        last = when
    return ", ".join(out)


@contextmanager
def polled(live: LiveStack) -> Iterator[Poller]:
    poller = Poller(live.nexus_url)
    thread = threading.Thread(target=poller.run, daemon=True)
    thread.start()
    try:
        yield poller
    finally:
        live.wait_for_nexus()
        time.sleep(1)  # a few 200s after the return, so the last gap is closed
        poller.stopped.set()
        thread.join()


def fill(live: LiveStack, gib: float, done: int) -> int:
    """Upload 4 MiB files until ``gib`` GiB were uploaded in all; returns the files uploaded so far."""
    wanted = int(gib * 2**30 / FILE_BYTES)
    auth = ("admin", live.admin_password)
    with new_session(live.nexus_url, caller="bench/upgrade_downtime.py", auth=auth) as session:
        for index in range(done, wanted):
            payload = os.urandom(FILE_BYTES)
            url = f"{live.nexus_url}/repository/{RAW}/bench/{index:06d}.bin"
            put = session.put(url, data=iter([payload]), timeout=300)
            if put.status_code != 201:
                raise RuntimeError(f"upload {index}: {put.status_code} {put.text[:200]}")
    return max(wanted, done)


def blob_bytes(data: Path) -> int:
    return sum(path.stat().st_size for path in (data / "blobs").glob("*/content/vol-*/chap-*/*.bytes"))


def measure(live: LiveStack, project: Path, gib: float) -> dict[str, float | int | str]:
    said: list[str] = []
    steps = steps_for(live, project, said, TimedSteps)
    assert isinstance(steps, TimedSteps)
    figures: dict[str, float | int | str] = {"GiB asked": gib, "blob bytes": blob_bytes(live.data)}
    with polled(live) as floor:
        started = time.monotonic()
        live.engine.docker("stop", "-t", "120", "nexus", timeout=200)
        steps.marks = {"stopped": time.monotonic()}
        live.engine.docker("start", "nexus")
    figures["floor s"] = floor.downtime()
    figures["floor phases"] = phases(started, steps.marks, floor.back_at())
    before = {s.name for s in steps.snapshots()}
    with pytest.MonkeyPatch.context() as patch, cli_on(patch, steps):
        for operation, argv in (("upgrade", [WINDOW_VERSION]), ("rollback", [])):
            steps.marks = {}
            main = cli.upgrade_main if operation == "upgrade" else cli.rollback_main
            with polled(live) as poller:
                started = time.monotonic()
                code = main(["dev", *argv, "--yes"])
            if code != 0:
                raise RuntimeError(f"{operation} failed:\n" + "\n".join(said[-20:]))
            figures[f"{operation} s"] = poller.downtime()
            figures[f"{operation} phases"] = phases(started, steps.marks, poller.back_at())
            if operation == "upgrade":
                (taken,) = [s for s in steps.snapshots() if s.name not in before]
    figures.update(snapshot_figures(taken))
    return figures


def snapshot_figures(snapshot: Snapshot) -> dict[str, float | int | str]:
    return {"snapshot bytes": snapshot.size_bytes or 0, "blobs listed": snapshot.blob_files or 0}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gib", default="1", help="blob sizes in GiB, ascending, comma-separated (default 1)"
    )
    args = parser.parse_args(argv)
    sizes = sorted(float(size) for size in args.gib.split(","))
    rows: list[dict[str, float | int | str]] = []
    with (
        tempfile.TemporaryDirectory(prefix="upgrade-downtime-") as scratch,
        docker_engine(use_running=False) as engine,
    ):
        root = Path(scratch)
        builder = Builder(docker=(engine.cli,), env=engine.env)
        images = PlatformImages(builder.build(nexus_image()), builder.build(haproxy_image()))
        (root / "stack").mkdir()
        with running_stack(engine, images, root / "stack", haproxy=False) as live:
            storage = {
                "blobStoreName": "default",
                "strictContentTypeValidation": False,
                "writePolicy": "ALLOW",
            }
            created = api(live, "POST", "/v1/repositories/raw/hosted", json={
                "name": RAW, "online": True, "storage": storage,
            })  # fmt: skip
            if created.status_code != 201:
                raise RuntimeError(created.text)
            project = root / "project"
            project.mkdir()
            (project / "Pulumi.dev.yaml").write_text(stack_file_text(live.config))
            (root / "window").mkdir()
            build_window_image(live, root / "window")
            uploaded = 0
            for gib in sizes:
                started = time.monotonic()
                uploaded = fill(live, gib, uploaded)
                print(
                    f"[bench] {uploaded} files uploaded ({time.monotonic() - started:.0f} s)", file=sys.stderr
                )
                row = measure(live, project, gib)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    print_table(rows)
    return 0


def print_table(rows: list[dict[str, float | int | str]]) -> None:
    print("\nupgrade downtime (the time Nexus does not answer), real core 3.71.0-06 in its image")
    print(f"{'blobs':>10} {'files':>7} {'snapshot':>10} {'floor':>7} {'upgrade':>8} {'rollback':>9} "
          f"{'upgrade-floor':>14} {'rollback-floor':>15}")  # fmt: skip
    for row in rows:
        floor = float(row["floor s"])
        print(
            f"{int(row['blob bytes']) / 2**30:>8.2f}Gi {int(row['blobs listed']):>7} "
            f"{int(row['snapshot bytes']) / 2**20:>8.1f}Mi {floor:>6.1f}s {float(row['upgrade s']):>7.1f}s "
            f"{float(row['rollback s']):>8.1f}s {float(row['upgrade s']) - floor:>13.1f}s "
            f"{float(row['rollback s']) - floor:>14.1f}s"
        )
    print("\nwhere the time goes (from the start of each operation until Nexus answers 200 again):")
    for row in rows:
        for operation in ("floor", "upgrade", "rollback"):
            print(f"  {float(row['GiB asked']):g} GiB {operation}: {row[f'{operation} phases']}")


if __name__ == "__main__":
    sys.exit(main())
