"""Snapshots of the Nexus data directory: naming, records, pruning, and the host-side scripts.

A snapshot is an uncompressed tar of the whole data directory (the unit of backup: database,
blob stores, keys, ``etc/``), taken while Nexus is stopped, with ownership and permissions kept
(``--numeric-owner``, ``-p``; extraction as root restores UID 200). Beside each archive a small
JSON record says what it holds::

    <backupDir>/nexus-data-<version>-<UTC timestamp>.tar
    <backupDir>/nexus-data-<version>-<UTC timestamp>.json
        {"name": ..., "version": ..., "takenAt": ..., "dataDir": ..., "archive": ..., "sizeBytes": ...,
         "reason": ...}

The backup directory is ``0700`` and archives and records are ``0600`` (they hold the H2 database
with its password hashes and the node keystore); a snapshot also tightens older files there.

The version is the one whose data it is (the version that ran on it), so a rollback to version X
looks for a snapshot of X. The archive is written as ``.tar.partial`` and renamed when complete; the
record is written last, so a listing only ever sees finished snapshots.

Everything that touches the host is a POSIX shell script built here and run by
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

from reach.host import AS_ROOT_PREFIX, NOT_AS_ROOT_PREFIX
from reach.versions import same_release

PREFIX = "nexus-data-"
ARCHIVE_SUFFIX = ".tar"
RECORD_SUFFIX = ".json"
#: Written by a restore that leaves Nexus stopped (rollback): the data directory holds exactly that
#: snapshot and no Nexus has run on it since, so the next snapshot step has nothing new to save.
RESTORED_MARKER = ".restored.json"
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

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Snapshot:
        name = str(record["name"])
        parsed = parse_snapshot_name(name)
        if parsed is None:
            raise ValueError(f"'{name}' is not a snapshot name")
        version, taken = parsed
        size = record.get("sizeBytes")
        return cls(
            name=name,
            version=str(record.get("version") or version),
            taken_at=taken,
            archive=str(record.get("archive") or ""),
            data_dir=str(record.get("dataDir") or ""),
            size_bytes=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
            reason=str(record.get("reason") or ""),
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "takenAt": self.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dataDir": self.data_dir,
            "archive": self.archive,
            "sizeBytes": self.size_bytes,
            "reason": self.reason,
        }

    def describe(self) -> str:
        size = f", {self.size_bytes / 2**30:.1f} GiB" if self.size_bytes is not None else ""
        return f"{self.name} (Nexus {self.version}, taken {self.taken_at:%Y-%m-%d %H:%M:%S} UTC{size})"


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
        )


def _clean(text: str) -> str:
    return _UNSAFE_IN_JSON.sub(" ", text)[:200]


# Refuses (before stopping anything) while another running container has the data directory
# mounted, e.g. a Nexus started by hand under another name: a copy or a restore now would be of a
# live database. Then stops the container cleanly if it runs; remembers whether it did (for a
# restart on failure). `docker inspect` of a missing container prints an empty line on stdout
# before failing, so the failure replaces the output ("missing") instead of being appended to it.
_STOP = r"""
in_use=
for other in $(docker ps --format '{{.Names}}'); do
  [ "$other" = "$container" ] && continue
  if docker inspect --type container -f '{{range .Mounts}}{{println .Source}}{{end}}' "$other" 2>/dev/null \
      | grep -qxF "$data"; then
    in_use="$in_use $other"
  fi
done
if [ -n "$in_use" ]; then
  log "refusing: $data is in use by the running container(s)$in_use, not by $container; a copy now"
  log "would be of a live database. Stop it first (docker stop -t $grace NAME), then try again."
  exit 1
fi
was_running=$(docker inspect --type container -f '{{.State.Running}}' "$container" 2>/dev/null) \
  || was_running=missing
if [ "$was_running" = true ]; then
  log "stopping $container (up to ${grace}s for a clean stop)"
  docker stop -t "$grace" "$container" >/dev/null
