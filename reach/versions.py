"""Nexus versions: ordering, and what a version change means for the data directory.

Nexus migrates its database forward when a newer version starts on it, and a migrated database
cannot be opened by an older version. Going back to an older version therefore needs the data
directory as it was under that version: a snapshot. Versions come from the stack file (image tags
such as ``3.77.1`` or ``3.77.1-01``) and from the ``Server`` header (``Nexus/3.77.1-01 (COMMUNITY)``);
both are compared by their numeric parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_NUMBERS = re.compile(r"\d+")


def version_key(version: str) -> tuple[int, int, int, int]:
    """``3.77.1-01`` -> (3, 77, 1, 1); missing parts are 0 (``3.77.1`` sorts like ``3.77.1-00``)."""
    parts = [int(part) for part in _NUMBERS.findall(version)[:4]]
    parts += [0] * (4 - len(parts))
    return (parts[0], parts[1], parts[2], parts[3])


def compare(left: str, right: str) -> int:
    """-1, 0 or 1 as ``left`` is older than, the same as, or newer than ``right``."""
    a, b = version_key(left), version_key(right)
    return (a > b) - (a < b)


def same_release(configured: str, reported: str) -> bool:
    """Does the ``Server`` header version match the configured image tag?

    Image tags may leave out the build number (``3.77.1`` runs as ``3.77.1-01``), so a tag without
    a build number matches any build of that release; with one, it must match exactly.
    """
    want = _NUMBERS.findall(configured)[:4]
    got = _NUMBERS.findall(reported)[:4]
    if not want or not got:
        return False
    if len(want) < 4:
        return [int(p) for p in got[: len(want)]] == [int(p) for p in want]
    return version_key(configured) == version_key(reported)


class Change(Enum):
    SAME = "same"
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    FIRST = "first"  # nothing deployed yet


@dataclass(frozen=True)
class VersionChange:
    deployed: str | None
    target: str

    @property
    def kind(self) -> Change:
        if self.deployed is None:
            return Change.FIRST
        order = compare(self.target, self.deployed)
        if order == 0:
            return Change.SAME
        return Change.UPGRADE if order > 0 else Change.DOWNGRADE

    @property
    def is_downgrade(self) -> bool:
        return self.kind is Change.DOWNGRADE


def downgrade_warning(configured: str, deployed: str | None) -> str | None:
    """The preview warning when the configured version is older than the deployed one."""
    if deployed is None or compare(configured, deployed) >= 0:
        return None
    return (
        f"nexus.version {configured} is older than the deployed {deployed}: Nexus cannot open a "
        f"database migrated by a newer version. Going back needs the data directory as it was under "
        f"{configured}: use scripts/rollback (restores the snapshot taken before the upgrade), not a "
        f"plain `pulumi up`."
    )


# ---------------------------------------------------------------- one-way doors


class Database(Enum):
    """The database a data directory holds, as its ``db/`` directory shows it."""

    ORIENTDB = "OrientDB"  # db/<name>/database.ocf, *.pcl, *.cpm (3.x before 3.71, the default there)
    H2 = "H2"  # db/nexus.mv.db (3.71 and later; earlier with nexus.datastore.enabled=true)
    NONE = "none"  # no database yet (an empty or fresh data directory)


#: Names under ``db/`` (two levels deep) that show an OrientDB database.
ORIENTDB_SUFFIXES = (".ocf", ".pcl", ".cpm")
#: Set (to anything but empty or 0) for one engine run: go through a known one-way door anyway
#: (``scripts/upgrade --force-one-way`` sets it; the stack's one-way-door check reads it).
FORCE_ONE_WAY_ENV = "NEXUS_PLATFORM_FORCE_ONE_WAY"
#: The first release without OrientDB support (it exits: "You must migrate to H2 or PostgreSQL").
NO_ORIENTDB_FROM = "3.71.0"


def database_of(db_files: list[str]) -> Database:
    """Which database the files under ``db/`` (relative paths, e.g. ``config/database.ocf``) hold.

    OrientDB wins over H2: a directory with both still has OrientDB data that no H2 version reads.
    """
    names = [path.rsplit("/", 1)[-1] for path in db_files]
    if any(name.endswith(ORIENTDB_SUFFIXES) for name in names):
        return Database.ORIENTDB
    if "nexus.mv.db" in names:
        return Database.H2
    return Database.NONE


def one_way_door(deployed: str | None, target: str, database: Database) -> str | None:
    """Why going from ``deployed`` to ``target`` on this data cannot work (one line), or None.

    Known: OrientDB data under 3.71 or later (3.71 dropped OrientDB; it exits with status 255 and
    the port never opens). What to do is part of the line.
    """
    if database is Database.ORIENTDB and compare(target, NO_ORIENTDB_FROM) >= 0:
        stay = f"stay on {deployed}" if deployed else "stay on a release before 3.71"
        return (
            f"Nexus {target} cannot open this data directory: it holds an OrientDB database and Nexus "
            f"{NO_ORIENTDB_FROM} and later only read H2 or PostgreSQL (it would exit at start). Migrate "
            f"the database to H2 first (Sonatype's database migrator) or {stay}; --force-one-way "
            "tries anyway (a failure is rolled back to the snapshot)."
        )
    return None
