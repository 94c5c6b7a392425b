"""What file and S3 blob stores share (``blob_stores.py``, ``s3_blob_stores.py``).

Both types live in one namespace in Nexus: names are unique ignoring case across types, the list
of every store (``GET /v1/blobstores``) names each store with its type, and one DELETE removes a
store of either type. Both have the same optional soft quota.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar

import pydantic

from dynamic_providers.base import NexusProvider, Spec, calls
from dynamic_providers.client import NexusClient
from dynamic_providers.exceptions import ProviderError, ServerError
from reach.names import BLOB_STORE_NAME_LIMIT, check_name

EVERY_STORE = "/v1/blobstores"  # the list of every store, of any type


class BlobStoreSpec(Spec):
    """The fields every blob store type has: its name and an optional soft quota."""

    name: str
    soft_quota_type: Literal["spaceRemainingQuota", "spaceUsedQuota"] | None = None
    soft_quota_limit_bytes: int | None = pydantic.Field(None, ge=1)

    @pydantic.field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value, max_length=BLOB_STORE_NAME_LIMIT)

    @pydantic.model_validator(mode="after")
    def _quota(self) -> BlobStoreSpec:
        if (self.soft_quota_type is None) != (self.soft_quota_limit_bytes is None):
            raise ValueError("soft_quota_type and soft_quota_limit_bytes go together")
        return self


def soft_quota(spec: BlobStoreSpec) -> dict[str, Any] | None:
    """The ``softQuota`` of a create or update body (None: no quota)."""
    if not spec.soft_quota_type:
        return None
    return {"type": spec.soft_quota_type, "limit": spec.soft_quota_limit_bytes}


def quota_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The quota fields of a spec from a GET body's ``softQuota``."""
    quota = body.get("softQuota") or {}
    return {"soft_quota_type": quota.get("type"), "soft_quota_limit_bytes": quota.get("limit")}


BlobStoreSpecT = TypeVar("BlobStoreSpecT", bound=BlobStoreSpec)


class BlobStoreProvider(NexusProvider[BlobStoreSpecT]):
    """What file and S3 blob stores share: one namespace (unique ignoring case), one DELETE."""

    #: The ``type`` the list of every store (``GET /v1/blobstores``) gives this kind: File, S3.
    store_type: ClassVar[str]
    # GET, PUT and DELETE take the exact name (observed on 3.71.0-06), but names are unique
    # ignoring case, across types: a store named TW-B keeps tw-b from being created.
    case_note = "blob store names are unique ignoring case in Nexus"
    delete_refusals = (
        (
            "in use",
            "{label} is still used by a repository and cannot be deleted: delete the "
            "repositories that store their content in it first (Nexus said: {detail})",
        ),
    )

    @calls(f"GET {EVERY_STORE}", "fetch")
    def find(self, client: NexusClient, spec: BlobStoreSpecT) -> tuple[str, Any] | None:
        # Names are unique ignoring case: a store named differently in case blocks ours too.
        for store in client.get_json(EVERY_STORE) or []:
            if str(store.get("name", "")).lower() == spec.name.lower():
                if store.get("type") != self.store_type:
                    raise ProviderError(
                        f"{self.label(spec)}: a {store.get('type')} blob store named '{store['name']}' "
                        f"already exists ({self.case_note}): give the store another name; "
                        "nothing was changed"
                    )
                body = self.fetch(client, store["name"], {"name": store["name"]})
                return (store["name"], body) if body is not None else None
        return None

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
