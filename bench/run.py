"""Benchmark: preview / up / no-change preview / refresh of the project against the Nexus emulator.

For each team count, a fresh emulator, a copy of the project and a stack in existing-Nexus mode
(``nexus.manageServer: false``) are driven through the project's Pulumi (scripts/pulumi: the built
engine and the language-host shim). Every operation's wall time and the emulator's HTTP reads and
writes per resource are measured. In the same run, a project of the same number of no-op dynamic
resources (no HTTP call at all) goes through the same operations: the engine's own floor. The
table shows both and the ratio ours / floor.

    .venv/bin/python bench/run.py                      # 1, 20, 50 and 100 teams, path routing
    .venv/bin/python bench/run.py --teams 1,5,9 --routing connector
    .venv/bin/python bench/run.py --emulator-checks    # with the emulator's schema validation
    .venv/bin/python bench/run.py --teams 20 --by-process   # CPU of engine, program and provider
    .venv/bin/python bench/run.py --shaped-floor       # also against no-op resources shaped like ours,
                                                       # and issue 33's goals judged against them
    .venv/bin/python bench/run.py --steady 5           # no-change preview and refresh: medians of 5 turns
    .venv/bin/python bench/run.py --fresh 3            # preview and up: medians of 3 turns on new stacks
    .venv/bin/python bench/run.py --engine-profile /tmp/profiles   # where the engine's CPU goes

The emulator runs in its light mode by default (no request-body validation, counts instead of
request records), so the figures measure the project rather than the test server; the time it
spent answering is shown. `refresh` runs with `--skip-preview`: the engine's refresh preview is a
whole second Read of every resource (see docs/performance.md).

This prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import resource
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.conftest import PulumiCli, PulumiResult, copy_project  # noqa: E402
from tests.nexus_emulator import NexusEmulator  # noqa: E402
from tests.real_nexus.recorder import RecordingProxy  # noqa: E402
from tests.real_nexus.server import RealNexus, fetch_distribution  # noqa: E402
from tools import engine_profile, shaped_floor  # noqa: E402
from tools.bench_figures import (  # noqa: E402
    STEADY_OPERATIONS,
    Measure,
    Samples,
    fresh_samples,
    goal_lines,
    median_measure,
    medians,
    ratio_spread,
    shaped_goal_table,
    steady_samples,
)

STACK = "bench"
ADMIN_PASSWORD = "bench-Admin-pw-51c2"
OPERATIONS = ("preview", "up", "preview (no change)", "refresh")
GROWTH_OPERATIONS = ("up", "refresh")
DYNAMIC_PREFIX = "pulumi-python:dynamic/"

FLOOR_PULUMI_YAML = """\
name: bench-floor
description: no-op dynamic resources, the engine's floor
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: .venv
"""

# Pickled by reference like the project's providers (an importable module of the project).
FLOOR_PROVIDER = '''\
"""A dynamic provider that does nothing: no file, no network."""
from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult


class NoopProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=props["name"], outs=props)

    def diff(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("value") != news.get("value"))

    def update(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=news)

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id, props)

    def delete(self, id: str, props: dict[str, Any]) -> None:
        return None


class Noop(Resource, module="floor", name="Noop"):
    def __init__(self, name: str, value: pulumi.Input[str], token: pulumi.Input[str]) -> None:
        super().__init__(NoopProvider(), name, {"name": name, "value": value, "token": token})
'''

FLOOR_MAIN = """\
import pulumi

from floorprov import Noop

config = pulumi.Config()
token = config.require_secret("token")
for index in range(config.require_int("count")):
    Noop(f"noop-{index}", value="v1", token=token)
