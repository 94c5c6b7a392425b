"""The file blob store kind: path normalisation, quota fields."""

from __future__ import annotations

import pydantic
import pytest

from dynamic_providers.blob_stores import FileBlobStoreProvider, FileBlobStoreSpec
from tests.dynamic_providers.test_repositories import props


def test_blob_store_paths_are_normalised() -> None:
    provider = FileBlobStoreProvider()
    absolute = FileBlobStoreSpec(name="docker-a", path="/nexus-data/blobs/docker-a/")
    assert absolute.path == "docker-a"
    assert FileBlobStoreSpec(name="docker-a").path == "docker-a"  # default path = name
    assert (
        provider.diff("docker-a", props(FileBlobStoreSpec(name="docker-a")), props(absolute)).changes is False
    )
    body = {"softQuota": {"type": "spaceUsedQuota", "limit": 10}, "path": "docker-a"}
    assert provider.from_api(body, {"name": "docker-a"}) == {
        "name": "docker-a",
        "path": "docker-a",
        "soft_quota_type": "spaceUsedQuota",
        "soft_quota_limit_bytes": 10,
    }


def test_blob_store_quota_fields_go_together() -> None:
    with pytest.raises(pydantic.ValidationError, match="go together"):
        FileBlobStoreSpec(name="a", soft_quota_type="spaceUsedQuota")
