"""The weekly database backup task: the type the database supports, inside the data directory."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.backup import (
    BACKUP_LOCATION,
    DatabaseBackup,
    DatabaseBackupArgs,
    backup_plan,
    resolve_database,
)
from dynamic_providers.tasks import to_api
from settings import parse_settings
from tests.components import mocks as m

T_TASK = "pulumi-python:dynamic/nexus:Task"


@pytest.mark.parametrize(
    ("version", "database", "expected"),
    [
        ("3.77.1", "auto", "h2"),
        ("3.71.0-06", "auto", "h2"),
        ("3.70.3-01", "auto", "orientdb"),
        ("3.45.0", "auto", "orientdb"),
        ("3.45.0", "h2", "h2"),
        ("3.77.1", "postgresql", "postgresql"),
    ],
)
def test_database_by_version(version: str, database: Any, expected: str) -> None:
    assert resolve_database(version, database) == expected


def test_h2_backup_task_weekly_inside_the_data_directory() -> None:
    plan = backup_plan("3.77.1")
    assert plan.task is not None
    body = to_api(plan.task)
    assert body["type"] == "h2.backup.task"
    assert body["properties"] == {"location": "/nexus-data/backup"}
    assert BACKUP_LOCATION.startswith("/nexus-data/")
    assert body["frequency"]["schedule"] == "weekly"
    assert body["frequency"]["recurringDays"] == [1]  # Sunday
    assert "h2.backup.task every sunday at 00:30" in plan.note


def test_orientdb_era_uses_db_backup() -> None:
    plan = backup_plan("3.60.0")
    assert plan.task is not None and plan.task.type == "db.backup"
    assert plan.task.properties == {"location": "/nexus-data/backup"}


def test_postgresql_has_no_task() -> None:
    plan = backup_plan("3.77.1", "postgresql")
    assert plan.task is None and "pg_dump" in plan.note


def _settings() -> Any:
    return parse_settings({"domain": "example.com", "nexus": {"version": "3.77.1"}})


def test_component_registers_the_task(mocks: m.RecordingMocks) -> None:
    _, out = m.deploy(
        lambda: DatabaseBackup("backup", DatabaseBackupArgs.from_settings(_settings()), m.connection()),
        lambda c: {"summary": c.summary},
    )
    task = mocks.one(T_TASK, "backup-task")
    assert task.inputs["type"] == "h2.backup.task"
    assert task.inputs["properties"] == {"location": "/nexus-data/backup"}
    assert "h2.backup.task" in out.values["summary"]


def test_component_warns_for_postgresql(mocks: m.RecordingMocks, monkeypatch: pytest.MonkeyPatch) -> None:
    messages: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: messages.append(message))
    m.deploy(
        lambda: DatabaseBackup(
            "backup", DatabaseBackupArgs.from_settings(_settings(), "postgresql"), m.connection()
        )
    )
    assert mocks.of_type(T_TASK) == []
    assert any("pg_dump" in message for message in messages)
