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

For each size, ``--rounds`` times (3) in turn on the same data, each measured while a poller asks
``GET /service/rest/v1/status/writable`` every 0.1 s (downtime: from the last 200 before a failed
answer to the first 200 after it):

- the floor: the same container stopped (``docker stop -t 120``) and started again, no snapshot;
- ``scripts/upgrade dev 3.99.1-01`` (``operations.cli``; ``up`` replayed from the component's
  declaration as in ``tests/operations/test_nexus_live.py``: the ``nexus-snapshot`` command's text,
  then the container replaced by the same core under a newer tag): clean stop, snapshot, new
  container, writable;
- ``scripts/rollback dev``: the restore checked and asked for with Nexus running, then ``up``
  replayed as above, whose snapshot step stops Nexus and restores the snapshot instead of taking
  one; the old container back, writable.

Nexus's own start varies by tens of seconds on a shared machine, so one run of each cannot tell a
few seconds apart: taking turns puts a change of load on all three alike, and the table gives the
median and the spread of each, and of its phases, from the Docker Engine's events for the
container: ``stop`` (last 200 to the container's exit), ``between`` (to the start of the same or
the new container: the snapshot or the restore, the replacement) and ``start`` (to the first 200).
The floor's ``between`` is nothing, so upgrade minus floor is in ``between`` and in the noise of the
other two. The load average is printed with each run.

