"""Version ordering and downgrade detection (stack tags against Server-header versions)."""

from __future__ import annotations

import pytest

from reach.versions import (
    Change,
    Database,
    VersionChange,
    compare,
    database_of,
    downgrade_warning,
    one_way_door,
    same_release,
    version_key,
)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("3.77.1", "3.77.1", 0),
        ("3.77.1", "3.77.1-00", 0),
        ("3.77.1-01", "3.77.1-02", -1),
        ("3.77.1", "3.80.0", -1),
        ("3.80.0", "3.77.1-01", 1),
        ("3.100.0", "3.99.9", 1),  # numeric, not lexical
        ("3.77.1-01-java17", "3.77.1-01", 0),
    ],
)
def test_compare(left: str, right: str, expected: int) -> None:
    assert compare(left, right) == expected
    assert compare(right, left) == -expected


def test_version_key_pads() -> None:
    assert version_key("3.77") == (3, 77, 0, 0)


@pytest.mark.parametrize(
    ("configured", "reported", "same"),
    [
        ("3.77.1", "3.77.1-01", True),  # tag without build number: any build of the release
        ("3.77.1-01", "3.77.1-01", True),
        ("3.77.1-01", "3.77.1-02", False),
        ("3.77.1", "3.77.2-01", False),
        ("3.77.1", "", False),
    ],
)
def test_same_release(configured: str, reported: str, same: bool) -> None:
    assert same_release(configured, reported) is same


def test_version_change_kinds() -> None:
    assert VersionChange(None, "3.77.1").kind is Change.FIRST
    assert VersionChange("3.77.1", "3.77.1").kind is Change.SAME
    assert VersionChange("3.77.1", "3.80.0").kind is Change.UPGRADE
    assert VersionChange("3.80.0", "3.77.1").is_downgrade


def test_downgrade_warning() -> None:
    assert downgrade_warning("3.80.0", "3.77.1") is None
    assert downgrade_warning("3.77.1", None) is None
    assert downgrade_warning("3.77.1", "3.77.1") is None
    warning = downgrade_warning("3.77.1", "3.80.0")
    assert warning is not None and "older than the deployed 3.80.0" in warning
    assert "scripts/rollback" in warning


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # 3.41.1-01 / 3.62.0-01 data directories (OrientDB, one directory per database)
        (["config/database.ocf", "config/repository.pcl", "config/repository.cpm", "config/dirty.fl"],
         Database.ORIENTDB),
        (["component/asset.pcl"], Database.ORIENTDB),
        # 3.71.0-06 (H2)
        (["nexus.mv.db"], Database.H2),
        (["nexus.mv.db", "nexus.trace.db"], Database.H2),
        # both: the OrientDB data is still there and no H2 release reads it
        (["nexus.mv.db", "config/database.ocf"], Database.ORIENTDB),
        ([], Database.NONE),
        (["README.txt"], Database.NONE),
    ],
)  # fmt: skip
def test_database_of(files: list[str], expected: Database) -> None:
    assert database_of(files) is expected


@pytest.mark.parametrize(
    ("deployed", "target", "database", "refused"),
    [
        ("3.62.0-01", "3.71.0-06", Database.ORIENTDB, True),
        ("3.62.0-01", "3.80.0", Database.ORIENTDB, True),
        ("3.62.0-01", "3.71", Database.ORIENTDB, True),
        ("3.41.1-01", "3.62.0-01", Database.ORIENTDB, False),  # OrientDB is upgraded in place
        ("3.70.1-02", "3.71.0-06", Database.H2, False),  # migrated already
        ("3.62.0-01", "3.71.0-06", Database.NONE, False),  # nothing to open yet
        (None, "3.71.0-06", Database.ORIENTDB, True),
    ],
)
def test_one_way_door(deployed: str | None, target: str, database: Database, refused: bool) -> None:
    door = one_way_door(deployed, target, database)
    assert (door is not None) is refused
    if door is not None:
        assert "OrientDB" in door and target in door and "--force-one-way" in door
        assert "\n" not in door
