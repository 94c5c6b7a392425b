"""`s3BlobStores` and the keys that name them (teams[].blobStore, repositories[].blobStore): every
mistake is an issue keyed by its config key, found before anything is created."""

from __future__ import annotations

from typing import Any

import pytest

from settings import SettingsError, parse_settings
from tests.settings.test_stack import config

STORE: dict[str, Any] = {
    "bucket": "nexus-blobs",
    "endpoint": "http://s3.example.com:8333",
    "forcePathStyle": True,
    "accessKeyId": "nexus",
    "secretAccessKey": "s3-secret",
}


def test_a_team_and_a_repository_may_keep_their_content_in_an_s3_store() -> None:
    raw = config(**{"s3BlobStores": {"shared": STORE}, "teams.0.blobStore": "shared"})
    raw["repositories"] = [{"name": "raw-files", "format": "raw", "type": "hosted", "blobStore": "shared"}]
    parsed = parse_settings(raw)
    spec = parsed.s3_blob_stores["shared"].to_spec("shared")
    assert (spec.bucket, spec.endpoint, spec.force_path_style) == (
        "nexus-blobs",
        "http://s3.example.com:8333",
        True,
    )
    assert (spec.access_key_id, spec.secret_access_key) == ("nexus", "s3-secret")
    assert "s3-secret" not in repr(parsed)


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        (
            {"teams.0.blobStore": "nowhere"},
            "teams[0].blobStore",
            "'nowhere' is not a name of s3BlobStores (shared)",
        ),
        ({"s3BlobStores.shared.bucket": "ab"}, "s3BlobStores.shared.bucket", "at least 3"),
        (
            {"s3BlobStores.shared.endpoint": "s3.example.com"},
            "s3BlobStores.shared.endpoint",
            "not an http(s) URL",
        ),
        ({"s3BlobStores.shared.secretAccessKey": None}, "s3BlobStores.shared", "go together"),
        ({"s3BlobStores.shared.softQuotaType": "spaceUsedQuota"}, "s3BlobStores.shared", "go together"),
        ({"s3BlobStores.shared.expirationDays": -2}, "s3BlobStores.shared.expirationDays", "-1"),
        ({"s3BlobStores.Docker-Hub": STORE}, "s3BlobStores.Docker-Hub", "one namespace in Nexus"),
        (
            {"s3BlobStores.docker-platform": STORE},
            "s3BlobStores.docker-platform",
            "file blob store of teams[0]",
        ),
        ({"s3BlobStores.SHARED": STORE}, "s3BlobStores.SHARED", "differ only in case"),
    ],
)
def test_an_s3_store_mistake_names_its_key(changes: dict[str, Any], key: str, words: str) -> None:
    raw = config(**{"s3BlobStores": {"shared": dict(STORE)}, **changes})
    with pytest.raises(SettingsError) as error:
        parse_settings(raw)
    assert any(issue.key == key and words in issue.message for issue in error.value.issues), (
        error.value.issues
    )
    assert "s3-secret" not in str(error.value)


def test_a_team_on_an_s3_store_has_no_file_store_of_its_own_so_the_name_is_free() -> None:
    raw = config(**{"s3BlobStores": {"docker-platform": STORE}, "teams.0.blobStore": "docker-platform"})
    assert parse_settings(raw).teams[0].blob_store == "docker-platform"
