"""Scheduled tasks (``/v1/tasks``): blob store compaction, Docker clean-up, database backup.

Nexus makes up a task's id; a task is found by name (and type) for adoption and after a create
whose answer was lost. Schedules are declared as a time of day and days, not as a start date:
the start date sent to Nexus is derived from a fixed anchor so it never drifts between runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

import pydantic

from dynamic_providers.base import (
    NOTHING,
    Api,
    NexusProvider,
    NexusResource,
    Spec,
    calls,
    report_to_stderr,
)
from dynamic_providers.capabilities import PROVIDED_BY
from dynamic_providers.client import NexusClient
from dynamic_providers.exceptions import MethodNotAllowedError, NexusError, ProviderError
from reach.nexus import ServerInfo

Schedule = Literal["manual", "hourly", "daily", "weekly", "monthly", "cron"]
WEEKDAYS = {"sunday": 1, "monday": 2, "tuesday": 3, "wednesday": 4, "thursday": 5, "friday": 6, "saturday": 7}
# A Sunday long past: startDate = this day at start_time; Nexus computes the next run from it.
_ANCHOR = (2024, 1, 7)
_OFFSET = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _tz(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = (int(part) for part in offset[1:].split(":"))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def start_date_ms(start_time: str, offset: str) -> int:
    hour, minute = (int(part) for part in start_time.split(":"))
    moment = datetime(*_ANCHOR, hour, minute, tzinfo=_tz(offset))
    return int(moment.timestamp() * 1000)


def start_time_of(start_date: Any, offset: str) -> str | None:
    """HH:MM in the task's offset from the ISO date (GET) or epoch milliseconds."""
    if start_date in (None, ""):
        return None
    if isinstance(start_date, int | float):
        moment = datetime.fromtimestamp(start_date / 1000, tz=UTC)
    else:
        moment = datetime.fromisoformat(str(start_date).replace("Z", "+00:00"))
    return moment.astimezone(_tz(offset)).strftime("%H:%M")


