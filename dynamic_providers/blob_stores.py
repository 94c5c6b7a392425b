"""File blob stores (``/v1/blobstores``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, Spec, calls
from dynamic_providers.client import NexusClient
from dynamic_providers.exceptions import ProviderError, ServerError
from reach.names import BLOB_STORE_NAME_LIMIT, check_name

# Inside the official image the data directory is /nexus-data; Nexus reports an absolute path
# under <data>/blobs in its relative form, so both spellings mean the same store.
BLOBS_ROOT = "/nexus-data/blobs/"


def same_location(reported: str, declared: str) -> str:
    """The declared path when Nexus reports the same directory in its relative form.

    Nexus stores a path under ``<its data dir>/blobs/`` relative to that directory, whatever the
    data dir is (``/nexus-data`` in the image, anything for a Nexus installed otherwise), so an
    absolute ``/srv/nexus/blobs/x`` comes back as ``x``: not a change."""
    if declared.startswith("/") and not reported.startswith("/") and declared.endswith(f"/blobs/{reported}"):
        return declared
    return reported


EVERY_STORE = "/v1/blobstores"  # the list of every store, of any type


class FileBlobStoreSpec(Spec):
    name: str
    path: str = ""
    soft_quota_type: Literal["spaceRemainingQuota", "spaceUsedQuota"] | None = None
    soft_quota_limit_bytes: int | None = pydantic.Field(None, ge=1)

    @pydantic.field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value, max_length=BLOB_STORE_NAME_LIMIT)

    @pydantic.model_validator(mode="after")
    def _normalise(self) -> FileBlobStoreSpec:
        path = self.path or self.name
        if path.startswith(BLOBS_ROOT):
            path = path[len(BLOBS_ROOT) :]
        object.__setattr__(self, "path", path.rstrip("/"))
        if (self.soft_quota_type is None) != (self.soft_quota_limit_bytes is None):
            raise ValueError("soft_quota_type and soft_quota_limit_bytes go together")
        return self


def to_api(spec: FileBlobStoreSpec) -> dict[str, Any]:
    quota = (
        {"type": spec.soft_quota_type, "limit": spec.soft_quota_limit_bytes} if spec.soft_quota_type else None
    )
    return {"name": spec.name, "path": spec.path, "softQuota": quota}


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    quota = body.get("softQuota") or {}
    # GET /v1/blobstores/file/{name} has no name: it is the id.
    return {
        "name": body.get("name") or previous.get("name"),
        "path": same_location(str(body.get("path") or ""), str(previous.get("path") or "")),
        "soft_quota_type": quota.get("type"),
        "soft_quota_limit_bytes": quota.get("limit"),
    }


class FileBlobStoreProvider(NexusProvider[FileBlobStoreSpec], mappers=(to_api, from_api)):
    kind = "blob store"
    api = Api(f"{EVERY_STORE}/file", delete=f"{EVERY_STORE}/{{id}}", create_ok=(201, 204))
    replace_fields = ("name",)
    # GET, PUT and DELETE take the exact name (observed on 3.71.0-06), but names are unique
    # ignoring case: a store named TW-B keeps tw-b from being created.
    case_note = "blob store names are unique ignoring case in Nexus"
    delete_refusals = (
        (
            "in use",
            "{label} is still used by a repository and cannot be deleted: delete the "
            "repositories that store their content in it first (Nexus said: {detail})",
        ),
    )

    @calls(f"GET {EVERY_STORE}", "fetch")
    def find(self, client: NexusClient, spec: FileBlobStoreSpec) -> tuple[str, Any] | None:
        # Names are unique ignoring case: a store named differently in case blocks ours too.
        for store in client.get_json(EVERY_STORE) or []:
            if str(store.get("name", "")).lower() == spec.name.lower():
                if store.get("type") != "File":
                    raise ProviderError(
                        f"{self.label(spec)}: a {store.get('type')} blob store named '{store['name']}' "
                        "already exists (names are unique ignoring case): give the store another name; "
                        "nothing was changed"
                    )
                body = self.fetch(client, store["name"], {"name": store["name"]})
                return (store["name"], body) if body is not None else None
        return None

    @calls("GET {item}")
    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        body = super().fetch(client, object_id, previous)
        return None if body is None else {**body, "name": object_id}

    @calls("DELETE {delete}", "fetch (when Nexus answers Missing BlobStore)")
    def delete_object(self, client: NexusClient, object_id: str, props: Mapping[str, Any]) -> None:
        try:
            super().delete_object(client, object_id, props)
        except ServerError as error:
            # DELETE of tw-b while only TW-B exists: Nexus's check ignores case, its removal does
            # not, so it answers 500 "Missing BlobStore: tw-b" and deletes nothing (observed on
            # 3.71.0-06). The stack's store is gone; TW-B is not the stack's.
            if "Missing BlobStore" in error.detail and self.fetch(client, object_id, props) is None:
                return
            raise

    @calls()
    def update_body(self, client: NexusClient, object_id: str, spec: FileBlobStoreSpec) -> Any:
        return {key: value for key, value in to_api(spec).items() if key != "name"}  # it is in the URL


class FileBlobStore(NexusResource[FileBlobStoreSpec]):
    """A file blob store, as components declare it."""
