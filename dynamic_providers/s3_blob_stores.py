"""S3 blob stores (``/v1/blobstores/s3``): a repository's content in an S3 (or S3-compatible) bucket.

The name shares one namespace with file blob stores (``dynamic_providers/blob_stores.py`` holds
that part). The secret access key is write-only: Nexus answers it as a placeholder
(``#~NXRM~PLACEHOLDER~PASSWORD~#``, observed on 3.71.0-06), so it is carried from the inputs, kept
secret in the state, and never compared with what Nexus answers. The access key id is read back:
it is an identifier, not a secret, and a change made in the UI then shows as drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusResource
from dynamic_providers.blob_store_base import (
    EVERY_STORE,
    BlobStoreProvider,
    BlobStoreSpec,
    quota_fields,
    soft_quota,
)

#: What a GET answers in place of every secret of the bucket configuration.
SECRET_PLACEHOLDER = "#~NXRM~PLACEHOLDER~PASSWORD~#"
#: Nexus's default: deleted blobs stay in the bucket this many days (-1: never removed by Nexus).
DEFAULT_EXPIRATION_DAYS = 3


class S3BlobStoreSpec(BlobStoreSpec):
    bucket: str = pydantic.Field(min_length=3, max_length=63)
    region: str = pydantic.Field("us-east-1", min_length=1)
    prefix: str = ""
    expiration_days: int = pydantic.Field(DEFAULT_EXPIRATION_DAYS, ge=-1)
    #: Empty: AWS itself; otherwise the URL of an S3-compatible server (http://host:port).
    endpoint: str = ""
    force_path_style: bool = False
    #: Empty with the secret: Nexus uses its own AWS credentials (instance role, environment).
    access_key_id: str = ""
    secret_access_key: str = pydantic.Field("", repr=False)  # write-only

    @pydantic.field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return value.strip("/")

    @pydantic.field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' is not an http(s) URL")
        return value.rstrip("/")

    @pydantic.model_validator(mode="after")
    def _credentials(self) -> S3BlobStoreSpec:
        if bool(self.access_key_id) != bool(self.secret_access_key):
            raise ValueError("access_key_id and secret_access_key go together")
        return self


def to_api(spec: S3BlobStoreSpec) -> dict[str, Any]:
    bucket: dict[str, Any] = {
        "region": spec.region,
        "name": spec.bucket,
        "prefix": spec.prefix,
        "expiration": spec.expiration_days,
    }
    config: dict[str, Any] = {"bucket": bucket}
    if spec.access_key_id:
        config["bucketSecurity"] = {
            "accessKeyId": spec.access_key_id,
            "secretAccessKey": spec.secret_access_key,
        }
    if spec.endpoint or spec.force_path_style:
        connection = {"endpoint": spec.endpoint, "forcePathStyle": spec.force_path_style}
        config["advancedBucketConnection"] = connection
    return {"name": spec.name, "softQuota": soft_quota(spec), "bucketConfiguration": config}


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    config = body.get("bucketConfiguration") or {}
    bucket = config.get("bucket") or {}
    security = config.get("bucketSecurity") or {}
    connection = config.get("advancedBucketConnection") or {}
    expiration = bucket.get("expiration")
    return {
        "name": body.get("name") or previous.get("name"),
        **quota_fields(body),
        "bucket": bucket.get("name"),
        "region": bucket.get("region"),
        "prefix": bucket.get("prefix") or "",
        "expiration_days": DEFAULT_EXPIRATION_DAYS if expiration is None else expiration,
        "endpoint": connection.get("endpoint") or "",
        "force_path_style": bool(connection.get("forcePathStyle")),
        "access_key_id": security.get("accessKeyId") or "",
    }


class S3BlobStoreProvider(BlobStoreProvider[S3BlobStoreSpec], mappers=(to_api, from_api)):
    kind = "S3 blob store"
    store_type = "S3"
    api = Api(f"{EVERY_STORE}/s3", delete=f"{EVERY_STORE}/{{id}}", create_ok=(201, 204))
    write_only_fields = ("secret_access_key",)
    # Nexus takes a new bucket or prefix in place (observed on 3.71.0-06: PUT 204), but the blobs
    # already written stay where they were and every repository on the store loses its content.
    # As a replacement, the delete Nexus refuses while a repository uses the store stops it.
    replace_fields = ("name", "bucket", "prefix")
    # Observed on 3.71.0-06: GET, PUT and DELETE take the exact name, and unlike the file store's,
    # the S3 create checks only the exact name (ft1 is created beside a file store Ft1).
    case_note = (
        "Nexus may hold blob stores whose names differ only in case, but finds a repository's "
        "blob store ignoring case"
    )


class S3BlobStore(NexusResource[S3BlobStoreSpec]):
    """An S3 blob store, as components declare it."""
