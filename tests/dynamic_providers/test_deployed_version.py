"""DeployedVersion: the previous version reaches the preview through check; diff only sees version."""

from __future__ import annotations

from dynamic_providers.deployed_version import DeployedVersionProvider


def test_check_carries_the_previous_version() -> None:
    provider = DeployedVersionProvider()
    first = provider.check({}, {"version": "3.77.1", "deployed_version": None})
    assert first.inputs["deployed_version"] is None and first.failures == []
    change = provider.check({"version": "3.80.0", "deployed_version": "3.77.1"}, {"version": "3.77.1"})
    assert change.inputs == {"version": "3.77.1", "deployed_version": "3.80.0"}


def test_diff_compares_the_version_only() -> None:
    provider = DeployedVersionProvider()
    olds = {"version": "3.80.0", "deployed_version": "3.80.0", "previous_version": "3.77.1"}
    assert provider.diff("id", olds, {"version": "3.80.0", "deployed_version": "3.80.0"}).changes is False
    assert provider.diff("id", olds, {"version": "3.81.0", "deployed_version": "3.80.0"}).changes is True


def test_create_and_update_record_what_now_runs() -> None:
    provider = DeployedVersionProvider()
    created = provider.create({"version": "3.77.1", "deployed_version": None})
    assert created.outs == {"version": "3.77.1", "deployed_version": "3.77.1", "previous_version": None}
    updated = provider.update(
        "id", {"version": "3.77.1"}, {"version": "3.80.0", "deployed_version": "3.77.1"}
    )
    assert updated.outs == {"version": "3.80.0", "deployed_version": "3.80.0", "previous_version": "3.77.1"}
