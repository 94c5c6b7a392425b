"""The cleanup-policies kind: request body and read-back mapping."""

from __future__ import annotations

from dynamic_providers import cleanup_policies


def test_cleanup_policy_body() -> None:
    spec = cleanup_policies.CleanupPolicySpec(name="p", criteria_last_downloaded=30)
    body = cleanup_policies.to_api(spec)
    assert (
        body["format"] == "docker"
        and body["criteriaLastDownloaded"] == 30
        and body["criteriaLastBlobUpdated"] is None
    )
    assert cleanup_policies.from_api({**body, "format": "ALL_FORMATS"})["format"] == "*"
