"""What the access and retention settings change in the registry layout, and the retention policies.

Kept apart from :mod:`components.registry` so the seed's layout stays readable; ``registry_layout``
passes its repositories through :func:`apply_layout_policies` as its last step (this module knows
repositories, not the registry layout: the dependency goes one way):

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

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.options import NexusComponent, PlanArgs
from dynamic_providers.cleanup_policies import CleanupPolicy, CleanupPolicySpec
from dynamic_providers.repositories import RepositorySpec
from settings import StackSettings

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
    repositories: Sequence[tuple[RepositorySpec, bool]], settings: StackSettings, *, pull_group: str
) -> list[tuple[RepositorySpec, bool]]:
    """The layout's (repository, protect) pairs with cleanup policies attached and anonymous pull
    allowed on the pull group."""
    attached: dict[str, set[str]] = {}
    for policy, names in retention_policies(settings):
        for repository in names:
            attached.setdefault(repository, set()).add(policy.name)
    changed: list[tuple[RepositorySpec, bool]] = []
    for spec, protect in repositories:
        changes: dict[str, Any] = {}
        if spec.name in attached:
            changes["cleanup_policies"] = tuple(sorted(attached[spec.name] | set(spec.cleanup_policies)))
        if spec.name == pull_group and settings.access.anonymous_pull:
            changes["force_basic_auth"] = False
        changed.append((spec.model_copy(update=changes) if changes else spec, protect))
    return changed


class RetentionArgs(PlanArgs[tuple[CleanupPolicySpec, ...]]):
    """The cleanup policies to create and whether existing ones are adopted."""

    @classmethod
    def from_settings(cls, settings: StackSettings) -> RetentionArgs:
        return cls(
            plan=tuple(spec for spec, _ in retention_policies(settings)),
            adopt=settings.nexus.adopt_existing,
        )


class RetentionPolicies(NexusComponent[RetentionArgs]):
    """The cleanup policies of ``retention`` (Nexus Pro). Nothing is created when none is set."""

    TYPE_TOKEN = "nexus-platform:components:RetentionPolicies"

    def build(self, name: str, args: RetentionArgs) -> Mapping[str, Any]:
        for spec in args.plan:
            CleanupPolicy(
                f"cleanup-{spec.name}",
                connection=self._connection,
                spec=spec,
                adopt=args.adopt,
                opts=self.child(),
            )
        self.policy_names = pulumi.Output.from_input([spec.name for spec in args.plan])
        return {"policyNames": self.policy_names}
