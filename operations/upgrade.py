"""Upgrade, rollback and restore: the decisions, with every side effect behind :class:`Steps`.

Upgrade to version T (deployed D):

1. T == D: nothing to do. No D (first deployment): pin T, preview, confirm, up, smoke checks.
2. T older than D (a downgrade): Nexus cannot open a database migrated by a newer version, so it is
   only possible as a rollback to a snapshot of T's data; without one it is refused, explaining why.
3. T newer: pin T in the stack file, preview; refuse (unpin, nothing stopped) when the preview holds
   changes other than the version change and what follows from it (:func:`unrelated_changes`:
   e.g. creates left pending by an earlier failed ``up``, whose failure would otherwise be blamed
   on the new version); confirm (or ``--yes``), ``up`` (the NexusServer
   component stops Nexus cleanly and snapshots the data directory before replacing the container),
   then the smoke checks for T.
4. If ``up`` or a smoke check fails, roll back on our own: pin D; when ``up`` took a new snapshot
   of D's data (so the new version may have migrated the data), ask for its restore and ``up``: the
   snapshot step stops Nexus and restores the snapshot instead of taking one, then the container
   goes back to D (:func:`up_restoring`); smoke checks for D. Both outcomes are reported.

A manual rollback pins the version of the newest snapshot of an older version (or the one named),
refuses a mixed preview the same way, runs ``up`` restoring the snapshot, and the smoke checks. A
restore (disk failure) puts a snapshot of the deployed version back in place and starts Nexus
again, no ``up`` needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from operations.smoke import SmokeReport
from reach.snapshots import Snapshot, find_snapshot, matching_snapshot, oldest_first
from reach.versions import Change, Database, VersionChange, compare, one_way_door

#: What a change of ``nexus.version`` changes by itself (resource names; see the order of a version
#: change in components/nexus_server.py): the one-way-door check of the new version, the image
#: pulled, the snapshot taken, the container replaced and waited for (its id is the guard's input),
#: the version recorded, and the first run, which waits for the new container.
FOLLOWS_FROM_VERSION = frozenset(
    {
        "nexus-one-way-door",
        "nexus-image",
        "nexus-snapshot",
        "nexus-container",
        "nexus-running",
        "nexus-deployed-version",
        "nexus-first-run",
    }
)
#: Preview operations that change nothing.
NO_CHANGE_OPS = frozenset({"same", "read", "refresh"})
STACK_TYPE = "pulumi:pulumi:Stack"
#: Provider resources: plumbing (the engine updates default providers on its own, e.g. after a
#: plugin upgrade); a real change of one shows in the resources it manages.
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


@dataclass(frozen=True)
class PlannedStep:
    """One step of a preview: the operation and the resource's URN."""

    op: str
    urn: str

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def type(self) -> str:
        parts = self.urn.split("::")
        return parts[2].rsplit("$", 1)[-1] if len(parts) > 3 else ""


@dataclass(frozen=True)
class Preview:
    summary: str
    steps: tuple[PlannedStep, ...] = ()


def unrelated_changes(steps: Sequence[PlannedStep]) -> list[PlannedStep]:
    """The changes of a preview that do not follow from a change of ``nexus.version``."""
    return [
        step
        for step in steps
        if step.op not in NO_CHANGE_OPS
        and step.type != STACK_TYPE
        and not step.type.startswith(PROVIDER_TYPE_PREFIX)
        and step.name not in FOLLOWS_FROM_VERSION
    ]


def refuse_mixed_preview_message(what: str, unrelated: Sequence[PlannedStep], configured: str) -> str:
    listed = "\n".join(f"  {step.op} {step.name} ({step.type})" for step in unrelated)
    return (
        f"refusing to {what}: the preview holds {len(unrelated)} change(s) besides the version change, "
        f"and a failure among them would be blamed on the new version:\n{listed}\n"
        "Apply them first with ./scripts/up (the stack file with nexus.version "
        f"{configured}), check that it succeeds, then run this again. Nothing was stopped or changed."
    )


class Steps(Protocol):
    """Everything the decisions need from the world (the stack, the host, Nexus, the operator)."""

    def deployed_version(self) -> str | None:
        """The version the last successful ``up`` deployed (None: nothing deployed yet)."""

    def configured_version(self) -> str:
        """``nexus.version`` in the stack file now."""

    def pin_version(self, version: str) -> None:
        """Write ``nexus.version`` into the stack file (nothing else changes)."""

    def preview(self) -> Preview:
        """Run the preview; returns a summary for the operator and the planned steps."""

    def confirm(self, question: str) -> bool: ...

    def up(self) -> None:
        """``pulumi up``; raises on failure."""

    def smoke(self, version: str) -> SmokeReport: ...

    def snapshots(self) -> list[Snapshot]: ...

    def database(self) -> Database:
        """The database the data directory holds (read on the host; nothing is stopped)."""

    def restore(self, snapshot: Snapshot) -> str:
        """Stop Nexus, move the data aside, extract ``snapshot``, start Nexus again. Returns where the
        previous data went."""

    def ask_restore(self, snapshot: Snapshot) -> None:
        """Check that ``snapshot`` can be restored (nothing stops) and ask the snapshot step of the
        next ``up`` that starts its version to restore it right after it stops Nexus."""

    def restore_outcome(self) -> str | None:
        """After that ``up``: where the step put the previous data (None: no step restored; the
        request is withdrawn)."""

    def say(self, message: str) -> None: ...


