"""What a stack asks the server for (``StackSettings.server_features``), keyed by the config key
that asks: either retention key alone asks for the cleanup-policy API (issue 31, item 9)."""

from __future__ import annotations

import pytest

from settings import parse_settings
from tests.settings.test_stack import config


@pytest.mark.parametrize(
    ("retention", "key"),
    [
        ({"latestDays": 14}, "retention.latestDays"),
        ({"releaseDays": 365}, "retention.releaseDays"),
        ({"releaseDays": 365, "latestDays": 14}, "retention.releaseDays"),
    ],
)
def test_either_retention_key_asks_for_the_cleanup_policy_api(retention: dict[str, int], key: str) -> None:
    raw = config()
    raw["retention"] = retention
    assert parse_settings(raw).server_features()["cleanup-policies"] == key


def test_no_retention_asks_for_no_cleanup_policy_api() -> None:
    assert "cleanup-policies" not in parse_settings(config()).server_features()
