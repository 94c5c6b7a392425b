"""Scheduled tasks."""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import features
from ..core import Area, Request, Route, crud, register
from ..errors import EmptyError, FieldValidationError, MessageError, Response


@dataclass(frozen=True)
class TaskType:
    id: str
    name: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


TASK_TYPES = {
    t.id: t
    for t in (
        TaskType("blobstore.compact", "Admin - Compact blob store", ("blobstoreName",), ("blobsOlderThan",)),
        TaskType(
            "blobstore.delete-temp-files", "Admin - Delete blob store temporary files", ("blobstoreName",)
        ),
        TaskType("blobstore.metrics.reconcile", "Admin - Reconcile blob store metrics", ("blobstoreName",)),
        TaskType(
            "repository.docker.gc",
            "Docker - Delete unused manifests and images",
            ("repositoryName",),
            ("deployOffset",),
        ),
        TaskType("repository.docker.upload-purge", "Docker - Delete incomplete uploads", (), ("age",)),
        TaskType(
            "repository.maven.remove-snapshots",
            "Maven - Delete SNAPSHOT",
            ("repositoryName",),
            ("minimumRetained", "snapshotRetentionDays", "removeIfReleased", "gracePeriodInDays"),
        ),
        TaskType("repository.rebuild-index", "Repair - Rebuild repository search", ("repositoryName",)),
        TaskType(
            "repository.purge-unused", "Repository - Delete unused components", ("repositoryName", "lastUsed")
        ),
        TaskType("security.purge-api-keys", "Admin - Delete orphaned API keys"),
        # unconfirmed: not in the API notes; ids from the Nexus source (H2 since 3.71, OrientDB before).
        TaskType("h2.backup.task", "Admin - Backup H2 Database", ("location",)),
        TaskType("db.backup", "Admin - Export databases for backup", ("location",)),
    )
}
SCHEDULES = ("manual", "once", "hourly", "daily", "weekly", "monthly", "cron")
OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


class Tasks:
    def __init__(self) -> None:
        self.tasks: dict[str, dict[str, Any]] = {}
        self.system = False
        """Whether Nexus's own tasks are emulated (``seed_system_tasks``)."""

    def repository_created(self, fmt: str) -> None:
        """The first repository of a format adds Nexus's blob clean-up task for it (observed on
        3.71.0-06, issue 31: the first raw repository adds "Cleanup unused raw blobs from nexus").
        unconfirmed: whether it goes with the format's last repository."""
        name = f"Cleanup unused {fmt} blobs from nexus"
        if self.system and all(task["name"] != name for task in self.tasks.values()):
            _add_system_task(self, name, "assetBlob.cleanup", "0 */30 * * * ?", 30)

    def set_running(self, task_id: str, running: bool = True) -> None:
        """Test hook: put a task into (or out of) the RUNNING state so ``stop`` can succeed."""
        self.tasks[task_id]["currentState"] = "RUNNING" if running else "WAITING"

    def snapshot(self) -> dict[str, Any]:
        return {
            k: {kk: vv for kk, vv in v.items() if kk not in ("lastRun", "lastRunResult", "currentState")}
            for k, v in sorted(copy.deepcopy(self.tasks).items())
        }


def _next_boundary(now: datetime, minutes: int) -> int:
    """Milliseconds of the next multiple of ``minutes`` past the hour (or of the day at 01:00)."""
    if minutes == 0:
        day = now.replace(hour=1, minute=0, second=0, microsecond=0)
        nxt = day if day > now else day + timedelta(days=1)
    else:
        nxt = now.replace(minute=0, second=0, microsecond=0)
        while nxt <= now:
            nxt += timedelta(minutes=minutes)
    return int(nxt.timestamp() * 1000)


def seed_system_tasks(tasks: Tasks) -> None:
    """The two tasks a fresh 3.71.0-06 has (observed: names, types, WAITING, next run at the next
    half hour and at 01:00)."""
    tasks.system = True
    # unconfirmed: their cron expressions (a 3.71 GET does not show schedules).
    for name, ttype, cron, minutes in (
        ("Cleanup unused maven2 blobs from nexus", "assetBlob.cleanup", "0 */30 * * * ?", 30),
        ("Cleanup service", "repository.cleanup", "0 0 1 * * ?", 0),
    ):
        _add_system_task(tasks, name, ttype, cron, minutes)


