"""What file and S3 blob stores share: the quota fields, and one namespace of names.

Names are unique ignoring case across both types, so a store of the other type named like the
stack's (in any case) blocks it: the create is refused before anything is sent, naming that type.
"""

from __future__ import annotations

import pydantic
import pytest

from dynamic_providers.blob_store_base import quota_fields, soft_quota
from dynamic_providers.blob_stores import FileBlobStoreSpec
from dynamic_providers.exceptions import ProviderError
from dynamic_providers.s3_blob_stores import S3BlobStoreProvider, S3BlobStoreSpec
from tests.dynamic_providers.drive import create
from tests.real_nexus.backend import Backend


def test_the_quota_fields_round_trip_and_go_together() -> None:
    spec = FileBlobStoreSpec(name="q", soft_quota_type="spaceUsedQuota", soft_quota_limit_bytes=10)
    assert quota_fields({"softQuota": soft_quota(spec)}) == {
        "soft_quota_type": "spaceUsedQuota",
        "soft_quota_limit_bytes": 10,
    }
    assert soft_quota(FileBlobStoreSpec(name="q")) is None
    assert quota_fields({"softQuota": None}) == {"soft_quota_type": None, "soft_quota_limit_bytes": None}
    with pytest.raises(pydantic.ValidationError, match="go together"):
        S3BlobStoreSpec(name="q", bucket="bucket", soft_quota_limit_bytes=10)


def test_an_s3_store_named_like_a_file_store_in_another_case_is_refused_before_any_write(
    nexus: Backend,
) -> None:
    assert nexus.call("POST", "/v1/blobstores/file", {"name": "NS-Twin", "path": "ns-twin"}).status in (
        201,
        204,
    )
    nexus.clear_log()
    spec = S3BlobStoreSpec(name="ns-twin", bucket="some-bucket")
    props = {"connection": nexus.connection(), "adopt": True, **spec.model_dump()}
    with pytest.raises(
        ProviderError, match=r"a File blob store named 'NS-Twin' already exists.*ignoring case"
    ):
        create(S3BlobStoreProvider(), props)
    assert nexus.count_writes() == 0
