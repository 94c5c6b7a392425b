"""Snapshots of the Nexus data directory: naming, records, pruning, and the host-side scripts.

A snapshot is an uncompressed tar of the data directory **without the blob contents** (database,
``etc/``, keys, and of each file blob store everything but ``content/vol-NN/chap-NN/<id>.bytes``:
the blobs' ``.properties``, whose soft-delete mark must match the database, and the store's own
files), taken while Nexus is stopped, with ownership and permissions kept (``--numeric-owner``,
``-p``; extraction as root restores UID 200). Its size follows the number of blobs, not their
bytes. The contents it needs are listed beside it and hard-linked inside the data directory, so a
compaction after the snapshot cannot remove them (the links share the files' blocks)::

    <backupDir>/nexus-data-<version>-<UTC timestamp>.tar
    <backupDir>/nexus-data-<version>-<UTC timestamp>.blobs     path<TAB>size, one blob content a line
    <backupDir>/nexus-data-<version>-<UTC timestamp>.json
        {"name": ..., "version": ..., "takenAt": ..., "dataDir": ..., "archive": ..., "sizeBytes": ...,
         "blobFiles": ..., "blobBytes": ..., "reason": ...}
    <dataDir>/.snapshot-blobs/<name>/<store>/content/vol-NN/chap-NN/<id>.bytes   (hard links)
    <backupDir>/blob-stores/<store>/content/...    the blob backup (:func:`backup_script`)

A restore puts the archive back and leaves the blob contents in place: those written since go
aside with the rest of the current data, those missing (compacted, or a new disk) come back from
the hard links or the blob backup; a restore that would lack one is refused before anything stops.
Why this is exact for Nexus' file blob store: docs/nexus-behaviour.md. An archive without a
``.blobs`` list (taken by an earlier version of this project) holds the whole data directory and
is restored whole.

The backup directory is ``0700`` and archives and records are ``0600`` (they hold the H2 database
with its password hashes and the node keystore); a snapshot also tightens older files there.

The version is the one whose data it is (the version that ran on it), so a rollback to version X
looks for a snapshot of X. The archive is written as ``.tar.partial`` and renamed when complete; the
record is written last, so a listing only ever sees finished snapshots.

Everything that touches the host is a POSIX shell script put together here from the pieces in
``templates/snapshots/`` (values set first, quoted, as shell variables) and run by
:mod:`reach.host` locally or over SSH; the NexusServer component runs the same
:func:`snapshot_script` as a pulumi-command ``Command`` before the container is replaced.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reach.host import AS_ROOT_PREFIX, NOT_AS_ROOT_PREFIX, script_fragment
from reach.versions import same_release

PREFIX = "nexus-data-"
ARCHIVE_SUFFIX = ".tar"
RECORD_SUFFIX = ".json"
#: The list of the blob contents a snapshot's database may reference (the snapshot holds none).
BLOB_LIST_SUFFIX = ".blobs"
#: Inside the data directory: one directory of hard links to those contents per snapshot.
BLOB_LINKS_DIR = ".snapshot-blobs"
#: Inside the backup directory: the blob backup (one copy of each content a snapshot lists).
BLOB_BACKUP_DIR = "blob-stores"
#: A rollback's request that the next snapshot step starting that snapshot's version restore it
#: (:func:`ask_restore_script`), and that step's report of the restore (:func:`restore_outcome_script`).
RESTORE_ASKED = ".restore-asked.json"
RESTORE_DONE = ".restore-done.json"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
CONTAINER = "nexus"

_NAME = re.compile(r"^nexus-data-(?P<version>[0-9A-Za-z][0-9A-Za-z.\-]*)-(?P<stamp>\d{8}T\d{6}Z)$")
_SAFE_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]*$")
_UNSAFE_IN_JSON = re.compile(r'["\\\x00-\x1f]')


# ---------------------------------------------------------------- names and records


def snapshot_name(version: str, when: datetime) -> str:
    """``nexus-data-3.77.1-20261126T210220Z`` (UTC)."""
    if not _SAFE_VERSION.match(version):
        raise ValueError(f"'{version}' is not usable in a snapshot name")
    return f"{PREFIX}{version}-{when.astimezone(UTC).strftime(TIMESTAMP_FORMAT)}"


def parse_snapshot_name(name: str) -> tuple[str, datetime] | None:
    """(version, taken at) of a snapshot name, or None for anything else."""
    match = _NAME.match(name)
    if not match:
        return None
    taken = datetime.strptime(match["stamp"], TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    return match["version"], taken


@dataclass(frozen=True)
class Snapshot:
    name: str
    version: str
    taken_at: datetime
    archive: str
    data_dir: str = ""
    size_bytes: int | None = None
    reason: str = ""
    #: The blob contents the snapshot lists (None: an archive of the whole data directory).
    blob_files: int | None = None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Snapshot:
        name = str(record["name"])
        parsed = parse_snapshot_name(name)
        if parsed is None:
            raise ValueError(f"'{name}' is not a snapshot name")
        version, taken = parsed
        size = record.get("sizeBytes")
        blobs = record.get("blobFiles")
        return cls(
            name=name,
            version=str(record.get("version") or version),
            taken_at=taken,
            archive=str(record.get("archive") or ""),
            data_dir=str(record.get("dataDir") or ""),
            size_bytes=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
            reason=str(record.get("reason") or ""),
            blob_files=blobs if isinstance(blobs, int) else None,
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "takenAt": self.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dataDir": self.data_dir,
            "archive": self.archive,
            "sizeBytes": self.size_bytes,
            "blobFiles": self.blob_files,
            "reason": self.reason,
        }

    def describe(self) -> str:
        size = f", {self.size_bytes / 2**30:.1f} GiB" if self.size_bytes is not None else ""
        blobs = f", {self.blob_files} blob contents left in place" if self.blob_files is not None else ""
        return f"{self.name} (Nexus {self.version}, taken {self.taken_at:%Y-%m-%d %H:%M:%S} UTC{size}{blobs})"


def parse_records(text: str) -> list[Snapshot]:
    """Snapshots from the JSON lines printed by :func:`list_script` (bad lines are skipped)."""
    found: dict[str, Snapshot] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("{"):
            continue
        try:
            snapshot = Snapshot.from_record(json.loads(line))
        except (ValueError, KeyError, TypeError):
            continue
        found[snapshot.name] = snapshot
    return oldest_first(found.values())


def last_record(stdout: str) -> dict[str, Any] | None:
    """The snapshot record a snapshot script printed last on stdout (None: no snapshot taken)."""
    for raw in reversed(stdout.splitlines()):
        line = raw.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def previous_data(stdout: str) -> str | None:
    """Where a restore put the previous data, from the record it printed (None: no restore record;
    "" when there was no previous data)."""
    record = last_record(stdout)
    if record is None or "restored" not in record:
        return None
    return str(record.get("previousData") or "")


def oldest_first(snapshots: Iterable[Snapshot]) -> list[Snapshot]:
    return sorted(snapshots, key=lambda s: (s.taken_at, s.name))


def prune_plan(snapshots: Iterable[Snapshot], keep: int) -> list[Snapshot]:
    """The snapshots to delete so that ``keep`` remain: oldest first, never the newest."""
    ordered = oldest_first(snapshots)
    keep = max(1, keep)
    return ordered[: max(0, len(ordered) - keep)]


def find_snapshot(snapshots: Iterable[Snapshot], name: str) -> Snapshot | None:
    wanted = name.removesuffix(ARCHIVE_SUFFIX).removesuffix(RECORD_SUFFIX).rsplit("/", 1)[-1]
    return next((s for s in snapshots if s.name == wanted), None)


def matching_snapshot(snapshots: Iterable[Snapshot], version: str) -> Snapshot | None:
    """The newest snapshot of the data of ``version`` (what going back to ``version`` needs)."""
    candidates = [s for s in snapshots if same_release(version, s.version) or s.version == version]
    return oldest_first(candidates)[-1] if candidates else None


# ---------------------------------------------------------------- host-side scripts


@dataclass(frozen=True)
class HostPaths:
    """Where things are on the Docker host, and how to act there."""

    data_dir: str
    backup_dir: str
    container: str = CONTAINER
    stop_grace_seconds: int = 120
    #: True: file operations run as root (or `sudo -n`), as on a real host where the data belongs
    #: to UID 200. False: as the calling user (tests, or a data dir the operator owns).
    privileged: bool = True

    def __post_init__(self) -> None:
        for path in (self.data_dir, self.backup_dir):
            if not path.startswith("/") or path.rstrip("/") == "" or _UNSAFE_IN_JSON.search(path):
                raise ValueError(f"'{path}' must be an absolute path other than / without quotes")
        if not re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", self.container):
            raise ValueError(f"'{self.container}' is not a container name")

    def preamble(self) -> str:
        q = shlex.quote
        return (
            "set -eu\n"
            + (AS_ROOT_PREFIX if self.privileged else NOT_AS_ROOT_PREFIX)
            + "\n"
            + f"data={q(self.data_dir.rstrip('/'))}; backup={q(self.backup_dir.rstrip('/'))}; "
            + f"container={q(self.container)}; grace={int(self.stop_grace_seconds)}\n"
            + "log() { printf '%s\\n' \"$*\" >&2; }\n"
            + script_fragment("snapshots/blob-layout.sh")
            + script_fragment("snapshots/forget-blobs.sh")
        )


def _clean(text: str) -> str:
    return _UNSAFE_IN_JSON.sub(" ", text)[:200]


def _stop() -> str:
    """Refuses (before stopping anything) while another running container has the data directory
    mounted, e.g. a Nexus started by hand under another name: a copy or a restore now would be of
    a live database. Then stops the container cleanly if it runs; remembers whether it did (for a
    restart on failure). ``docker inspect`` of a missing container prints an empty line on stdout
    before failing, so the failure replaces the output ("missing") instead of being appended."""
    return script_fragment("snapshots/stop.sh")


def _prune() -> str:
    """Keeps the newest $keep snapshots (by the timestamp in the name), deletes the others."""
    return script_fragment("snapshots/prune.sh")


def snapshot_script(
    paths: HostPaths,
    *,
    keep: int,
    version: str | None = None,
    skip_if_running_image: str | None = None,
    restart: bool = False,
    reason: str = "",
) -> str:
    """Stop Nexus cleanly, tar the data directory but the blob contents into the backup directory
    (the contents listed and hard-linked: module docstring), prune, print the record.

    * ``version``: the version whose data this is; when None it is read from the tags of the image
      the container runs (``unknown`` if there is none).
    * ``skip_if_running_image``: the image the container is about to be replaced with (the
      component's mode). When the container already runs exactly that image nothing is replaced, so
      nothing is stopped or saved (e.g. when this step is first added to an existing deployment, or
      in a rollback's ``up`` after the previous one failed before replacing the container); a
      container left stopped is started again.
    * ``restart``: start the container again afterwards (a manual snapshot). Without it Nexus stays
      stopped on success (the container is about to be replaced); on failure it is always restarted.
    * A data directory that is missing or empty (first deployment) is not snapshotted.
    * ``.before-restore-*`` at the top of the data directory (the previous data a restore kept
      there because the data directory is a mount point) is not part of the snapshot.
    * With ``skip_if_running_image``, a restore a rollback asked for (:func:`ask_restore_script`)
      for the version of that image is done instead of a snapshot, right after the stop: the
      snapshot's record is printed, and the restore's own record kept for
      :func:`restore_outcome_script`. A request for another version is dropped (logged).
    * The version is read, and the checks are made, before anything is stopped: the time Nexus does
      not answer holds the stop and the copy (or the restore).

    stdout: the record of the snapshot as one JSON line, or nothing. Progress goes to stderr.
    """
    q = shlex.quote
    if version is not None and not _SAFE_VERSION.match(version):
        raise ValueError(f"'{version}' is not usable in a snapshot name")
    if keep < 1:
        raise ValueError("keep must be at least 1: the newest snapshot is never pruned")
    lines = [paths.preamble(), f"keep={int(keep)}; reason={q(_clean(reason))}; version={q(version or '')}"]
    lines.append(script_fragment("snapshots/snapshot-guard.sh"))
    if skip_if_running_image:
        lines.append(f"want={q(skip_if_running_image)}")
        lines.append(script_fragment("snapshots/snapshot-restore-asked.sh"))
        lines.append(
            'if [ -n "$name" ]; then\n'
            + _restore_steps()
            + script_fragment("snapshots/restore-start-kept.sh")
            + script_fragment("snapshots/restore-done.sh")
            + "exit 0\nfi\n"
        )
        lines.append(script_fragment("snapshots/snapshot-skip-if-running.sh"))
    lines.append(script_fragment("snapshots/snapshot-before-stop.sh"))
    lines.append(_stop())
    lines.append(script_fragment("snapshots/snapshot.sh"))
    lines.append(_prune())
    if restart:
        lines.append(
            'if [ "$was_running" = true ]; then\n'
            '  log "starting $container"; docker start "$container" >/dev/null\n'
            "fi\n"
        )
    lines.append("printf '%s\\n' \"$record\"\n")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def backup_script(paths: HostPaths, *, keep: int, version: str | None = None) -> str:
    """The backup: the database first, then the blob stores, online.

    A snapshot (:func:`snapshot_script`: Nexus stops cleanly, the archive without blob contents,
    Nexus starts again) is the database's consistency point; then, with Nexus running, every blob
    content that snapshot lists and ``<backupDir>/blob-stores`` lacks is copied there from the
    snapshot's hard links (contents are written once: nothing already there is copied again).
    stdout: the snapshot's record, then ``{"snapshot", "blobBackup", "blobFiles", "copiedFiles",
    "copiedBytes"}``, one JSON line each.
    """
    snapshot = snapshot_script(paths, keep=keep, version=version, restart=True, reason="backup")
    return snapshot + script_fragment("snapshots/blob-backup.sh") + "printf '%s\\n' \"$record\"\n"


def keep_last_output_script(paths: HostPaths, *, keep: int) -> str:
    """The component's ``update`` command: prune to ``keep`` and print the previous record again.

    Runs when the snapshot command's inputs change without a version change (e.g. keepSnapshots):
    it must not stop Nexus. ``PULUMI_COMMAND_STDOUT`` is the previous run's stdout (pulumi-command).
    """
    if keep < 1:
        raise ValueError("keep must be at least 1: the newest snapshot is never pruned")
    return (
        paths.preamble()
        + f"keep={int(keep)}\n"
        + _prune()
        + "printf '%s\\n' \"${PULUMI_COMMAND_STDOUT:-}\"\n"
    )


def list_script(paths: HostPaths) -> str:
    """One JSON record per line for every complete snapshot in the backup directory."""
    return paths.preamble() + script_fragment("snapshots/list.sh")


def database_files_script(paths: HostPaths) -> str:
    """The database files under ``<dataDir>/db`` (two levels deep), one relative path a line.

    Enough to tell OrientDB (``config/database.ocf``, ``*.pcl``, ``*.cpm``) from H2 (``nexus.mv.db``):
    :func:`reach.versions.database_of`. Prints nothing for a missing or empty ``db/``.
    """
    return paths.preamble() + script_fragment("snapshots/database-files.sh")


def delete_script(paths: HostPaths, names: Sequence[str]) -> str:
    """Delete the named snapshots (archive, blob list, record), then what only they kept (their
    hard links, the blob backup's copies no other snapshot lists)."""
    for name in names:
        if parse_snapshot_name(name) is None:
            raise ValueError(f"'{name}' is not a snapshot name")
    quoted = " ".join(shlex.quote(name) for name in names)
    return paths.preamble() + (
        f"for n in {quoted}; do\n"
        '  log "deleting snapshot $n"\n'
        '  $S rm -f "$backup/$n.tar" "$backup/$n.json" "$backup/$n.blobs"\n'
        "done\n"
        "forget_unlisted_blobs\n"
    )


def _restore_steps() -> str:
    """Check that the snapshot and every blob it lists are on hand (nothing stopped if not), stop
    Nexus, move the current data aside, extract the snapshot; ``$report`` says what happened."""
    return (
        script_fragment("snapshots/restore-check.sh")
        + _stop()
        + script_fragment("snapshots/restore.sh")
        + script_fragment("snapshots/restore-report.sh")
    )


def restore_script(paths: HostPaths, name: str) -> str:
    """Stop Nexus, move the current data aside, extract the snapshot, then start Nexus again.

    The current data is kept (moved to ``<dataDir>.before-restore-<timestamp>``; inside the
    data directory as ``.before-restore-<timestamp>`` when the data directory is a mount point),
    mode 0700 (it holds the database: password hashes and keys), until the operator deletes it.
    When the snapshot lists its blob contents they stay in place: the blob stores' other files go
    aside as ``blob-store-files.tar``, contents written since the snapshot under ``blobs/``, and the
    listed contents not in place come back from the snapshot's hard links or the blob backup; if one
    is in none of them, nothing is stopped or changed (the refusal names it). On a failed extraction
    the previous data is moved back, with its own mode. stdout: one JSON line
    ``{"restored": name, "previousData": path}``.
    """
    if parse_snapshot_name(name) is None:
        raise ValueError(f"'{name}' is not a snapshot name")
    return (
        paths.preamble()
        + f"name={shlex.quote(name)}\n"
        + _restore_steps()
        + script_fragment("snapshots/restore-start.sh")
        + "printf '%s\\n' \"$report\"\n"
    )


def ask_restore_script(paths: HostPaths, name: str) -> str:
    """A rollback's request that the snapshot step of its ``up`` restore ``name``: the checks of a
    restore (the snapshot and every blob it lists on hand), then the request, with Nexus running.

    The step that starts ``name``'s version takes it (:func:`snapshot_script`); so the time Nexus
    does not answer in a rollback, as in an upgrade, holds the stop, the restore and the new
    container, not the engine's start and the steps before. A request no step took is withdrawn by
    :func:`restore_outcome_script`.
    """
    parsed = parse_snapshot_name(name)
    if parsed is None:
        raise ValueError(f"'{name}' is not a snapshot name")
    q = shlex.quote
    return (
        paths.preamble()
        + f"name={q(name)}; for_version={q(parsed[0])}\n"
        + script_fragment("snapshots/restore-check.sh")
        + script_fragment("snapshots/restore-ask.sh")
    )


def restore_outcome_script(paths: HostPaths) -> str:
    """After the rollback's ``up``: withdraw a request no step took, and print (once) the record
    of the restore a step did: ``{"restored": name, "previousData": path}``, or nothing."""
    return paths.preamble() + script_fragment("snapshots/restore-outcome.sh")


def usage_script(paths: HostPaths) -> str:
    """Disk use of the data and backup directories (the "disk use high" runbook)."""
    return paths.preamble() + script_fragment("snapshots/usage.sh")