class Outcome(Enum):
    UPGRADED = "upgraded"
    NOTHING_TO_DO = "nothing to do"
    CANCELLED = "cancelled"
    REFUSED = "refused"
    ROLLED_BACK = "upgrade failed, rolled back"
    ROLLBACK_FAILED = "upgrade failed, rollback failed"
    DONE = "done"  # a manual rollback or a restore that passed its smoke checks
    FAILED = "failed"  # a manual rollback or a restore that did not

    @property
    def exit_code(self) -> int:
        return {
            Outcome.UPGRADED: 0,
            Outcome.NOTHING_TO_DO: 0,
            Outcome.DONE: 0,
            Outcome.CANCELLED: 3,
            Outcome.REFUSED: 2,
            Outcome.ROLLED_BACK: 1,
            Outcome.ROLLBACK_FAILED: 4,
            Outcome.FAILED: 4,
        }[self]


@dataclass
class Report:
    outcome: Outcome
    messages: list[str] = field(default_factory=list)
    first: SmokeReport | None = None  # smoke checks of the upgrade (or of the rollback / restore)
    rollback: SmokeReport | None = None  # smoke checks after the automatic rollback
    snapshot: Snapshot | None = None  # the snapshot restored (or taken)

    def text(self) -> str:
        lines = [f"result: {self.outcome.value}", *self.messages]
        if self.first is not None:
            lines.append(self.first.summary())
        if self.rollback is not None:
            lines.append(self.rollback.summary())
        return "\n".join(lines)


def _snapshot_list(snapshots: Sequence[Snapshot]) -> str:
    if not snapshots:
        return "  (no snapshots in the backup directory)"
    return "\n".join(f"  {s.describe()}" for s in reversed(oldest_first(snapshots)))


def refuse_downgrade_message(target: str, deployed: str, snapshots: Sequence[Snapshot]) -> str:
    return (
        f"refusing to go from Nexus {deployed} back to {target}: Nexus migrates its database when a "
        f"newer version starts, and {target} cannot open a database migrated by {deployed}. Going back "
        f"needs the data directory as it was under {target}, and there is no snapshot of {target} in "
        f"the backup directory. Snapshots there:\n{_snapshot_list(snapshots)}\n"
        f"Stay on {deployed}, or restore a backup of {target}'s data by hand (copy it into the backup "
        f"directory as nexus-data-{target}-<timestamp>.tar with its .json record, then scripts/rollback "
        "STACK SNAPSHOT)."
    )


def pinned_preview(
    steps: Steps, version: str, configured: str, what: str, *, only_the_version: bool = True
) -> Preview | Report:
    """Pin ``version`` and preview. The preview, or (with ``configured`` pinned again, nothing
    stopped) the report of a failed preview or of one holding more than the version change."""
    steps.pin_version(version)
    try:
        preview = steps.preview()
    except Exception as error:
        steps.pin_version(configured)
        return Report(
            Outcome.FAILED, [f"preview failed, nothing changed (nexus.version is {configured}): {error}"]
        )
    unrelated = unrelated_changes(preview.steps) if only_the_version else []
    if unrelated:
        steps.pin_version(configured)
        return Report(Outcome.REFUSED, [refuse_mixed_preview_message(what, unrelated, configured)])
    return preview