"""


#: How a process under the CLI is told apart, from its command line (first match wins).
ROLES = (
    ("provider", "-m pulumi.dynamic"),
    ("program", "language_host.py"),  # the language-host shim runs the program in its own process
    ("engine", "/bin/pulumi"),
)


def _role(cmdline: str) -> str:
    return next((role for role, mark in ROLES if mark in cmdline), "other")


class ProcessCpu:
    """CPU time of every process started under this one while an operation runs, by role, sampled
    from /proc every 20 ms (a process's CPU is its last sample: at most 20 ms of it can be missed).
    Processes already running when it starts (the real Nexus the bench launched) are not counted."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[str, float]] = {}
        self._before: set[int] = set()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._ticks = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> ProcessCpu:
        self._before = set(self._processes())
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def by_role(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for role, cpu in self._last.values():
            totals[role] = totals.get(role, 0.0) + cpu
        return totals

    def _processes(self) -> dict[int, float]:
        """CPU seconds of each process descending from this one."""
        me = os.getpid()
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            parents[int(entry)] = int(fields[1])
            cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / self._ticks
        descendants: dict[int, float] = {}
        for pid, seconds in cpu.items():
            ancestor = parents.get(pid)
            while ancestor not in (None, 0, 1, me):
                ancestor = parents.get(ancestor)
            if ancestor == me:
                descendants[pid] = seconds
        return descendants

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            for pid, seconds in self._processes().items():
                if pid in self._before:
                    continue
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
                except OSError:
                    continue
                known = self._last.get(pid)
                # An exited process not yet reaped has an empty command line: its role was seen before.
                role = _role(cmdline) if cmdline or known is None else known[0]
                self._last[pid] = (role, seconds)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Row:
    teams: int
    resources: int
    ours: dict[str, Measure]
    floor: dict[str, Measure]
    #: With --shaped-floor: the no-op resources shaped like ours (tools/shaped_floor.py).
    shaped: dict[str, Measure] | None = None
    #: ... and the custom resources it recorded differently from ours (its self-check).
    shaped_mismatches: list[str] = field(default_factory=list)
    #: With --steady or --fresh: each side's measure of an operation in every round (the tables
    #: show their medians).
    samples: Samples = field(default_factory=dict)


class RequestLog(Protocol):
    """The emulator, or the recording proxy in front of a real Nexus."""

    def clear_log(self) -> None: ...
    def count_reads(self, path_prefix: str | None = None) -> int: ...
    def count_writes(self, path_prefix: str | None = None) -> int: ...


def timed(run: Callable[[], PulumiResult], emulator: RequestLog | None, by_process: bool = False) -> Measure:
    if emulator is not None:
        emulator.clear_log()
    sampler = ProcessCpu() if by_process else None
    cpu_start = _children_cpu()
    start = time.perf_counter()
    if sampler is None:
        run()
    else:
        with sampler:
            run()
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu_start
    roles = sampler.by_role() if sampler is not None else {}
    if emulator is None:
        return Measure(seconds, 0, 0, cpu_seconds=cpu, cpu_by_role=roles)
    server = float(getattr(emulator, "busy_seconds", 0.0))  # a real Nexus: not known
    return Measure(seconds, emulator.count_reads(), emulator.count_writes(), server, cpu, roles)


#: How each operation's engine profile is named (--engine-profile): PREFIX-<slug>.<pid>.cpu.
PROFILE_SLUGS = {"preview": "preview", "up": "up", "preview (no change)": "no-change", "refresh": "refresh"}


def operations(
    cli: PulumiCli, emulator: RequestLog | None, by_process: bool = False, profile: Path | None = None
) -> dict[str, Measure]:
    """The four operations, timed; with ``profile``, the engine writes a CPU profile of each
    (``pulumi --profiling PROFILE-<slug>``)."""

    def flags(op: str) -> list[str]:
        return [f"--profiling={profile}-{PROFILE_SLUGS[op]}"] if profile is not None else []

    return {
        "preview": timed(lambda: cli.preview(*flags("preview")), emulator, by_process),
        "up": timed(lambda: cli.up(*flags("up")), emulator, by_process),
        **{
            op: timed(partial(STEADY_RUNS[op], cli, *flags(op)), emulator, by_process)
            for op in STEADY_OPERATIONS
        },
    }


#: How each steady-state operation (tools/bench_figures.py) is run on a deployed stack.
STEADY_RUNS: dict[str, Callable[..., PulumiResult]] = {
    "preview (no change)": lambda cli, *extra: cli.preview("--expect-no-changes", *extra),
    "refresh": lambda cli, *extra: cli.refresh("--skip-preview", *extra),
}


@dataclass(frozen=True)
class Side:
    """One side's deployed stack: its CLI and the log that counts its HTTP requests (None for a floor)."""

    cli: PulumiCli
    request_log: RequestLog | None = None


def steady_measure(stacks: Mapping[str, Side], by_process: bool) -> Callable[[str, str], Measure]:
    """How a steady-state round measures one operation on one side's deployed stack."""

    def measure(name: str, op: str) -> Measure:
        side = stacks[name]
        return timed(partial(STEADY_RUNS[op], side.cli), side.request_log, by_process)

    return measure


def dynamic_count(state: dict[str, Any]) -> int:
    """The dynamic resources in a stack's exported state."""
    resources = state.get("deployment", {}).get("resources") or []
    return sum(1 for r in resources if str(r.get("type", "")).startswith(DYNAMIC_PREFIX))


def teams_config(count: int) -> list[dict[str, Any]]:
    return [
        {"name": f"team{i:02d}", "releasePort": 16001 + 2 * i, "latestPort": 16002 + 2 * i}
        for i in range(count)
    ]


def deployed_bytecode(project: Path) -> Path:
    """Compiles a side's project to bytecode before it runs, as Python leaves a project it has run
    once: the bench's copies are new, and where PYTHONDONTWRITEBYTECODE is set (as on the machines
    the bench ran on) every process would compile every module of the project from source again,
    a cost ours (thousands of lines) pays and the floors (a few) hardly do. Every side alike."""
    if not compileall.compile_dir(project, quiet=1):
        raise RuntimeError(f"{project}: a module does not compile")
    return project


@contextlib.contextmanager
def ours_side(work: Path, teams: int, routing: str, checks: bool) -> Iterator[Side]:
    """A stack of ours (not yet deployed) on a fresh emulator, which runs until the block ends."""
    with NexusEmulator(admin_password=ADMIN_PASSWORD, light=not checks) as emulator:
        project = deployed_bytecode(copy_project(work / "project"))
        config = {
            "nexus-platform:domain": "registry.bench.test",
            "nexus-platform:nexus": {"version": "3.77.1", "manageServer": False, "url": emulator.url},
            "nexus-platform:docker": {"pullPort": 16000, "routing": routing},
            "nexus-platform:teams": teams_config(teams),
        }
        (project / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
        cli = PulumiCli(project, work / "pulumi")
        cli.stack_init(STACK)
        cli.config_set("nexus-platform:adminPassword", ADMIN_PASSWORD, secret=True)
        yield Side(cli, emulator)


def real_config(url: str, data_dir: str, count: int) -> dict[str, Any]:
    """A Maven/raw-only stack the open-source core can hold: `count` Maven and raw repositories,
    each Maven one in its own blob store, and `count` robots (users)."""
    repositories: list[dict[str, Any]] = []
    for i in range(count):
        repositories.append(
            {"name": f"maven-{i:02d}", "format": "maven2", "type": "hosted", "blobStore": f"maven-{i:02d}"}
        )
        repositories.append({"name": f"raw-{i:02d}", "format": "raw", "type": "hosted"})
    for repository in repositories:
        repository["deletionProtection"] = False
    robots = [{"userId": f"robot-{i:02d}", "roles": ["nx-anonymous"]} for i in range(count)]
    return {
        "nexus-platform:domain": "core.bench.test",
        "nexus-platform:nexus": {
            "version": "3.71.0-06",
            "manageServer": False,
            "url": url,
            "dataDir": data_dir,
            "manageTasks": False,
        },
        "nexus-platform:docker": {"enabled": False},
        "nexus-platform:repositories": repositories,
        "nexus-platform:access": {"robots": robots},
    }


def run_real(work: Path, count: int, by_process: bool = False) -> tuple[int, dict[str, Measure], float]:
    """The same operations on the real Nexus core (a fresh one: the stack's first run takes it
    over), its requests counted by a recording proxy. Also returns how long it took to start."""
    server = RealNexus(home=fetch_distribution(), data_dir=work / "real-nexus" / "data").start()
    try:
        proxy = RecordingProxy(server.url)
        try:
            project = deployed_bytecode(copy_project(work / "real-project"))
            config = real_config(proxy.url, str(server.data_dir), count)
            (project / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
            cli = PulumiCli(project, work / "real-pulumi")
            cli.stack_init(STACK)
            cli.config_set("nexus-platform:adminPassword", ADMIN_PASSWORD, secret=True)
            for i in range(count):
                key = f"nexus-platform:access.robots[{i}].password"
                cli.config_set(key, f"{ADMIN_PASSWORD}-{i}", secret=True, path=True)
            measures = operations(cli, proxy, by_process)
            return dynamic_count(cli.stack_export()), measures, server.started_seconds
        finally:
            proxy.close()
    finally:
        server.stop()


def floor_stack(work: Path, resources: int, state: str = "floor-pulumi") -> PulumiCli:
    """A new stack of the floor project (written once into ``work``), its state in ``work/state``."""
    project = work / "floor"
    if not project.exists():
        (project / "floorprov").mkdir(parents=True)
        (project / "Pulumi.yaml").write_text(FLOOR_PULUMI_YAML)
        (project / "__main__.py").write_text(FLOOR_MAIN)
        (project / "floorprov" / "__init__.py").write_text(textwrap.dedent(FLOOR_PROVIDER))
        deployed_bytecode(project)
    cli = PulumiCli(project, work / state)
    cli.stack_init(STACK)
    cli.config_set("count", str(resources))
    cli.config_set("token", ADMIN_PASSWORD, secret=True)
    return cli


def run_floor(
    work: Path, resources: int, by_process: bool = False, profile: Path | None = None
) -> tuple[dict[str, Measure], Side]:
    cli = floor_stack(work, resources)
    measures = operations(cli, None, by_process, profile)
    if dynamic_count(cli.stack_export()) != resources:
        raise RuntimeError("the floor project did not create the expected number of resources")
    return measures, Side(cli)


def run_shaped(
    work: Path, state: dict[str, Any], by_process: bool = False, profile: Path | None = None
) -> tuple[dict[str, Measure], list[str], Side]:
    """The operations on no-op resources shaped like the stack whose state this is; also returns
    the resources it recorded differently from that stack, and its side."""
    from dynamic_providers.base import KINDS  # noqa: PLC0415 (only this mode needs them)
    from dynamic_providers.kinds import KIND_MODULES  # noqa: F401, PLC0415 (registers every kind)

    spec_models = {kind.type_name: kind.spec_model for kind in KINDS.values()}
    shape = shaped_floor.stack_shape(state, spec_models)
    project = work / "shaped"
    shaped_floor.write_project(project, shape)
    deployed_bytecode(project)
    cli = shaped_stack(work)
    measures = operations(cli, None, by_process, profile)
    return measures, shaped_floor.shape_mismatches(state, cli.stack_export(show_secrets=True)), Side(cli)


def shaped_stack(work: Path, state: str = "shaped-pulumi") -> PulumiCli:
    """A new stack of the shaped project ``run_shaped`` wrote into ``work``."""
    cli = PulumiCli(work / "shaped", work / state)
    cli.stack_init(STACK)
    return cli


def fresh_deploy(
    work: Path, teams: int, resources: int, args: argparse.Namespace
) -> Callable[[str], dict[str, Measure]]:
    """How a fresh round (--fresh) previews and deploys a new stack of one side: ours on a new
    emulator, the floors in their projects already written; each new stack is left as it is."""
    made = iter(range(1_000_000))

    def deploy(side: str) -> dict[str, Measure]:
        name = f"fresh-{next(made)}"

        def measure(cli: PulumiCli, log: RequestLog | None) -> dict[str, Measure]:
            return {
                "preview": timed(cli.preview, log, args.by_process),
                "up": timed(cli.up, log, args.by_process),
            }

        if side == "ours":
            with ours_side(work / name, teams, args.routing, args.emulator_checks) as ours:
                return measure(ours.cli, ours.request_log)
        if side == "floor":
            return measure(floor_stack(work, resources, f"floor-{name}"), None)
        return measure(shaped_stack(work, f"shaped-{name}"), None)

    return deploy


def table(rows: Sequence[Row], side: str = "floor") -> str:
    """Ours against the floor, or the shaped floor (``side="shaped"``; what is left against it is
    the project's own work). Reads, writes and the emulator's time are ours."""
    lines = [
        f"| teams | dynamic resources | operation | ours (s) | {side} (s) | ours / {side} "
        f"| CPU ours / {side} (s) | CPU ratio | reads / resource | writes / resource | emulator (s) |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for op in OPERATIONS:
            ours, floor = row.ours[op], getattr(row, side)[op]
            lines.append(
                f"| {row.teams} | {row.resources} | {op} | {ours.seconds:.2f} | {floor.seconds:.2f} "
                f"| {ours.seconds / floor.seconds:.2f} | {ours.cpu_seconds:.1f} / {floor.cpu_seconds:.1f} "
                f"| {ours.cpu_seconds / floor.cpu_seconds:.2f} | {ours.reads / row.resources:.2f} "
                f"| {ours.writes / row.resources:.2f} | {ours.server_seconds:.2f} |"
            )
    return "\n".join(lines)


def process_table(rows: Sequence[Row], side: str = "floor") -> str:
    """CPU seconds of each role, ours / the floor or the shaped floor (the roles of ROLES; `other`:
    `pulumi version`, shells)."""
    roles = [role for role, _ in ROLES] + ["other"]
    lines = [
        "| teams | operation | " + " | ".join(f"{role} ours / {side} (s)" for role in roles) + " |",
        "|---:|---|" + "---:|" * len(roles),
    ]
    for row in rows:
        for op in OPERATIONS:
            ours, floor = row.ours[op].cpu_by_role, getattr(row, side)[op].cpu_by_role
            cells = [f"{ours.get(role, 0.0):.2f} / {floor.get(role, 0.0):.2f}" for role in roles]
            lines.append(f"| {row.teams} | {op} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--teams", default="1,20,50,100", help="comma-separated team counts (default 1,20,50,100)"
    )
    parser.add_argument(
        "--routing",
        choices=("path", "connector"),
        default="path",
        help="docker.routing of the stack (default path: above 9 teams the 20-connector limit applies)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per team count; the median is shown")
    parser.add_argument(
        "--steady",
        type=int,
        default=0,
        metavar="N",
        help="repeat the no-change preview and the refresh N times on each side's deployed stack, the "
        "sides taking turns, and show their medians (firmer ratios on a machine whose load moves)",
    )
    parser.add_argument(
        "--fresh",
        type=int,
        default=0,
        metavar="N",
        help="repeat the preview and the up N times on a new stack of each side, the sides taking "
        "turns, and show their medians (as --steady does for the operations of a deployed stack)",
    )
    parser.add_argument(
        "--real-nexus",
        type=int,
        default=0,
        metavar="N",
        help="also run on the real Nexus core: N Maven and N raw repositories, N blob stores, N robots",
    )
    parser.add_argument(
        "--emulator-checks",
        action="store_true",
        help="keep the emulator's request validation and request records (as the tests run it)",
    )
    parser.add_argument(
        "--shaped-floor",
        action="store_true",
        help="also run a floor shaped like each stack of ours (same properties, parents, dependencies)",
    )
    parser.add_argument(
        "--by-process",
        action="store_true",
        help="also sample each process's CPU (engine, program, provider) from /proc and print it",
    )
    parser.add_argument(
        "--engine-profile",
        type=Path,
        metavar="DIR",
        help="write a Go CPU profile of the engine for each operation of each side's first run into "
        "DIR and print how much of the engine's CPU went into writing checkpoints",
    )
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.teams.split(",") if c.strip()]
    profiles: Path | None = args.engine_profile.resolve() if args.engine_profile else None
    if profiles is not None:
        profiles.mkdir(parents=True, exist_ok=True)

    def profile(teams: int, attempt: int, side: str) -> Path | None:
        return profile_prefix(profiles, teams, side) if profiles is not None and attempt == 0 else None

    rows: list[Row] = []
    real: Row | None = None
    started = 0.0
    load_before = os.getloadavg()  # the machine's other work, which moves every figure
    with tempfile.TemporaryDirectory(prefix="nexus-bench-") as tmp:
        if args.real_nexus:
            work = Path(tmp) / "real"
            print(f"[bench] real Nexus core, {args.real_nexus} of each: ours", file=sys.stderr)
            resources, ours, started = run_real(work, args.real_nexus, args.by_process)
            print(f"[bench] real Nexus core: floor ({resources} no-op resources)", file=sys.stderr)
            real = Row(0, resources, ours, run_floor(work, resources, args.by_process)[0])
        for teams in counts:
            runs: list[Row] = []
            for attempt in range(args.repeat):
                work = Path(tmp) / f"t{teams}-{attempt}"
                print(f"[bench] {teams} team(s), run {attempt + 1}/{args.repeat}: ours", file=sys.stderr)
                with ours_side(work, teams, args.routing, args.emulator_checks) as ours_stack:
                    ours_profile = profile(teams, attempt, "ours")
                    ours = operations(ours_stack.cli, ours_stack.request_log, args.by_process, ours_profile)
                    state = ours_stack.cli.stack_export(show_secrets=args.shaped_floor)
                    resources = dynamic_count(state)
                    print(f"[bench] {teams} team(s): floor ({resources} no-op resources)", file=sys.stderr)
                    floor, floor_side = run_floor(
                        work, resources, args.by_process, profile(teams, attempt, "floor")
                    )
                    row = Row(teams, resources, ours, floor)
                    stacks = {"ours": ours_stack, "floor": floor_side}
                    if args.shaped_floor:
                        print(f"[bench] {teams} team(s): shaped floor", file=sys.stderr)
                        row.shaped, row.shaped_mismatches, stacks["shaped"] = run_shaped(
                            work, state, args.by_process, profile(teams, attempt, "shaped")
                        )
                    if args.steady:
                        print(f"[bench] {teams} team(s): {args.steady} steady-state rounds", file=sys.stderr)
                        measure = steady_measure(stacks, args.by_process)
                        _take_rounds(row, steady_samples(list(stacks), args.steady, measure))
                if args.fresh:
                    print(f"[bench] {teams} team(s): {args.fresh} fresh rounds", file=sys.stderr)
                    deploy = fresh_deploy(work, teams, resources, args)
                    _take_rounds(row, fresh_samples(list(stacks), args.fresh, deploy))
                runs.append(row)
            rows.append(median_row(runs))
    print(
        f"routing: {args.routing}; emulator {'with' if args.emulator_checks else 'without'} request "
        "validation; wall times include the language-host shim; `up` runs its preview; "
        "`refresh --skip-preview`"
        + (
            f"; no-change preview and refresh: medians of {args.steady} rounds on the deployed stacks, "
            "the sides taking turns"
            if args.steady
            else ""
        )
        + (
            f"; preview and up: medians of {args.fresh} rounds on new stacks, the sides taking turns"
            if args.fresh
            else ""
        )
    )
    print(f"load average (1, 5, 15 min): {_load(load_before)} before, {_load(os.getloadavg())} after")
    print(table(rows))
    if args.by_process:
        print(process_table(rows))
    if args.shaped_floor:
        print("\nagainst the shaped floor (no-op resources with ours' properties, parents and dependencies)")
        print(table(rows, "shaped"))
        if args.by_process:
            print(process_table(rows, "shaped"))
        for row in rows:
            if row.shaped_mismatches:
                print(f"{row.teams} team(s): shaped floor, recorded otherwise: {row.shaped_mismatches}")
    for line in spread_lines(rows, "shaped" if args.shaped_floor else "floor"):
        print(line)
    for line in growth(rows):
        print(line)
    for line in goal_lines({row.teams: ratios(row) for row in rows}):
        print(line)
    if args.shaped_floor:
        print()
        for line in shaped_goal_table({row.teams: ratios(row, "shaped") for row in rows}):
            print(line)
    if profiles is not None:
        sides = ("ours", "floor", "shaped") if args.shaped_floor else ("ours", "floor")
        print(f"\n{engine_profile_table(profiles, counts, sides)}")
    if real is not None:
        print(
            f"\nreal Nexus core 3.71.0-06 (writable {started:.0f} s after launch), {args.real_nexus} Maven + "
            f"{args.real_nexus} raw repositories, blob stores and robots; `up` includes the takeover; "
            "teams column: 0 (no Docker)"
        )
        print(table([real]))
        if args.by_process:
            print(process_table([real]))
    return 0


def _take_rounds(row: Row, samples: Samples) -> None:
    """A row's figures of the operations the rounds repeated become their medians."""
    for side, ops in samples.items():
        row.samples.setdefault(side, {}).update(ops)
    for side, measures in medians(samples).items():
        getattr(row, side).update(measures)


def spread_lines(rows: Sequence[Row], side: str) -> list[str]:
    """How far ours / ``side`` moved between the rounds of each repeated operation: its smallest
    and largest ratio, the two sides of a ratio measured in the same round."""
    lines = [
        f"ours / {side} round by round (wall time; the tables show the medians)",
        "| teams | operation | rounds | smallest | ratio of the medians | largest |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        for op in OPERATIONS:
            ours, other = row.samples.get("ours", {}).get(op), row.samples.get(side, {}).get(op)
            if not ours or not other:
                continue
            low, high = ratio_spread(ours, other)
            median = row.ours[op].seconds / getattr(row, side)[op].seconds
            lines.append(f"| {row.teams} | {op} | {len(ours)} | {low:.2f} | {median:.2f} | {high:.2f} |")
    return lines if len(lines) > 3 else []


def _load(averages: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in averages)


def profile_prefix(directory: Path, teams: int, side: str) -> Path:
    """Where one side's engine profiles go; ``operations`` adds ``-<slug>`` per operation."""
    return directory / f"t{teams}-{side}"


def engine_profile_table(directory: Path, counts: Sequence[int], sides: Sequence[str]) -> str:
    """Per operation: the engine's CPU in its profile and the part spent writing checkpoints."""
    header = " / ".join(sides)
    lines = [
        f"engine CPU in its profiles (first run of each side; {directory})",
        f"| teams | operation | engine CPU {header} (s) | writing checkpoints {header} (s) "
        f"| share {header} |",
        "|---:|---|---:|---:|---:|",
    ]
    for teams in counts:
        for op, slug in PROFILE_SLUGS.items():
            found = [
                engine_profile.summarize(Path(f"{profile_prefix(directory, teams, side)}-{slug}"))
                for side in sides
            ]
            if any(cpu is None for cpu in found):
                lines.append(f"| {teams} | {op} | no profile, or no `go` on PATH to read it | | |")
                continue
            cpus = [cpu for cpu in found if cpu is not None]
            total = " / ".join(f"{cpu.total_seconds:.2f}" for cpu in cpus)
            saving = " / ".join(f"{cpu.checkpoint_seconds:.2f}" for cpu in cpus)
            share = " / ".join(f"{cpu.checkpoint_share:.0%}" for cpu in cpus)
            lines.append(f"| {teams} | {op} | {total} | {saving} | {share} |")
    return "\n".join(lines)


def growth(rows: Sequence[Row]) -> list[str]:
    """Per-resource and fixed cost (a line through the smallest and largest run), ours and floor."""
    if len(rows) < 2 or rows[0].resources == rows[-1].resources:
        return []
    small, large = rows[0], rows[-1]
    lines = []
    for op in GROWTH_OPERATIONS:
        parts = []
        for side in ("ours", "floor"):
            a, b = getattr(small, side)[op].seconds, getattr(large, side)[op].seconds
            per = (b - a) / (large.resources - small.resources)
            parts.append(f"{side} {per * 1000:.0f} ms/resource + {a - per * small.resources:.1f} s fixed")
        lines.append(f"growth of {op} ({small.resources}->{large.resources} resources): " + "; ".join(parts))
    return lines


def ratios(row: Row, side: str = "floor") -> dict[str, float]:
    """Ours / the plain floor (or the shaped floor, ``side="shaped"``), wall time, per operation."""
    return {op: row.ours[op].seconds / getattr(row, side)[op].seconds for op in OPERATIONS}


def median_row(runs: Sequence[Row]) -> Row:
    def median(side: str, op: str) -> Measure:
        return median_measure([getattr(run, side)[op] for run in runs])

    first = runs[0]
    return Row(
        first.teams,
        first.resources,
        {op: median("ours", op) for op in OPERATIONS},
        {op: median("floor", op) for op in OPERATIONS},
        {op: median("shaped", op) for op in OPERATIONS} if first.shaped is not None else None,
        sorted({name for run in runs for name in run.shaped_mismatches}),
        # every round of every run: a ratio's spread is over all of them
        {
            side: {op: [m for run in runs for m in run.samples.get(side, {}).get(op, [])] for op in ops}
            for side, ops in first.samples.items()
        },
    )


if __name__ == "__main__":
    raise SystemExit(main())
