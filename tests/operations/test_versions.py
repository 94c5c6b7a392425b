"""Version ordering and downgrade detection (stack tags against Server-header versions)."""

from __future__ import annotations

import pytest

from operations.versions import Change, VersionChange, compare, downgrade_warning, same_release, version_key


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
