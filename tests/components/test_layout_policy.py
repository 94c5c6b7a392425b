"""What the access and retention settings change in the registry layout, and the retention policies
(components/layout_policy.py): planned, applied to the emulator (Pro and community) and as a component
under mocks."""

from __future__ import annotations

import pytest

from components.access import access_plan
from components.layout_policy import (
    LATEST_POLICY,
    RELEASE_POLICY,
    RetentionArgs,
    RetentionPolicies,
    retention_policies,
)
from components.registry import PULL_GROUP, registry_layout
from dynamic_providers.cleanup_policies import CleanupPolicyProvider
from dynamic_providers.exceptions import ProviderError
from tests.components import mocks as m
from tests.components.test_access import settings_of
from tests.components.test_registry import up as registry_up
from tests.dynamic_providers.drive import checked, connection, create
from tests.nexus_emulator import NexusEmulator

T_POLICY = "pulumi-python:dynamic/nexus:CleanupPolicy"


# ---------------------------------------------------------------- the plan


def test_retention_keeps_releases_by_default() -> None:
    assert retention_policies(settings_of()) == []
    layout = registry_layout(settings_of())
    assert all(spec.cleanup_policies == () for spec, _ in layout.repositories)
    group = next(spec for spec, _ in layout.repositories if spec.name == PULL_GROUP)
    assert group.force_basic_auth is True  # no anonymous pull by default


def test_retention_days_attach_policies() -> None:
    settings = settings_of(retention={"releaseDays": 365, "latestDays": 30})
    policies = {spec.name: (spec, repos) for spec, repos in retention_policies(settings)}
    release, release_repos = policies[RELEASE_POLICY]
    assert release.criteria_last_blob_updated == 365 and release_repos == (
        "docker-platform-release",
        "docker-payments-release",
    )
    latest, _ = policies[LATEST_POLICY]
    assert latest.criteria_last_downloaded == 30
    repos = {spec.name: spec for spec, _ in registry_layout(settings).repositories}
    assert repos["docker-platform-release"].cleanup_policies == (RELEASE_POLICY,)
    assert repos["docker-payments-latest"].cleanup_policies == (LATEST_POLICY,)
    assert repos[PULL_GROUP].cleanup_policies == () and repos["docker-hub"].cleanup_policies == ()


def test_anonymous_pull_lets_docker_pull_without_login() -> None:
    settings = settings_of(access={"anonymousPull": True})
    group = next(spec for spec, _ in registry_layout(settings).repositories if spec.name == PULL_GROUP)
    assert group.force_basic_auth is False
    assert access_plan(settings).anonymous.enabled is True


# ---------------------------------------------------------------- applied to the emulator


def test_retention_on_pro_and_on_community(
    nexus_emulator_pro: NexusEmulator, nexus_emulator: NexusEmulator
) -> None:
    settings = settings_of(retention={"releaseDays": 365})
    provider = CleanupPolicyProvider()
    for spec, _ in retention_policies(settings):
        create(provider, {**spec.model_dump(), "connection": connection(nexus_emulator_pro), "adopt": False})
    registry_up(nexus_emulator_pro, registry_layout(settings), {})
    release = nexus_emulator_pro.call("GET", "/v1/repositories/docker/hosted/docker-platform-release").body
    assert release["cleanup"]["policyNames"] == [RELEASE_POLICY]

    spec, _ = retention_policies(settings)[0]
    with pytest.raises(ProviderError, match="Nexus Pro feature"):
        provider.create(checked(provider, {**spec.model_dump(), "connection": connection(nexus_emulator)}))


# ---------------------------------------------------------------- the components under mocks


def test_retention_component_creates_nothing_by_default(mocks: m.RecordingMocks) -> None:
    m.deploy(
        lambda: RetentionPolicies(
            "retention", RetentionArgs.from_settings(settings_of()), connection=m.connection()
        )
    )
    assert mocks.of_type(T_POLICY) == []
    m.deploy(
        lambda: RetentionPolicies(
            "retention2",
            RetentionArgs.from_settings(settings_of(retention={"latestDays": 14})),
            connection=m.connection(),
        )
    )
    assert [r.inputs["name"] for r in mocks.of_type(T_POLICY)] == [LATEST_POLICY]