def _add_system_task(tasks: Tasks, name: str, ttype: str, cron: str, minutes: int) -> None:
    task_id = str(uuid.uuid4())
    tasks.tasks[task_id] = {
        "id": task_id,
        "name": name,
        "type": ttype,
        "message": None,
        "currentState": "WAITING",
        "lastRunResult": None,
        "lastRun": None,
        "enabled": True,
        "alertEmail": None,
        "notificationCondition": "FAILURE",
        "schedule": "cron",
        "startDate": None,
        "timeZoneOffset": None,
        "recurringDays": None,
        "cronExpression": cron,
        "properties": {},
        "nextRun": _next_boundary(datetime.now(UTC), minutes),
    }


def _validate_frequency(freq: dict[str, Any]) -> list[tuple[str, str]]:
    # unconfirmed: the ids and wording of frequency violations (the notes mark task 400s as [?]).
    errors: list[tuple[str, str]] = []
    schedule = str(freq.get("schedule", ""))
    if schedule not in SCHEDULES:
        return [
            ("frequency.schedule", f"Unknown schedule '{schedule}'; expected one of {', '.join(SCHEDULES)}")
        ]
    days = freq.get("recurringDays") or []
    start = freq.get("startDate")
    if schedule != "manual" and start is not None and start < 10**11:
        errors.append(("frequency.startDate", "startDate must be a unix timestamp in milliseconds"))
    if schedule == "weekly":
        if not days or any(not 1 <= d <= 7 for d in days):
            errors.append(
                ("frequency.recurringDays", "Weekly schedule requires recurringDays between 1 and 7")
            )
    elif schedule == "monthly" and (not days or any(not (1 <= d <= 31 or d == 999) for d in days)):
        errors.append(
            (
                "frequency.recurringDays",
                "Monthly schedule requires recurringDays between 1 and 31 (999 = last day)",
            )
        )
    if schedule == "cron" and len(str(freq.get("cronExpression") or "").split()) not in (6, 7):
        errors.append(("frequency.cronExpression", "A valid cron expression is required for a cron schedule"))
    offset = freq.get("timeZoneOffset")
    if offset is not None and not OFFSET.match(str(offset)):
        errors.append(("frequency.timeZoneOffset", "timeZoneOffset must look like +HH:MM"))
    return errors


def _validate(body: dict[str, Any], ttype: TaskType) -> None:
    errors = _validate_frequency(body.get("frequency") or {})
    props = body.get("properties") or {}
    errors += [(f"properties.{p}", f"{p} is required") for p in ttype.required if not props.get(p)]
    if errors:
        raise FieldValidationError(errors)


def _next_run(freq: dict[str, Any], enabled: bool) -> int | None:
    if not enabled or freq.get("schedule") == "manual":
        return None
    return int(freq.get("startDate") or now_ms() + 3_600_000)


def _store(
    task_id: str, ttype: TaskType, body: dict[str, Any], previous: dict[str, Any] | None
) -> dict[str, Any]:
    freq = body.get("frequency") or {}
    return {
        "id": task_id,
        "name": body["name"],
        "type": ttype.id,
        "message": None,
        "currentState": (previous or {}).get("currentState", "WAITING"),
        "lastRunResult": (previous or {}).get("lastRunResult"),
        "lastRun": (previous or {}).get("lastRun"),
        "enabled": bool(body["enabled"]),
        "alertEmail": body.get("alertEmail"),
        "notificationCondition": str(body["notificationCondition"]).upper(),
        "schedule": freq.get("schedule"),
        "startDate": freq.get("startDate"),
        "timeZoneOffset": freq.get("timeZoneOffset"),
        "recurringDays": freq.get("recurringDays"),
        "cronExpression": freq.get("cronExpression"),
        "properties": {str(k): str(v) for k, v in (body.get("properties") or {}).items()},
        "nextRun": _next_run(freq, bool(body["enabled"])),
    }


# Before 3.92 a task GET (and list item) carries only these (observed on 3.71.0-06).
BRIEF_FIELDS = ("id", "name", "type", "message", "currentState", "lastRunResult", "nextRun", "lastRun")


def task_api(task: dict[str, Any], full: bool = True) -> dict[str, Any]:
    out = copy.deepcopy(task)
    for key in ("nextRun", "lastRun", "startDate"):
        out[key] = iso(out[key])
    if not full:
        return {k: out[k] for k in BRIEF_FIELDS}
    return out


