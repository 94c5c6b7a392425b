"""Cleanup policies (``/v1/cleanup-policies``): Nexus Pro only.

The public REST API for cleanup policies exists only in Nexus Pro. On every other edition the
provider refuses before writing anything, with a message that says what to do instead (the UI
can create policies there, and a repository can name them in ``cleanup_policies``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pulumi
import pydantic
from pulumi.dynamic import Resource

from dynamic_providers.base import NexusProvider, ProviderError, Spec
from dynamic_providers.client import NexusClient
from dynamic_providers.names import check_name

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
        return check_name(value, max_length=255)

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


def from_api(body: Mapping[str, Any]) -> dict[str, Any]:
    fields = {field: body.get(api) for field, api in _API.items()}
    fields["notes"] = fields["notes"] or ""
    if fields["format"] == "ALL_FORMATS":  # "*" is stored under this name [?]
        fields["format"] = "*"
    return fields


class CleanupPolicyProvider(NexusProvider[CleanupPolicySpec]):
    kind = "cleanup policy"
    spec_model = CleanupPolicySpec
    replace_fields = ("name", "format")

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

    def object_id(self, spec: CleanupPolicySpec) -> str:
        return spec.name

    def find(self, client: NexusClient, spec: CleanupPolicySpec) -> tuple[str, Any] | None:
        body = self.fetch(client, spec.name, {})
        return (spec.name, body) if body is not None else None

    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        return client.get_optional(f"/v1/cleanup-policies/{object_id}")

    def from_api(self, body: Any, previous: Mapping[str, Any]) -> dict[str, Any]:
        return from_api(body)

    def create_object(self, client: NexusClient, spec: CleanupPolicySpec) -> str | None:
        client.post("/v1/cleanup-policies", to_api(spec), ok=(200, 201, 204))
        return None

    def update_object(self, client: NexusClient, object_id: str, spec: CleanupPolicySpec) -> None:
        client.put(f"/v1/cleanup-policies/{object_id}", to_api(spec))

    def delete_object(self, client: NexusClient, object_id: str, props: Mapping[str, Any]) -> None:
        client.delete(f"/v1/cleanup-policies/{object_id}")


class CleanupPolicy(Resource, module="nexus", name="CleanupPolicy"):
    """A Nexus Pro cleanup policy."""

    name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        connection: pulumi.Input[Mapping[str, Any]],
        spec: CleanupPolicySpec,
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {**spec.model_dump(), "connection": connection, "adopt": adopt}
        super().__init__(CleanupPolicyProvider(), resource_name, props, opts)