fi
"""

# Keeps the newest $keep snapshots (by the timestamp in the name), deletes the others.
_PRUNE = r"""
for f in "$backup"/nexus-data-*.json; do
  [ -f "$f" ] || continue
  n=${f##*/}; n=${n%.json}
  printf '%s %s\n' "${n##*-}" "$n"
done | sort -r | awk -v keep="$keep" 'NR > keep { print $2 }' | while read -r old; do
  log "pruning snapshot $old (keeping the newest $keep)"
  $S rm -f "$backup/$old.tar" "$backup/$old.json"
done
"""


def snapshot_script(
    paths: HostPaths,
    *,
    keep: int,
    version: str | None = None,
    skip_if_running_image: str | None = None,
    restart: bool = False,
    reason: str = "",
) -> str:
    """Stop Nexus cleanly, tar the data directory into the backup directory, prune, print the record.

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
    * A data directory restored by a rollback (``.restored.json`` marker) is not saved again: its
      snapshot exists; that record is printed instead and the marker removed.

    stdout: the record of the snapshot as one JSON line, or nothing. Progress goes to stderr.
    """
    q = shlex.quote
    if version is not None and not _SAFE_VERSION.match(version):
        raise ValueError(f"'{version}' is not usable in a snapshot name")
    if keep < 1:
        raise ValueError("keep must be at least 1: the newest snapshot is never pruned")
    lines = [paths.preamble(), f"keep={int(keep)}; reason={q(_clean(reason))}; version={q(version or '')}"]
    lines.append(
        r"""
marker="$backup/.restored.json"
if ! $S test -d "$data" || [ -z "$($S ls -A "$data" 2>/dev/null)" ]; then
  log "no snapshot: $data is missing or empty (first deployment)"
  $S rm -f "$marker"
  exit 0
fi
cur=$(docker inspect --type container -f '{{.Image}}' "$container" 2>/dev/null || true)
"""
    )
    if skip_if_running_image:
        lines.append(
            f"want={q(skip_if_running_image)}\n"
            + r"""wanted_id=$(docker image inspect -f '{{.Id}}' "$want" 2>/dev/null || true)
if [ -n "$cur" ] && [ "$cur" = "$wanted_id" ]; then
  log "no snapshot: $container already runs $want (it is not replaced)"
  $S rm -f "$marker"
  if [ "$(docker inspect --type container -f '{{.State.Running}}' "$container" 2>/dev/null)" != true ]; then
    log "starting $container: it was left stopped (e.g. by a failed up or a restore)"
    docker start "$container" >/dev/null
  fi
  exit 0
fi
"""
        )
    lines.append(_STOP)
    lines.append(
        r"""
on_exit() {
  status=$?
  $S rm -f "$backup"/nexus-data-*.tar.partial 2>/dev/null || true
  if [ "$status" -ne 0 ] && [ "$was_running" = true ]; then
    log "snapshot failed: starting $container again"
    docker start "$container" >/dev/null || true
  fi
}
trap on_exit EXIT
if $S test -f "$marker"; then
  restored=$($S sed -n 's/.*"snapshot": *"\([^"]*\)".*/\1/p' "$marker")
  if [ -n "$restored" ] && $S test -f "$backup/$restored.json"; then
    log "no snapshot: $data holds the restored snapshot $restored and nothing has run on it"
    $S rm -f "$marker"
    $S cat "$backup/$restored.json"
    exit 0
  fi
  $S rm -f "$marker"
fi
if [ -z "$version" ] && [ -n "$cur" ]; then
  version=$(docker image inspect -f '{{range .RepoTags}}{{println .}}{{end}}' "$cur" 2>/dev/null \
    | sed -n 's/^.*:\([0-9A-Za-z][0-9A-Za-z.-]*\)$/\1/p' | head -n 1)
fi
[ -n "$version" ] || version=unknown
# Private: the archives hold the database (password hashes) and the node keystore.
umask 077
$S mkdir -p "$backup"
$S chmod 0700 "$backup"
$S find "$backup" -maxdepth 1 -name 'nexus-data-*' -type f -exec chmod 0600 {} +
need=$($S du -sk "$data" | awk '{ print $1 }')
free=$(df -Pk "$backup" | awk 'NR == 2 { print $4 }')
if [ "$free" -lt "$need" ]; then
  log "not enough space in $backup for a snapshot of $data: need ${need} KiB, ${free} KiB free."
  log "Prune old snapshots (scripts/snapshots STACK prune) or give the backup disk more space."
  exit 1
fi
while :; do
  set -- $(date -u '+%Y%m%dT%H%M%SZ %Y-%m-%dT%H:%M:%SZ')
  name="nexus-data-$version-$1"; taken=$2
  $S test -e "$backup/$name.tar" || break
  sleep 1  # never overwrite a snapshot taken in the same second
done
log "snapshot of $data -> $backup/$name.tar"
# not what a restore onto a mounted data directory put aside in it (the operator deletes that)
$S tar --numeric-owner --exclude='./.before-restore-*' -C "$data" -cpf "$backup/$name.tar.partial" .
$S chmod 0600 "$backup/$name.tar.partial"
$S mv "$backup/$name.tar.partial" "$backup/$name.tar"
size=$($S stat -c %s "$backup/$name.tar")
fmt='{"name": "%s", "version": "%s", "takenAt": "%s", "dataDir": "%s", "archive": "%s", '
fmt=$fmt'"sizeBytes": %s, "reason": "%s"}'
record=$(printf "$fmt" \
  "$name" "$version" "$taken" "$data" "$backup/$name.tar" "$size" "$reason")
printf '%s\n' "$record" | $S tee "$backup/$name.json.partial" >/dev/null
$S chmod 0600 "$backup/$name.json.partial"
$S mv "$backup/$name.json.partial" "$backup/$name.json"
"""
    )
    lines.append(_PRUNE)
    if restart:
        lines.append(
            'if [ "$was_running" = true ]; then\n'
            '  log "starting $container"; docker start "$container" >/dev/null\n'
            "fi\n"
        )
    lines.append("printf '%s\\n' \"$record\"\n")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def keep_last_output_script(paths: HostPaths, *, keep: int) -> str:
    """The component's ``update`` command: prune to ``keep`` and print the previous record again.

    Runs when the snapshot command's inputs change without a version change (e.g. keepSnapshots):
    it must not stop Nexus. ``PULUMI_COMMAND_STDOUT`` is the previous run's stdout (pulumi-command).
    """
    if keep < 1:
        raise ValueError("keep must be at least 1: the newest snapshot is never pruned")
    return (
        paths.preamble() + f"keep={int(keep)}\n" + _PRUNE + "printf '%s\\n' \"${PULUMI_COMMAND_STDOUT:-}\"\n"
    )


def list_script(paths: HostPaths) -> str:
    """One JSON record per line for every complete snapshot in the backup directory."""
    return paths.preamble() + (
        r"""for f in "$backup"/nexus-data-*.json; do
  $S test -f "$f" || continue
  $S test -f "${f%.json}.tar" || continue
  $S cat "$f"; echo
done
"""
    )


def database_files_script(paths: HostPaths) -> str:
    """The database files under ``<dataDir>/db`` (two levels deep), one relative path a line.

    Enough to tell OrientDB (``config/database.ocf``, ``*.pcl``, ``*.cpm``) from H2 (``nexus.mv.db``):
    :func:`reach.versions.database_of`. Prints nothing for a missing or empty ``db/``.
    """
    return paths.preamble() + (
        r"""$S test -d "$data/db" || exit 0
$S sh -c 'cd "$1" && find . -maxdepth 2 -type f' sh "$data/db" | sed 's|^\./||'
"""
    )


def delete_script(paths: HostPaths, names: Sequence[str]) -> str:
    """Delete the named snapshots (archive and record)."""
    for name in names:
        if parse_snapshot_name(name) is None:
            raise ValueError(f"'{name}' is not a snapshot name")
    quoted = " ".join(shlex.quote(name) for name in names)
    return paths.preamble() + (
        f"for n in {quoted}; do\n"
        '  log "deleting snapshot $n"\n'
        '  $S rm -f "$backup/$n.tar" "$backup/$n.json"\n'
        "done\n"
    )


def restore_script(paths: HostPaths, name: str, *, start: bool, mark_restored: bool) -> str:
    """Stop Nexus, move the current data aside, extract the snapshot, then start (or not).

    The current data is kept (renamed to ``<dataDir>.before-restore-<timestamp>``; inside the
    data directory as ``.before-restore-<timestamp>`` when the data directory is a mount point) until
    the operator deletes it. On a failed extraction the previous data is moved back. With
    ``mark_restored`` (rollback: the container is replaced next) the marker tells the next snapshot
    step that this data is already saved. stdout: one JSON line
    ``{"restored": name, "previousData": path}``.
    """
    if parse_snapshot_name(name) is None:
        raise ValueError(f"'{name}' is not a snapshot name")
    q = shlex.quote
    script = [paths.preamble(), f"name={q(name)}\n"]
    script.append(
        r"""archive="$backup/$name.tar"
$S test -f "$archive" || { log "no snapshot $name in $backup"; exit 1; }
$S rm -f "$backup/.restored.json"
"""
    )
    script.append(_STOP)
    script.append(
        r"""stamp=$(date -u '+%Y%m%dT%H%M%SZ')
mount_point=false
if $S test -d "$data" && [ "$($S stat -c %d "$data")" != "$($S stat -c %d "$data/..")" ]; then
  mount_point=true
fi
if [ "$mount_point" = true ]; then
  aside="$data/.before-restore-$stamp"
  $S mkdir "$aside"
  for entry in $($S ls -A "$data"); do
    case "$entry" in .before-restore-*) continue ;; esac
    $S mv "$data/$entry" "$aside/"
  done