def upgrade(steps: Steps, target: str, *, assume_yes: bool = False, force_one_way: bool = False) -> Report:
    deployed = steps.deployed_version()
    configured = steps.configured_version()
    change = VersionChange(deployed, target)
    if change.kind is Change.SAME and configured == target:
        return Report(Outcome.NOTHING_TO_DO, [f"Nexus {target} is already deployed"])
    if change.kind is Change.DOWNGRADE:
        assert deployed is not None
        snapshots = steps.snapshots()
        snapshot = matching_snapshot(snapshots, target)
        if snapshot is None:
            return Report(Outcome.REFUSED, [refuse_downgrade_message(target, deployed, snapshots)])
        steps.say(f"{target} is older than the deployed {deployed}: this is a rollback to {snapshot.name}")
        return rollback(steps, snapshot.name, assume_yes=assume_yes)

    if change.kind is Change.UPGRADE:
        door = one_way_door(deployed, target, steps.database())
        if door is not None and not force_one_way:
            return Report(Outcome.REFUSED, [f"refusing to upgrade, nothing was stopped: {door}"])
        if door is not None:
            steps.say(f"--force-one-way: going ahead although {door}")

    what = f"upgrade Nexus {deployed} -> {target}" if deployed else f"deploy Nexus {target}"
    # a first deployment creates everything: only an upgrade must be nothing but one
    preview = pinned_preview(steps, target, configured, what, only_the_version=deployed is not None)
    if isinstance(preview, Report):
        return preview
    question = (
        f"{preview.summary}\n\n{what}: Nexus stops (clean stop, then a snapshot of the data directory), the "
        "container is replaced and the new version migrates the data. Go ahead?"
    )
    if not assume_yes and not steps.confirm(question):
        steps.pin_version(configured)
        return Report(Outcome.CANCELLED, [f"cancelled; nexus.version is {configured} again"])

    before = {s.name for s in steps.snapshots()} if deployed else set()
    failure: str | None = None
    first: SmokeReport | None = None
    try:
        steps.up()
    except Exception as error:
        failure = f"pulumi up failed: {error}"
    if failure is None:
        first = steps.smoke(target)
        if not first.ok:
            failure = "the smoke checks failed"
    if failure is None:
        return Report(Outcome.UPGRADED, [f"Nexus {target} is deployed and answers"], first=first)
    if deployed is None:
        return Report(
            Outcome.FAILED,
            [f"first deployment of {target}: {failure}; nothing to roll back to"],
            first=first,
        )

    steps.say(f"{failure}: rolling back to {deployed}")
    report = Report(Outcome.ROLLED_BACK, [f"upgrade to {target}: {failure}"], first=first)
    taken = [s for s in steps.snapshots() if s.name not in before and s.version == deployed]
    snapshot = oldest_first(taken)[-1] if taken else None
    try:
        steps.pin_version(deployed)
        if snapshot is not None:
            report.snapshot = snapshot
            moved = up_restoring(steps, snapshot)
            report.messages.append(
                f"restored {snapshot.describe()}; the data {target} ran on is kept in {moved or '-'}"
            )
        else:
            report.messages.append("up took no snapshot, so the data was not touched: nothing to restore")
            steps.up()
    except Exception as error:
        report.outcome = Outcome.ROLLBACK_FAILED
        report.messages.append(f"rollback to {deployed} failed: {error}")
        report.messages.append(_manual_help(deployed, snapshot))
        return report
    report.rollback = steps.smoke(deployed)
    if report.rollback.ok:
        report.messages.append(f"rolled back: Nexus {deployed} serves the data as it was before the upgrade")
    else:
        report.outcome = Outcome.ROLLBACK_FAILED
        report.messages.append(_manual_help(deployed, snapshot))
    return report


def up_restoring(steps: Steps, snapshot: Snapshot) -> str:
    """``up`` with ``snapshot``'s version pinned, its snapshot step restoring ``snapshot`` right
    after it stops Nexus: a rollback's downtime then has an upgrade's shape (the stop, the restore,
    the new container), not the engine's start and the steps before as well. If no step restored
    it (e.g. the step did not run), it is restored now, Nexus stopped and started again. Returns
    where the previous data went; an ``up`` that failed says whether the data was restored."""
    steps.ask_restore(snapshot)
    try:
        steps.up()
    except Exception as error:
        moved = steps.restore_outcome()
        held = (
            f"the data is {snapshot.name}'s, the previous data is kept in {moved or '-'}"
            if moved is not None
            else "nothing was restored"
        )
        raise RuntimeError(f"{error} ({held})") from error
    moved = steps.restore_outcome()
    if moved is None:
        steps.say(f"up did not restore {snapshot.name}: restoring it now (Nexus stops and starts again)")
        moved = steps.restore(snapshot)
    return moved


def _manual_help(version: str, snapshot: Snapshot | None) -> str:
    restore = f"scripts/restore STACK {snapshot.name}" if snapshot else "scripts/restore STACK SNAPSHOT"
    return (
        f"by hand: check `docker logs nexus`, make sure nexus.version is {version} in the stack file, "
        f"then `scripts/pulumi up` and, if the data is damaged, `{restore}`"
    )


def choose_rollback_snapshot(
    snapshots: Sequence[Snapshot], deployed: str | None, name: str | None
) -> Snapshot | str:
    """The snapshot a manual rollback restores, or why there is none."""
    if name:
        found = find_snapshot(snapshots, name)
        return found if found else f"no snapshot named {name}. Snapshots:\n{_snapshot_list(snapshots)}"
    older = [s for s in snapshots if deployed is None or compare(s.version, deployed) < 0]
    if not older:
        return (
            f"no snapshot of a version older than {deployed}: nothing to roll back to. "
            f"Snapshots:\n{_snapshot_list(snapshots)}"
        )
    return oldest_first(older)[-1]


