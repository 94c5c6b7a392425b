"""Command-line entry points behind ``scripts/upgrade``, ``scripts/rollback``, ``scripts/restore``,
``scripts/snapshots`` and ``scripts/backup``: ``python -m operations.cli TOOL ARGS`` (run with the
project's .venv Python; see those scripts for the environment). The one entry module: the modules
it runs are imported, never run as ``__main__`` themselves (which would load them twice, with two
of each class).

Exit codes: 0 done; 1 the upgrade failed and was rolled back; 2 refused (explained); 3 cancelled;
4 failed (what to do by hand is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from operations.stack import PROJECT_DIR, StackSteps, stack_steps
from operations.upgrade import Report, restore, rollback, upgrade
from reach.host import run_checked
from reach.snapshots import delete_script, oldest_first, prune_plan, usage_script
from reach.versions import FORCE_ONE_WAY_ENV


def _parser(prog: str, description: str, *, confirm: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    if confirm:
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("stack", help="stack name, e.g. dev (its file is Pulumi.<stack>.yaml)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    parser.add_argument(
        "--wait",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="how long the smoke checks wait for Nexus to be writable (default 900; a large "
        "database migration may need more)",
    )
    return parser


def _finish(report: Report) -> int:
    """The short summary that ends every run (the engine's output, if any, is above it once)."""
    print(f"\n=== summary ===\n{report.text()}", flush=True)
    return report.outcome.exit_code


def _guarded(run: Callable[[], int]) -> int:
    """Errors outside the decisions (no stack, no SSH, no passphrase) as one line and exit 4."""
    try:
        return run()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 4


def _run_on_stack(args: argparse.Namespace, action: Callable[[StackSteps], Report]) -> int:
    """Run one orchestrated action (upgrade, rollback, restore) on the stack named in ``args``."""

    def run() -> int:
        with stack_steps(args.stack, args.project_dir) as steps:
            steps.wait_seconds = args.wait
            return _finish(action(steps))

    return _guarded(run)


def upgrade_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser(
        "scripts/upgrade",
        "Pin nexus.version, preview, confirm, up (snapshot first), smoke checks; roll back on failure.",
        confirm=True,
    )
    parser.add_argument("version", help="the Nexus image tag to run, e.g. 3.80.0")
    parser.add_argument(
        "--force-one-way",
        action="store_true",
        help="go ahead with an upgrade known not to work on this data (e.g. OrientDB data to 3.71 or "
        "later); a failure is then rolled back to the snapshot like any other",
    )
    args = parser.parse_args(argv)
    before = os.environ.get(FORCE_ONE_WAY_ENV)
    if args.force_one_way:
        # for this run's engine calls: the stack's one-way-door check would refuse in its preview
        os.environ[FORCE_ONE_WAY_ENV] = "1"
    try:
        return _run_on_stack(
            args,
            lambda steps: upgrade(steps, args.version, assume_yes=args.yes, force_one_way=args.force_one_way),
        )
    finally:
        if before is None:
            os.environ.pop(FORCE_ONE_WAY_ENV, None)
        else:
            os.environ[FORCE_ONE_WAY_ENV] = before


def rollback_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser(
        "scripts/rollback",
        "Restore the snapshot taken before the last upgrade (or SNAPSHOT), pin its version, up, check.",
        confirm=True,
    )
    parser.add_argument("snapshot", nargs="?", help="snapshot name (default: newest of an older version)")
    args = parser.parse_args(argv)
    return _run_on_stack(args, lambda steps: rollback(steps, args.snapshot, assume_yes=args.yes))


def restore_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser(
        "scripts/restore",
        "Disk-failure runbook: stop Nexus, restore SNAPSHOT, start it, verify.",
        confirm=True,
    )
    parser.add_argument("snapshot", help="snapshot name, e.g. nexus-data-3.77.1-20261126T210220Z")
    args = parser.parse_args(argv)
    return _run_on_stack(args, lambda steps: restore(steps, args.snapshot, assume_yes=args.yes))


def snapshots_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser("scripts/snapshots", "List, take or prune data-directory snapshots; show disk use.")
    parser.add_argument("action", choices=("list", "create", "prune", "usage"))
    parser.add_argument("--keep", type=int, help="prune: snapshots to keep (default: nexus.keepSnapshots)")
    parser.add_argument("--json", action="store_true", help="list: JSON records")
    args = parser.parse_args(argv)
    return _guarded(lambda: _snapshots(args))


def _snapshots(args: argparse.Namespace) -> int:
    with stack_steps(args.stack, args.project_dir) as steps:
        paths = steps.paths
        if args.action == "list":
            snapshots = oldest_first(steps.snapshots())
            for snapshot in snapshots:
                print(json.dumps(snapshot.to_record()) if args.json else snapshot.describe())
            if not snapshots and not args.json:
                print(f"no snapshots in {paths.backup_dir}")
            return 0
        if args.action == "create":
            version = steps.deployed_version()
            record = steps.take_snapshot(version, "taken by hand (scripts/snapshots create)")
            print(json.dumps(record) if record else "no snapshot taken (empty data directory)")
            return 0
        if args.action == "prune":
            keep = args.keep or steps.keep_snapshots
            doomed = prune_plan(steps.snapshots(), keep)
            if doomed:
                run_checked(steps.shell, delete_script(paths, [s.name for s in doomed]), "pruning")
            print(f"deleted {len(doomed)} snapshot(s), kept the newest {max(1, keep)}")
            return 0
        print(run_checked(steps.shell, usage_script(paths), "disk use"), end="")
        return 0


def backup_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser(
        "scripts/backup",
        "The database first (a snapshot: Nexus stops and starts again), then the file blob stores "
        "online: only blob contents the backup lacks are copied (S3 blob stores are not: their "
        "bucket's versioning or replication is their backup).",
    )
    args = parser.parse_args(argv)

    def run() -> int:
        with stack_steps(args.stack, args.project_dir) as steps:
            records = steps.take_backup(steps.deployed_version())
            for record in records:
                print(json.dumps(record))
            if not records:
                print("no backup taken (empty data directory)")
            return 0

    return _guarded(run)


TOOLS: dict[str, Callable[[Sequence[str] | None], int]] = {
    "upgrade": upgrade_main,
    "rollback": rollback_main,
    "restore": restore_main,
    "snapshots": snapshots_main,
    "backup": backup_main,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in TOOLS:
        print(f"usage: python -m operations.cli {{{','.join(TOOLS)}}} ARGS", file=sys.stderr)
        return 2
    return TOOLS[args[0]](args[1:])


if __name__ == "__main__":
    sys.exit(main())