elif $S test -e "$data"; then
  aside="$data.before-restore-$stamp"
  $S mv "$data" "$aside"
  $S mkdir -p "$data"
else
  aside=""
  $S mkdir -p "$data"
fi
undo() {
  log "restore failed: putting the previous data back"
  if [ "$mount_point" = true ]; then
    for entry in $($S ls -A "$data"); do
      case "$entry" in .before-restore-*) continue ;; esac
      $S rm -rf "$data/$entry"
    done
    for entry in $($S ls -A "$aside"); do $S mv "$aside/$entry" "$data/"; done
    $S rmdir "$aside"
  elif [ -n "$aside" ]; then
    $S rm -rf "$data"; $S mv "$aside" "$data"
  fi
  if [ "$was_running" = true ]; then docker start "$container" >/dev/null || true; fi
}
log "restoring $name into $data (previous data kept in ${aside:-nowhere: there was none})"
if ! $S tar --numeric-owner -C "$data" -xpf "$archive"; then undo; exit 1; fi
"""
    )
    if mark_restored:
        script.append(
            r"""printf '{"snapshot": "%s", "restoredAt": "%s"}\n' "$name" "$stamp" \
  | $S tee "$backup/.restored.json" >/dev/null
$S chmod 0600 "$backup/.restored.json"
"""
        )
    if start:
        script.append(
            r"""if [ "$was_running" = missing ]; then
  log "no $container container to start: run scripts/pulumi up"
else
  log "starting $container"; docker start "$container" >/dev/null
fi
"""
        )
    script.append(r"""printf '{"restored": "%s", "previousData": "%s"}\n' "$name" "$aside"
""")
    return "".join(script)


def usage_script(paths: HostPaths) -> str:
    """Disk use of the data and backup directories (the "disk use high" runbook)."""
    return paths.preamble() + (
        r"""df -h "$data" "$backup" || true
echo
log "largest entries of $data:"
$S du -sh "$data"/* "$data"/.[!.]* 2>/dev/null | sort -rh | head -n 15 || true
echo
$S du -sh "$backup" 2>/dev/null || true
for d in "$data".before-restore-* "$data"/.before-restore-*; do
  $S test -d "$d" && echo "left over by a restore (delete once the restore is verified): $d" || true
done
"""
    )

