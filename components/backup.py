"""The scheduled Nexus database backup task, the one the running database supports.

The data directory is backed up by snapshots (the one taken before every version change, and
``scripts/backup``, which also copies the blob contents the snapshot leaves out); this task adds a
weekly export of the database alone, written inside the data directory (``/nexus-data/backup``)
so that it travels with the data directory and is included in every snapshot.

Which task, by database (the configured version decides when the database is not given):

* H2, the embedded database of Nexus 3.71 and later (Community Edition always; Pro unless it runs
  on PostgreSQL): type ``h2.backup.task`` ("Admin - Backup H2 Database"), property ``location``.
  Source: Nexus's ``H2BackupTaskDescriptor`` (``TYPE_ID = "h2.backup.task"``, field ``location``),
  which hides the task on PostgreSQL.
* OrientDB, the database of Nexus 3.70 and earlier installs that were never migrated: type
  ``db.backup`` ("Admin - Export databases for backup"), property ``location``. Uncertain for 3.70.x
  and earlier installs that were created on H2 (new installs could choose H2 from 3.21): pass
  ``database="h2"`` for those.
* PostgreSQL (Pro): no Nexus task; back the database up with ``pg_dump`` on the database server.

Unconfirmed: the task types we could confirm include neither; the Task REST API (3.74+) is assumed to accept
them like any exposed task type. Each ``location`` run writes new files that Nexus never deletes;
the "disk use high" runbook covers removing old ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pulumi

from components.options import NexusComponent, PlanArgs
from dynamic_providers.tasks import Task, TaskSpec
from reach.versions import compare
from settings import StackSettings

Database = Literal["auto", "h2", "orientdb", "postgresql"]
BACKUP_LOCATION = "/nexus-data/backup"
TASK_NAME = "Admin - database backup"
# Sunday 00:30, before the Docker clean-up (01:30) and the blob store compaction (02:30).
BACKUP_DAY = "sunday"
BACKUP_TIME = "00:30"
#: The first version without OrientDB (H2 is then the embedded database).
FIRST_H2_ONLY_VERSION = "3.71.0"
H2_TASK = "h2.backup.task"
ORIENT_TASK = "db.backup"


@dataclass(frozen=True)
class BackupPlan:
    database: Literal["h2", "orientdb", "postgresql"]
    task: TaskSpec | None
    note: str


def resolve_database(version: str, database: Database = "auto") -> Literal["h2", "orientdb", "postgresql"]:
    if database != "auto":
        return database
    return "h2" if compare(version, FIRST_H2_ONLY_VERSION) >= 0 else "orientdb"


def backup_plan(version: str, database: Database = "auto", location: str = BACKUP_LOCATION) -> BackupPlan:
    """The weekly backup task for ``version`` (None for PostgreSQL) and a note for the operator."""
    resolved = resolve_database(version, database)
    if resolved == "postgresql":
        return BackupPlan(
            resolved,
            None,
            "PostgreSQL: Nexus has no backup task; back the database up with pg_dump on its server, "
            "together with the data directory (blob stores, keys)",
        )
    task_type = H2_TASK if resolved == "h2" else ORIENT_TASK
    spec = TaskSpec(
        name=TASK_NAME,
        type=task_type,
        schedule="weekly",
        recurring_days=(BACKUP_DAY,),  # named days are normalised to numbers
        start_time=BACKUP_TIME,
        properties={"location": location},
    )
    return BackupPlan(
        resolved,
        spec,
        f"{task_type} every {BACKUP_DAY} at {BACKUP_TIME} UTC into {location} (inside the data "
        "directory; old exports are not deleted by Nexus)",
    )


class DatabaseBackupArgs(PlanArgs[BackupPlan]):
    """The backup plan of the stack's Nexus version and whether an existing task is adopted."""

    @classmethod
    def from_settings(cls, settings: StackSettings, database: Database = "auto") -> DatabaseBackupArgs:
        plan = backup_plan(settings.nexus.version, database)
        if not settings.nexus.manage_tasks:
            plan = BackupPlan(
                plan.database,
                None,
                f"nexus.manageTasks is false: schedule the database backup ({plan.note}) in the Nexus UI",
            )
        return cls(plan=plan, adopt=settings.nexus.adopt_existing)


class DatabaseBackup(NexusComponent[DatabaseBackupArgs]):
    """The weekly database backup task in Nexus (nothing for PostgreSQL)."""

    summary: pulumi.Output[str]
    task: Task | None

    TYPE_TOKEN = "nexus-platform:components:DatabaseBackup"

    def build(self, name: str, args: DatabaseBackupArgs) -> Mapping[str, Any]:
        plan = args.plan
        self.task = None
        if plan.task is None:
            pulumi.log.warn(plan.note, resource=self)
        else:
            self.task = Task(
                f"{name}-task",
                connection=self._connection,
                spec=plan.task,
                adopt=args.adopt,
                opts=self.child(),
            )
        self.summary = pulumi.Output.from_input(plan.note)
        return {"summary": self.summary}