With ``--engine`` the same rounds run the REAL ``scripts/upgrade STACK VERSION --yes`` and
``scripts/rollback STACK --yes`` of the whole program instead of the replay above: the Pulumi
engine, the tls, docker and command plugins and the command resources, on the sandboxed machine of
the whole-stack tests (:mod:`tests.e2e.whole_stack`: private network and mount namespaces, a
``dockerd`` of their own, the stack in container mode, deployed by a real ``pulumi up`` first). The
data is a few small uploads: this mode measures the engine's share of the window, the default mode
the blob bytes'. The poller runs inside the sandbox's namespaces (a child process of this script,
``--poll``: Nexus publishes 8081 on the sandbox's loopback only) and asks every 0.1 s as above. The
version change is the same core under two tags: the stack starts at ``3.71.0`` (the real
``3.71.0-06`` image built again under that tag, an image of its own) and upgrades to ``3.71.0-06``.
Both tags name the release the core reports, so the real smoke checks pass (a newer-looking tag
such as ``3.99.1-01`` fails the version check, and the upgrade would roll itself back); the tag
without a build number sorts first, so the change is an upgrade and the rollback a downgrade to a
snapshot of that version; and every start, whichever the operation, is the same core on the same
database, which needs no migration, so the three can repeat round after round and differ only in
what the operation does around the start.

    .venv/bin/python bench/upgrade_downtime.py --gib 1               # about 20 minutes on 2 cores
    .venv/bin/python bench/upgrade_downtime.py --gib 1,10            # needs 11 GiB free, about an hour
    .venv/bin/python bench/upgrade_downtime.py --engine --rounds 2   # the plugins must be at hand

Needs root (a sandboxed dockerd, data owned by UID 200). It prints figures and asserts nothing.
``--engine`` needs the docker and command plugins installed or in ``NEXUS_PLATFORM_PLUGIN_DIR``, as
the whole-stack tests do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from operations import cli  # noqa: E402
from reach.http import new_session  # noqa: E402
from reach.snapshots import Snapshot  # noqa: E402
from tests.docker_engine import DockerEngine, docker_engine  # noqa: E402
from tests.e2e import whole_stack  # noqa: E402
from tests.e2e.whole_stack import (  # noqa: E402
    StackMachine,
    WholeStack,
    build_images,
    stack_config,
    stack_machine,
    upload,
)
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
#: ``--engine``: the core, the tag the stack starts at (the same core, built again under it) and
#: the uploads it holds.
ENGINE_CORE, ENGINE_OLDER_TAG = "3.71.0-06", "3.71.0"
ENGINE_FILES, ENGINE_FILE_BYTES = 5, 2**20
#: Where Nexus answers inside the sandbox (published on its loopback).
SANDBOX_NEXUS_URL = "http://127.0.0.1:8081"
#: How long the poller waits after its input closed for Nexus to answer again.
BACK_TIMEOUT_SECONDS = 900.0
OPERATIONS = ("floor", "upgrade", "rollback")
#: The phases of one operation (seconds; they add up to its downtime when Nexus stopped answering
#: once): ``stop`` from the last 200 to the container's exit (``die``), ``between`` from there to
#: the (new) container's start (the snapshot or the restore, and the container replaced),
#: ``start`` from the container's start to the first 200.
PHASES = ("stop", "between", "start")
#: Whatever the bench reports, a line per round.
Figures = dict[str, float | int | str]


@dataclass
class Poller:
    """Asks Nexus whether it is writable every ``POLL_SECONDS`` until stopped (wall-clock times, to
    line up with the Docker Engine's event times)."""

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
            self.answers.append((time.time(), ok))
            self.stopped.wait(POLL_SECONDS)

    def gaps(self) -> list[tuple[float, float]]:
        """(last 200 before, first 200 after) of each run of failed answers that ended."""
        found, last_ok, down = [], None, False
        for when, ok in self.answers:
            if ok:
                if down and last_ok is not None:
                    found.append((last_ok, when))
                last_ok, down = when, False
            else:
                down = True
        return found

    def downtime(self) -> float:
        return sum(back - gone for gone, back in self.gaps())

    def answering_for(self) -> float:
        """Seconds since the first of the 200s the answers end with (0 when the last failed)."""
        since = None
        for when, ok in self.answers:
            since = (since or when) if ok else None
        return 0.0 if since is None else self.answers[-1][0] - since


def poll_until_closed(url: str) -> int:
    """``--poll URL``: a :class:`Poller` (says ``polling`` when it began) until standard input
    closes and then Nexus answered for a second (so the last gap is closed); prints the answers as
    JSON. The ``--engine`` mode runs it inside the sandbox's namespaces."""
    poller = Poller(url)
    thread = threading.Thread(target=poller.run, daemon=True)
    thread.start()
    print("polling", flush=True)
    sys.stdin.read()
    deadline = time.monotonic() + BACK_TIMEOUT_SECONDS
    while poller.answering_for() < 1 and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    poller.stopped.set()
    thread.join()
    print(json.dumps(poller.answers))
    return 0


@contextmanager
def polled_in_sandbox(machine: StackMachine) -> Iterator[Poller]:
    """A :class:`Poller` of Nexus inside the sandbox (``--poll`` in its namespaces); its answers are
    there when the block ends."""
    poller = Poller(SANDBOX_NEXUS_URL)
    argv = [*machine.prefix(), sys.executable, str(Path(__file__).resolve()), "--poll", SANDBOX_NEXUS_URL]
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        if child.stdout.readline().strip() != "polling":
            raise RuntimeError("the poller in the sandbox did not start")
        yield poller
    finally:
        out, _ = child.communicate(timeout=BACK_TIMEOUT_SECONDS + 60)
    poller.answers = [(float(when), bool(ok)) for when, ok in json.loads(out)]


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


def container_events(engine: DockerEngine, since: float, until: float) -> list[tuple[float, str]]:
    """(time, action) of the ``die`` and ``start`` events of the container named nexus (the old one
    and its replacement) between ``since`` and ``until``, as the Docker Engine recorded them."""
    out = engine.docker(
        "events", "--since", f"{since:.3f}", "--until", f"{until:.3f}", "--filter", "container=nexus",
        "--filter", "event=die", "--filter", "event=start", "--format", "{{.TimeNano}} {{.Action}}",
    ).stdout  # fmt: skip
    events = []
    for line in out.splitlines():
        nanos, action = line.split(maxsplit=1)
        events.append((int(nanos) / 1e9, action))
    return events


def phase_seconds(poller: Poller, events: list[tuple[float, str]]) -> dict[str, float]:
    """:data:`PHASES` from the first gap's last 200, the first ``die`` after it, the last ``start``
    and the last gap's first 200."""
    gaps = poller.gaps()
    if not gaps:
        raise RuntimeError("Nexus never stopped answering")
    gone, back = gaps[0][0], gaps[-1][1]
    died = min((when for when, action in events if action == "die" and when >= gone - 1), default=None)
    started = max((when for when, action in events if action == "start"), default=None)
    if died is None or started is None:
        raise RuntimeError(f"no die and start events of nexus in {events}")
    return {"stop": died - gone, "between": started - died, "start": back - started}


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


def blob_files(data: Path) -> list[Path]:
    return list((data / "blobs").glob("*/content/vol-*/chap-*/*.bytes"))


def blob_bytes(data: Path) -> int:
    return sum(path.stat().st_size for path in blob_files(data))


def size_text(size: float) -> str:
    """``1.00Gi``, or ``5.0Mi`` under a tenth of a GiB."""
    return f"{size / 2**30:.2f}Gi" if size >= 2**30 / 10 else f"{size / 2**20:.1f}Mi"


def archive_parts(snapshot: Snapshot) -> str:
    """What the snapshot's archive holds, by top-level entry (``blobs`` split into the blobs'
    ``.properties`` and the stores' own files): ``cache 14.0Mi, db 0.7Mi, ...``, largest first,
    the entries under 0.05 MiB added up as the rest."""
    sizes: dict[str, int] = {}
    with tarfile.open(snapshot.archive) as archive:
        for member in archive:
            parts = member.name.removeprefix("./").split("/")
            part = parts[0] or "."
            if part == "blobs":
                part = "blobs .properties" if member.name.endswith(".properties") else "blobs other"
            # a member costs its header and its data rounded up to 512-byte blocks
            sizes[part] = sizes.get(part, 0) + 512 + -(-member.size // 512) * 512
    large = sorted(
        ((part, size) for part, size in sizes.items() if size >= 2**20 / 20), key=lambda item: -item[1]
    )
    rest = sum(sizes.values()) - sum(size for _, size in large)
    return ", ".join(f"{part} {size / 2**20:.1f}Mi" for part, size in [*large, ("the rest", rest)])


@dataclass
class Target:
    """What the rounds measure: the Docker Engine of the container named nexus, a poller of it, and
    how to run ``upgrade`` or ``rollback`` (raises when it failed; returns figures of its own)."""

    engine: DockerEngine
    polled: Callable[[], AbstractContextManager[Poller]]
    run: Callable[[str], Figures]


def measure(target: Target, operation: str) -> Figures:
    """One floor, upgrade or rollback, timed: downtime, phases, and the load when it ran."""
    load = os.getloadavg()[0]
    extra: Figures = {}
    with target.polled() as poller:
        started = time.time()
        if operation == "floor":
            target.engine.docker("stop", "-t", "120", "nexus", timeout=200)
            target.engine.docker("start", "nexus")
        else:
            extra = target.run(operation)
    events = container_events(target.engine, started - 1, time.time())
    figures: Figures = {"operation": operation, "downtime s": poller.downtime(), "load": load}
    figures.update({f"{phase} s": seconds for phase, seconds in phase_seconds(poller, events).items()})
    return {**figures, **extra}


def take_turns(target: Target, rounds: int, common: Figures) -> list[Figures]:
    """``rounds`` times floor, upgrade, rollback, in turn; a JSON line per operation as it ends."""
    rows: list[Figures] = []
    for round_number in range(1, rounds + 1):
        for operation in OPERATIONS:
            row = {**common, "round": round_number, **measure(target, operation)}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def rounds_at(live: LiveStack, project: Path, gib: float, rounds: int) -> list[Figures]:
    """``rounds`` times floor, upgrade, rollback, in turn, on the data as it is (``up`` replayed)."""
    said: list[str] = []
    steps = steps_for(live, project, said, WindowSteps)

    def run(operation: str) -> Figures:
        before = {s.name for s in steps.snapshots()}
        if operation == "upgrade":
            code = cli.upgrade_main(["dev", WINDOW_VERSION, "--yes"])
        else:
            code = cli.rollback_main(["dev", "--yes"])
        if code != 0:
            raise RuntimeError(f"{operation} failed:\n" + "\n".join(said[-20:]))
        if operation != "upgrade":
            return {}
        (taken,) = [s for s in steps.snapshots() if s.name not in before]
        return {
            "snapshot bytes": taken.size_bytes or 0, "blobs listed": taken.blob_files or 0,
            "archive holds": archive_parts(taken),
        }  # fmt: skip

    common: Figures = {"GiB asked": gib, "blob bytes": blob_bytes(live.data)}
    with pytest.MonkeyPatch.context() as patch, cli_on(patch, steps):
        return take_turns(Target(live.engine, lambda: polled(live), run), rounds, common)


def replayed(sizes: Sequence[float], rounds: int, began: tuple[float, float, float]) -> list[Figures]:
    """The default mode: ``up`` replayed from the component's declaration, at each size."""
    rows: list[Figures] = []
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
                rows += rounds_at(live, project, gib, rounds)
                print_table(rows, began, REPLAYED_TITLE)
    return rows


def under_the_engine(rounds: int, began: tuple[float, float, float]) -> list[Figures]:
    """``--engine``: the real scripts of the whole program on the sandboxed machine."""
    with (
        tempfile.TemporaryDirectory(prefix="upgrade-downtime-engine-") as scratch,
        stack_machine() as machine,
    ):
        root = Path(scratch)
        images = build_images(machine.engine, (ENGINE_CORE,))
        (root / "older-tag").mkdir()
        older = f"{images[ENGINE_CORE].rsplit(':', 1)[0]}:{ENGINE_OLDER_TAG}"
        images[ENGINE_OLDER_TAG] = machine.engine.build_under_tag(
            images[ENGINE_CORE], older, root / "older-tag", {"nexus-platform.bench": "older-tag"}
        )
        stack = WholeStack.create(machine, root / "work", stack_config(machine, images, ENGINE_OLDER_TAG))
        started = time.monotonic()
        if stack.up(check=False).returncode != 0:
            raise RuntimeError(f"the first up failed:\n{stack.log[-1]}")
        print(f"[bench] first up: {time.monotonic() - started:.0f} s", file=sys.stderr)
        ca = stack.ca_file()
        for index in range(ENGINE_FILES):
            # text: the raw repository checks that the content matches the name's type
            path = f"/repository/{whole_stack.RAW}/bench/{index:03d}.txt"
            upload(stack, path, os.urandom(ENGINE_FILE_BYTES // 2).hex().encode(), ca)

        def run(operation: str) -> Figures:
            args = (ENGINE_CORE, "--yes") if operation == "upgrade" else ("--yes",)
            done = stack.script(operation, *args)
            if done.returncode != 0:
                raise RuntimeError(f"scripts/{operation} failed:\n{stack.log[-1]}")
            return {}

        data = machine.root / "nexus-data"
        common: Figures = {
            "GiB asked": 0.0,
            "blob bytes": blob_bytes(data),
            "blobs listed": len(blob_files(data)),
        }
        rows = take_turns(Target(machine.engine, lambda: polled_in_sandbox(machine), run), rounds, common)
        print_table(rows, began, ENGINE_TITLE)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", help="blob sizes in GiB, ascending, comma-separated (default 1)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="floor, upgrade, rollback this many times at each size (3)"
    )
    parser.add_argument(
        "--engine",
        action="store_true",
        help="the real scripts/upgrade and scripts/rollback under the Pulumi engine, a few small uploads",
    )
    parser.add_argument("--poll", metavar="URL", help=argparse.SUPPRESS)  # the poller in the sandbox
    args = parser.parse_args(argv)
    if args.poll:
        return poll_until_closed(args.poll)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.engine and args.gib is not None:
        parser.error("--gib: the --engine mode uploads a few small files; the sizes are the default mode's")
    began = os.getloadavg()
    if args.engine:
        under_the_engine(args.rounds, began)
    else:
        replayed(sorted(float(size) for size in (args.gib or "1").split(",")), args.rounds, began)
    return 0


def spread(values: Sequence[float]) -> str:
    """``median (min-max)``."""
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


REPLAYED_TITLE = "real core 3.71.0-06 in its image, `up` replayed from the declaration"
ENGINE_TITLE = "real core 3.71.0-06, the real scripts under `pulumi up` (3.71.0 -> 3.71.0-06 and back)"


def print_table(rows: Sequence[Figures], began: tuple[float, float, float], title: str) -> None:
    sizes = sorted({float(row["GiB asked"]) for row in rows})
    print(f"\nupgrade downtime (the time Nexus does not answer), {title}")
    print(f"load average (1, 5, 15 min) at the start: {began[0]:.1f} {began[1]:.1f} {began[2]:.1f}; "
          f"now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    print("seconds, median (min-max) over the rounds; the phases: stop = last 200 to the container's")
    print("exit, between = to the (new) container's start (snapshot or restore, replacement), start =")
    print("to the first 200\n")
    print(f"{'blobs':>8} {'files':>6} {'rounds':>6} {'operation':>9} {'downtime':>18} {'- floor':>8} "
          f"{'stop':>16} {'between':>16} {'start':>18} {'load':>10}")  # fmt: skip
    for gib in sizes:
        at = [row for row in rows if float(row["GiB asked"]) == gib]
        floor = statistics.median(float(row["downtime s"]) for row in at if row["operation"] == "floor")
        files = next((int(row["blobs listed"]) for row in at if "blobs listed" in row), 0)
        for operation in OPERATIONS:
            of = [row for row in at if row["operation"] == operation]
            if not of:
                continue
            downtime = [float(row["downtime s"]) for row in of]
            loads = [float(row["load"]) for row in of]
            phases = " ".join(f"{spread([float(row[f'{phase} s']) for row in of]):>16}" for phase in PHASES)
            print(
                f"{size_text(int(at[0]['blob bytes'])):>8} {files:>6} {len(of):>6} {operation:>9} "
                f"{spread(downtime):>18} {statistics.median(downtime) - floor:>+7.1f}s {phases}"
                f" {min(loads):>4.1f}-{max(loads):<4.1f}"
            )
    if any("snapshot bytes" in row for row in rows):
        print("\nthe snapshot each upgrade took (bytes of its archive; what the archive holds):")
    for row in rows:
        if "snapshot bytes" in row:
            print(f"  {float(row['GiB asked']):g} GiB, round {row['round']}: "
                  f"{int(row['snapshot bytes']) / 2**20:.1f} MiB for {row['blobs listed']} blobs "
                  f"({row['archive holds']})")  # fmt: skip
    print("\nupgrade and rollback within 10 s of the floor, by median:")
    for gib in sizes:
        at = [row for row in rows if float(row["GiB asked"]) == gib]
        floor = statistics.median(float(row["downtime s"]) for row in at if row["operation"] == "floor")
        for operation in OPERATIONS[1:]:
            seconds = [float(row["downtime s"]) for row in at if row["operation"] == operation]
            if seconds:
                over = statistics.median(seconds) - floor
                stored = size_text(int(at[0]["blob bytes"]))
                print(f"  {stored} {operation}: {over:+.1f} s, {'met' if over <= 10 else 'NOT met'}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
