"""Cleanup policies (``/v1/cleanup-policies``): Nexus Pro only.

The public REST API for cleanup policies exists only in Nexus Pro. On every other edition the
provider refuses before writing anything, with a message that says what to do instead (the UI
can create policies there, and a repository can name them in ``cleanup_policies``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, Spec
from dynamic_providers.client import NexusClient
from dynamic_providers.exceptions import ProviderError
from reach.names import check_name

NOT_PRO_MESSAGE = (
    "{resource}: this Nexus ({server}, {edition_name}) has no cleanup policy REST API; it is "
    "a Nexus Pro feature. Nothing was changed. Remove retention.releaseDays and "
    "retention.latestDays from the stack (the Docker clean-up tasks still run), or create the policy "
    "by hand in the UI (Repository > Cleanup Policies) and attach it to the repository there."
)


class CleanupPolicySpec(Spec):
    name: str
    format: Literal["docker", "maven2", "npm", "pypi", "raw", "*"] = "docker"
    notes: str = ""
    # days since the component was published (Nexus: "component age")
    criteria_last_blob_updated: int | None = pydantic.Field(None, ge=1)
    # days since the component was last downloaded (Nexus: "component usage")
    criteria_last_downloaded: int | None = pydantic.Field(None, ge=1)
    criteria_release_type: Literal["RELEASES", "PRERELEASES", "RELEASES_AND_PRERELEASES"] | None = None
    criteria_asset_regex: str | None = None
    retain: int | None = pydantic.Field(None, ge=1)

    @pydantic.field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value)  # CleanupPolicyDAO.xml: 200 (the API document says 255)

    @pydantic.model_validator(mode="after")
    def _has_criteria(self) -> CleanupPolicySpec:
        if not (
            self.criteria_last_blob_updated
            or self.criteria_last_downloaded
            or self.criteria_release_type
            or self.criteria_asset_regex
        ):
            raise ValueError("a cleanup policy needs at least one criterion (it would delete everything)")
        return self


_API = {
    "name": "name",
    "format": "format",
    "notes": "notes",
    "criteria_last_blob_updated": "criteriaLastBlobUpdated",
    "criteria_last_downloaded": "criteriaLastDownloaded",
    "criteria_release_type": "criteriaReleaseType",
    "criteria_asset_regex": "criteriaAssetRegex",
    "retain": "retain",
}


def to_api(spec: CleanupPolicySpec) -> dict[str, Any]:
    return {api: getattr(spec, field) for field, api in _API.items()}


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    fields = {field: body.get(api) for field, api in _API.items()}
    fields["notes"] = fields["notes"] or ""
    if fields["format"] == "ALL_FORMATS":  # "*" is stored under this name [?]
        fields["format"] = "*"
    return fields


class CleanupPolicyProvider(NexusProvider[CleanupPolicySpec], mappers=(to_api, from_api)):
    kind = "cleanup policy"
    api = Api("/v1/cleanup-policies")
    replace_fields = ("name", "format")
    # Unconfirmed (the open-source core has no cleanup-policy API): taken as looking names up
    # ignoring case, so that a case twin is never written or deleted for the stack's policy.
    lookup_ignores_case = True
    case_note = "Nexus may look cleanup policy names up ignoring case"

    def ensure_supported(self, client: NexusClient) -> None:
        server = client.server_info()
        if not server.is_pro:
            raise ProviderError(
                NOT_PRO_MESSAGE.format(
                    resource=client.resource or "cleanup policy",
                    server=server.describe(),
                    edition_name=server.edition_name,
                )
            )


class CleanupPolicy(NexusResource[CleanupPolicySpec]):
    """A cleanup policy, as components declare it."""