def rollback(steps: Steps, name: str | None = None, *, assume_yes: bool = False) -> Report:
    """Restore a snapshot of an older version (the newest, or ``name``), pin it, up, smoke checks."""
    deployed = steps.deployed_version()
    chosen = choose_rollback_snapshot(steps.snapshots(), deployed, name)
    if isinstance(chosen, str):
        return Report(Outcome.REFUSED, [chosen])
    snapshot = chosen
    if deployed is not None and compare(snapshot.version, deployed) > 0:
        return Report(
            Outcome.REFUSED,
            [
                f"{snapshot.name} holds data of {snapshot.version}, newer than the deployed {deployed}: "
                f"that is an upgrade (scripts/upgrade STACK {snapshot.version}), not a rollback"
            ],
        )
    if deployed is not None and compare(snapshot.version, deployed) == 0:
        steps.say(f"{snapshot.name} is of the deployed version {deployed}: restoring it in place")
        return restore(steps, snapshot.name, assume_yes=assume_yes)
    what = f"roll back Nexus {deployed} -> {snapshot.version}"
    configured = steps.configured_version()
    preview = pinned_preview(steps, snapshot.version, configured, what)
    if isinstance(preview, Report):
        return preview
    question = (
        f"{preview.summary}\n\n{what}: restore {snapshot.describe()}. Everything "
        f"written to Nexus since then is lost (the current data is moved aside, not deleted). Go ahead?"
    )
    if not assume_yes and not steps.confirm(question):
        steps.pin_version(configured)
        return Report(
            Outcome.CANCELLED, [f"cancelled; nothing changed (nexus.version is {configured} again)"]
        )
    report = Report(Outcome.DONE, snapshot=snapshot)
    try:
        moved = up_restoring(steps, snapshot)
        report.messages.append(f"restored {snapshot.describe()}; the previous data is kept in {moved or '-'}")
    except Exception as error:
        report.outcome = Outcome.FAILED
        report.messages.append(f"rollback to {snapshot.version} failed: {error}")
        if configured != snapshot.version:
            report.messages.append(f"nexus.version was {configured} before the rollback")
        report.messages.append(_manual_help(snapshot.version, snapshot))
        return report
    report.first = steps.smoke(snapshot.version)
    if not report.first.ok:
        report.outcome = Outcome.FAILED
        report.messages.append(_manual_help(snapshot.version, snapshot))
    else:
        report.messages.append(f"Nexus {snapshot.version} serves the data of {snapshot.name}")
    return report


def restore(steps: Steps, name: str, *, assume_yes: bool = False) -> Report:
    """Disk-failure runbook: stop, restore a snapshot of the deployed version, start, verify."""
    deployed = steps.deployed_version() or steps.configured_version()
    snapshots = steps.snapshots()
    snapshot = find_snapshot(snapshots, name)
    if snapshot is None:
        return Report(Outcome.REFUSED, [f"no snapshot named {name}. Snapshots:\n{_snapshot_list(snapshots)}"])
    order = compare(snapshot.version, deployed)
    if order < 0:
        return Report(
            Outcome.REFUSED,
            [
                f"{snapshot.name} holds data of {snapshot.version}, older than the deployed {deployed}: "
                f"restoring it means going back to {snapshot.version}: scripts/rollback STACK {snapshot.name}"
            ],
        )
    if order > 0:
        return Report(
            Outcome.REFUSED,
            [
                f"{snapshot.name} holds data of {snapshot.version}, newer than the deployed {deployed}: "
                f"{deployed} cannot open it. Upgrade first (scripts/upgrade STACK {snapshot.version}), "
                "then restore it"
            ],
        )
    question = (
        f"restore {snapshot.describe()} into the data directory: Nexus stops, the current data is moved "
        "aside (not deleted) and everything written since the snapshot is lost. Go ahead?"
    )
    if not assume_yes and not steps.confirm(question):
        return Report(Outcome.CANCELLED, ["cancelled; nothing changed"])
    try:
        moved = steps.restore(snapshot)
    except Exception as error:
        return Report(Outcome.FAILED, [f"restore failed: {error}"], snapshot=snapshot)
    report = Report(Outcome.DONE, [f"restored {snapshot.describe()}; previous data in {moved or '-'}"])
    report.snapshot = snapshot
    report.first = steps.smoke(deployed)
    if not report.first.ok:
        report.outcome = Outcome.FAILED
        report.messages.append(
            "Nexus did not come back: `docker logs nexus`; is the container there? "
            "(`scripts/pulumi up` creates it)"
        )
    return report
