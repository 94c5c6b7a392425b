"""The tasks kind: the schedule in request and read-back bodies, start times and offsets."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from dynamic_providers import tasks


def test_weekly_task_body_is_stable() -> None:
    spec = tasks.TaskSpec(
        name="Compact blob store a",
        type="blobstore.compact",
        schedule="weekly",
        recurring_days=("sunday",),  # type: ignore[arg-type]
        start_time="02:30",
        properties={"blobstoreName": "a"},
    )
    body = tasks.to_api(spec)
    assert body["frequency"]["schedule"] == "weekly"
    assert body["frequency"]["recurringDays"] == [1]
    assert body["frequency"]["startDate"] == tasks.to_api(spec)["frequency"]["startDate"]  # no clock involved
    assert len(str(body["frequency"]["startDate"])) == 13  # epoch milliseconds
    assert body["properties"] == {"blobstoreName": "a"}
    # GET answers with an ISO start date and the schedule fields at top level (3.92+).
    get_body = {
        "id": "t1",
        "name": spec.name,
        "type": spec.type,
        "enabled": True,
        "notificationCondition": "FAILURE",
        "schedule": "weekly",
        "startDate": "2024-01-07T02:30:00.000+00:00",
        "timeZoneOffset": "+00:00",
        "recurringDays": [1],
        "properties": {"blobstoreName": "a"},
    }
    assert tasks.TaskSpec.model_validate(tasks.from_api(get_body, {})) == spec


def test_task_start_time_respects_offset() -> None:
    ms = tasks.start_date_ms("02:30", "-05:00")
    assert tasks.start_time_of(ms, "-05:00") == "02:30"
    assert tasks.start_time_of(ms, "+00:00") == "07:30"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"schedule": "weekly"}, "recurring_days from 1"),
        ({"schedule": "weekly", "recurring_days": [8]}, "recurring_days from 1"),
        ({"schedule": "daily", "recurring_days": [1]}, "does not apply"),
        ({"schedule": "cron"}, "cron_expression"),
        ({"schedule": "daily", "start_time": "25:00"}, "HH:MM"),
        ({"schedule": "daily", "time_zone_offset": "CET"}, "must look like"),
        ({"schedule": "fortnightly"}, "manual"),
    ],
)
def test_bad_task_input_is_refused(fields: dict[str, Any], words: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=words):
        tasks.TaskSpec.model_validate({"name": "t", "type": "blobstore.compact", **fields})
