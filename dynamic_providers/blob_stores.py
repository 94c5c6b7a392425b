"""File blob stores (``/v1/blobstores/file``): what they share with S3 blob stores is in
``dynamic_providers/blob_store_base.py``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusResource, calls
from dynamic_providers.blob_store_base import (
    EVERY_STORE,
    BlobStoreProvider,
    BlobStoreSpec,
    quota_fields,
    soft_quota,
)
from dynamic_providers.client import NexusClient

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


class FileBlobStoreSpec(BlobStoreSpec):
    path: str = ""

    @pydantic.model_validator(mode="after")
    def _normalise(self) -> FileBlobStoreSpec:
        path = self.path or self.name
        if path.startswith(BLOBS_ROOT):
            path = path[len(BLOBS_ROOT) :]
        object.__setattr__(self, "path", path.rstrip("/"))
        return self


def to_api(spec: FileBlobStoreSpec) -> dict[str, Any]:
    return {"name": spec.name, "path": spec.path, "softQuota": soft_quota(spec)}


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    # GET /v1/blobstores/file/{name} has no name: it is the id.
    return {
        "name": body.get("name") or previous.get("name"),
        "path": same_location(str(body.get("path") or ""), str(previous.get("path") or "")),
        **quota_fields(body),
    }


class FileBlobStoreProvider(BlobStoreProvider[FileBlobStoreSpec], mappers=(to_api, from_api)):
    kind = "blob store"
    store_type = "File"
    api = Api(f"{EVERY_STORE}/file", delete=f"{EVERY_STORE}/{{id}}", create_ok=(201, 204))

    @calls("GET {item}")
    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        body = super().fetch(client, object_id, previous)
        return None if body is None else {**body, "name": object_id}

    @calls()
    def update_body(self, client: NexusClient, object_id: str, spec: FileBlobStoreSpec) -> Any:
        return {key: value for key, value in to_api(spec).items() if key != "name"}  # it is in the URL


class FileBlobStore(NexusResource[FileBlobStoreSpec]):
    """A file blob store, as components declare it."""