class TaskSpec(Spec):
    name: str = pydantic.Field(min_length=1, max_length=200)
    type: str = pydantic.Field(pattern=r"^[a-z][a-zA-Z0-9.\-]+$")
    enabled: bool = True
    alert_email: str | None = None
    notification_condition: Literal["FAILURE", "SUCCESS_FAILURE"] = "FAILURE"
    schedule: Schedule = "weekly"
    start_time: str = "02:30"
    time_zone_offset: str = "+00:00"
    recurring_days: tuple[int, ...] = ()
    cron_expression: str | None = None
    properties: dict[str, str] = pydantic.Field(default_factory=dict)

    @pydantic.field_validator("recurring_days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        # Days may be named (sunday) or numbered (1 = Sunday, as Nexus counts); a set, so sorted.
        if isinstance(value, list | tuple):
            return tuple(sorted(WEEKDAYS.get(str(v).lower(), v) if isinstance(v, str) else v for v in value))
        return value

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> TaskSpec:
        problems = []
        if not _TIME.match(self.start_time):
            problems.append(f"start_time '{self.start_time}' must be HH:MM (24 h)")
        if not _OFFSET.match(self.time_zone_offset):
            problems.append(f"time_zone_offset '{self.time_zone_offset}' must look like +00:00 or -05:00")
        if self.schedule == "weekly" and (
            not self.recurring_days or not all(1 <= d <= 7 for d in self.recurring_days)
        ):
            problems.append("a weekly schedule needs recurring_days from 1 (Sunday) to 7 (Saturday)")
        if self.schedule == "monthly" and (
            not self.recurring_days or not all(1 <= d <= 31 or d == 999 for d in self.recurring_days)
        ):
            problems.append("a monthly schedule needs recurring_days from 1 to 31 (999 = last day)")
        if self.schedule not in {"weekly", "monthly"} and self.recurring_days:
            problems.append(f"recurring_days does not apply to a {self.schedule} schedule")
        if (self.schedule == "cron") != bool(self.cron_expression):
            problems.append("cron_expression is required for, and only for, a cron schedule")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def to_api(spec: TaskSpec) -> dict[str, Any]:
    frequency: dict[str, Any] = {"schedule": spec.schedule}
    if spec.schedule != "manual":
        frequency["startDate"] = start_date_ms(spec.start_time, spec.time_zone_offset)
        frequency["timeZoneOffset"] = spec.time_zone_offset
    if spec.recurring_days:
        frequency["recurringDays"] = list(spec.recurring_days)
    if spec.cron_expression:
        frequency["cronExpression"] = spec.cron_expression
    body: dict[str, Any] = {
        "type": spec.type,
        "name": spec.name,
        "enabled": spec.enabled,
        "notificationCondition": spec.notification_condition,
        "frequency": frequency,
        "properties": dict(spec.properties),
    }
    if spec.alert_email:
        body["alertEmail"] = spec.alert_email
    return body


# What a task GET carries only from Nexus 3.92 on; before, it has just id, name, type and run state.
SCHEDULE_FIELDS = (
    "enabled",
    "alert_email",
    "notification_condition",
    "schedule",
    "start_time",
    "time_zone_offset",
    "recurring_days",
    "cron_expression",
    "properties",
)


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": body.get("name"), "type": body.get("type")}
    if "schedule" not in body and "frequency" not in body:
        # This Nexus does not return the schedule (before 3.92): carry what was set, never invent
        # defaults (that would show a change on every run and hide nothing real).
        fields.update({name: previous.get(name) for name in SCHEDULE_FIELDS if name in previous})
        return fields
    offset = body.get("timeZoneOffset") or previous.get("time_zone_offset") or "+00:00"
    schedule = body.get("schedule") or "manual"
    fields.update(
        {
            "enabled": body.get("enabled", True),
            "alert_email": body.get("alertEmail") or None,
            "notification_condition": body.get("notificationCondition") or "FAILURE",
            "schedule": schedule,
            "start_time": (
                start_time_of(body.get("startDate"), offset) or previous.get("start_time") or "02:30"
            ),
            "time_zone_offset": offset,
            "recurring_days": tuple(body.get("recurringDays") or ()),
            "cron_expression": body.get("cronExpression") or None,
            "properties": dict(body.get("properties") or {}),
        }
    )
    return fields


def no_task_api(task: str, server: ServerInfo, error: NexusError) -> ProviderError:
    return ProviderError(
        f"task '{task}': this Nexus ({server.describe()}, {server.edition_name}) cannot create or change "
        f"tasks over REST ({error.call}): {PROVIDED_BY['task-create']}. "
        "Nothing was changed."
    )


class TaskProvider(NexusProvider[TaskSpec], mappers=(to_api, from_api)):
    kind = "task"
    # Nexus makes the id up: a task is found by name and type.
    api = Api("/v1/tasks", assigned_id="id", answer_id="id", create_ok=(200, 201))
    replace_fields = ("type",)  # a task's type cannot change; its name can

    @calls(
        "GET {collection} (every task, once per provider process until it writes)",
        "fetch (when the list does not carry the task's schedule)",
    )
    def read_body(
        self, client: NexusClient, object_id: str, props: Mapping[str, Any]
    ) -> tuple[Any | None, str | None]:
        body, twin = self.listed(client, self.api.collection, object_id, props)
        if body is not None and "schedule" not in body:
            # The 3.93 document gives list items and the item GET one schema, with the schedule;
            # where a list item lacks it (3.71 has it in neither), the item GET is the one to trust.
            return self.lookup(client, object_id, props)
        return body, twin

    @calls("GET {collection}?type={type}")
    def find(self, client: NexusClient, spec: TaskSpec) -> tuple[str, Any] | None:
        page = client.get_json(self.api.collection, params={"type": spec.type}) or {}
        for item in page.get("items") or []:
            if item.get("name") == spec.name and item.get("type") == spec.type:
                return item["id"], item
        return None

    # The open-source core has GET but not POST/PUT/DELETE on tasks (405).
    @calls("POST {collection}")
    def create_object(self, client: NexusClient, spec: TaskSpec) -> str | None:
        try:
            return super().create_object(client, spec)
        except MethodNotAllowedError as error:
            raise no_task_api(spec.name, client.server, error) from None

    @calls("update_body", "PUT {item}")
    def update_object(self, client: NexusClient, object_id: str, spec: TaskSpec) -> None:
        try:
            super().update_object(client, object_id, spec)
        except MethodNotAllowedError as error:
            raise no_task_api(spec.name, client.server, error) from None

    @calls("DELETE {delete}")
    def delete_object(self, client: NexusClient, object_id: str, props: Mapping[str, Any]) -> None:
        try:
            super().delete_object(client, object_id, props)
        except MethodNotAllowedError:
            # This Nexus cannot delete tasks over REST: the stack lets go of it, and says so.
            report_to_stderr(
                f"task '{props.get('name')}' ({object_id}) stays in Nexus: this server cannot delete "
                "tasks over REST (405); it is no longer managed by this stack. Remove it in the UI "
                "(System > Tasks) if it is not wanted."
            )


class Task(NexusResource[TaskSpec]):
    """A task, as components declare it."""