def _task_api(req: Request, task: dict[str, Any]) -> dict[str, Any]:
    return task_api(task, req.state.offers(features.TASK_SCHEDULE_IN_GET))


def _task(req: Request, key: str = "id") -> dict[str, Any]:
    task = req.state.store(Tasks).tasks.get(req.params[key])
    if task is None:
        raise EmptyError(404)
    return task


def list_tasks(req: Request) -> Response:
    wanted = req.arg("type")
    items = [
        _task_api(req, t) for t in req.state.store(Tasks).tasks.values() if wanted in (None, "", t["type"])
    ]
    return Response.json(200, {"items": items, "continuationToken": None})


def get_task(req: Request) -> Response:
    return Response.json(200, _task_api(req, _task(req)))


def create_task(req: Request) -> Response:
    body = req.body or {}
    ttype = TASK_TYPES.get(body["type"])
    if ttype is None:
        # unconfirmed: the answer for an unknown task type.
        raise FieldValidationError([("type", f"Unknown task type: {body['type']}")])
    _validate(body, ttype)
    task_id = str(uuid.uuid4())
    task = _store(task_id, ttype, body, None)
    req.state.store(Tasks).tasks[task_id] = task
    return Response.json(201, _task_api(req, task))


def update_task(req: Request) -> Response:
    task = _task(req, "taskId")
    body = req.body or {}
    if body.get("type") not in (None, task["type"]):
        # unconfirmed: type is immutable; the wording of the rejection is a guess.
        raise FieldValidationError([("type", "The type of a task cannot be changed")])
    ttype = TASK_TYPES[task["type"]]
    _validate(body, ttype)
    req.state.store(Tasks).tasks[task["id"]] = _store(task["id"], ttype, body, task)
    return Response.no_content(204)  # unconfirmed: PUT success code (2xx; 204 assumed)


def delete_task(req: Request) -> Response:
    task = _task(req)
    del req.state.store(Tasks).tasks[task["id"]]
    return Response.no_content(204)


def run_task(req: Request) -> Response:
    task = _task(req)
    if not task["enabled"]:
        raise EmptyError(405)
    task["lastRun"] = now_ms()
    task["lastRunResult"] = "OK"
    return Response.no_content(204)


def stop_task(req: Request) -> Response:
    task = _task(req)
    if not str(task["currentState"]).startswith("RUNNING"):
        raise EmptyError(409)
    task["currentState"] = "WAITING"
    task["lastRunResult"] = "CANCELED"
    return Response.no_content(204)


def _template(ttype: TaskType) -> dict[str, Any]:
    return {
        "type": ttype.id,
        "name": ttype.name,
        "enabled": True,
        "alertEmail": None,
        "notificationCondition": "FAILURE",
        "frequency": {"schedule": "manual"},
        "properties": {p: "" for p in (*ttype.required, *ttype.optional)},
    }


def list_templates(req: Request) -> Response:
    return Response.json(200, [_template(t) for t in TASK_TYPES.values()])


def get_template(req: Request) -> Response:
    ttype = TASK_TYPES.get(req.params["typeId"])
    if ttype is None:
        raise MessageError(404, f"Task type {req.params['typeId']} not found")  # unconfirmed: wording
    return Response.json(200, _template(ttype))


PERM = crud("tasks")

WRITE, TEMPLATES = features.TASK_WRITE, features.TASK_TEMPLATES

ROUTES = [
    Route("GET", "/v1/tasks", list_tasks, PERM),
    Route("POST", "/v1/tasks", create_task, PERM, feature=WRITE),
    Route("GET", "/v1/tasks/templates", list_templates, PERM, feature=TEMPLATES),
    Route("GET", "/v1/tasks/templates/{typeId}", get_template, PERM, feature=TEMPLATES),
    Route("GET", "/v1/tasks/{id}", get_task, PERM),
    Route("PUT", "/v1/tasks/{taskId}", update_task, PERM, feature=WRITE),
    Route("DELETE", "/v1/tasks/{id}", delete_task, PERM, feature=WRITE),
    Route("POST", "/v1/tasks/{id}/run", run_task, "nexus:tasks:start"),
    Route("POST", "/v1/tasks/{id}/stop", stop_task, "nexus:tasks:stop"),
]

AREA = register(Area("tasks", ROUTES, store=lambda _: Tasks()))
