"""What the access and retention settings change in the registry layout, and the retention policies.

Kept apart from :mod:`components.registry` so the seed's layout stays readable; ``registry_layout``
passes its result through :func:`apply_layout_policies` as its last step:

* Retention: release repositories keep everything unless ``retention.releaseDays`` is set; latest
  repositories keep what was downloaded within ``retention.latestDays`` when set. Both are cleanup
  policies, whose REST API is Nexus Pro only; on every edition the Docker clean-up tasks of the
  layout (delete unused manifests and images, purge incomplete uploads, then compact the blob
  store) keep latest repositories from growing without bound.
* Anonymous pull: Docker clients only pull anonymously from a repository that does not force
  basic authentication, so ``docker-all`` stops forcing it when ``access.anonymousPull`` is on.

:class:`RetentionPolicies` creates the policies; the registry must depend on it, because Nexus
silently ignores a policy name it does not know when a repository names it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi

from components.options import child_options
from dynamic_providers.cleanup_policies import CleanupPolicy, CleanupPolicySpec
from dynamic_providers.repositories import RepositorySpec
from settings import StackSettings

if TYPE_CHECKING:
    from components.registry import RegistryLayout

RELEASE_POLICY = "docker-release-retention"
LATEST_POLICY = "docker-latest-retention"


def retention_policies(settings: StackSettings) -> list[tuple[CleanupPolicySpec, tuple[str, ...]]]:
    """(policy, repositories it applies to); empty by default (keep every release)."""
    retention = settings.retention
    policies: list[tuple[CleanupPolicySpec, tuple[str, ...]]] = []
    if retention.release_days is not None:
        spec = CleanupPolicySpec(
            name=RELEASE_POLICY,
            format="docker",
            notes=f"Release images published over {retention.release_days} days ago (retention.releaseDays)",
            criteria_last_blob_updated=retention.release_days,
        )
        policies.append((spec, tuple(team.release_repository for team in settings.teams)))
    if retention.latest_days is not None:
        spec = CleanupPolicySpec(
            name=LATEST_POLICY,
            format="docker",
            notes=f"Latest images not downloaded for {retention.latest_days} days (retention.latestDays)",
            criteria_last_downloaded=retention.latest_days,
        )
        policies.append((spec, tuple(team.latest_repository for team in settings.teams)))
    return policies


def apply_layout_policies(
    layout: RegistryLayout, settings: StackSettings, *, pull_group: str
) -> RegistryLayout:
    """The layout with cleanup policies attached and anonymous pull allowed on the pull group."""
    attached: dict[str, set[str]] = {}
    for policy, names in retention_policies(settings):
        for repository in names:
            attached.setdefault(repository, set()).add(policy.name)
    repositories: list[tuple[RepositorySpec, bool]] = []
    for spec, protect in layout.repositories:
        changes: dict[str, Any] = {}
        if spec.name in attached:
            changes["cleanup_policies"] = tuple(sorted(attached[spec.name] | set(spec.cleanup_policies)))
        if spec.name == pull_group and settings.access.anonymous_pull:
            changes["force_basic_auth"] = False
        repositories.append((spec.model_copy(update=changes) if changes else spec, protect))
    return dataclasses.replace(layout, repositories=repositories)


class RetentionPolicies(pulumi.ComponentResource):
    """The cleanup policies of ``retention`` (Nexus Pro). Nothing is created when none is set."""

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        connection: pulumi.Input[Mapping[str, Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("nexus-platform:components:RetentionPolicies", name, None, opts)
        names: list[str] = []
        for spec, _ in retention_policies(settings):
            CleanupPolicy(
                f"cleanup-{spec.name}",
                connection=connection,
                spec=spec,
                adopt=settings.nexus.adopt_existing,
                opts=child_options(self, opts),
            )
            names.append(spec.name)
        self.policy_names = pulumi.Output.from_input(names)
        self.register_outputs({"policyNames": self.policy_names})
