"""The S3 blob store kind: the secret placeholder is never drift; the lifecycle on the emulator and on
the real core against a real S3 server (SeaweedFS, tests/s3_server.py); a raw repository on an S3
store keeps an upload's bytes in the bucket, not in the data directory."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pydantic
import pytest
import requests

from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.exceptions import ProviderError, RefusedError
from dynamic_providers.repositories import RepositoryProvider
from dynamic_providers.s3_blob_stores import (
    SECRET_PLACEHOLDER,
    S3BlobStoreProvider,
    S3BlobStoreSpec,
    from_api,
    to_api,
)
from tests.components.haproxy_helpers import free_ports
from tests.dynamic_providers.drive import apply, checked, create
from tests.real_nexus.backend import ADMIN, Backend
from tests.s3_server import TEXT, S3Server, text_payload


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A short suffix per test: one real Nexus (and one bucket) is shared by every test of the session."""
    return hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:6]


@pytest.fixture
def bucket(nexus: Backend, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Where a store keeps its blobs: the real S3 server for the real Nexus (which creates the
    store only when the bucket answers); the emulator never contacts a bucket."""
    if nexus.kind != "real":
        # The emulator checks only that the endpoint takes a connection: its own port does.
        fake = {"bucket": "emulated", "endpoint": nexus.url}
        return {**fake, "force_path_style": True, "access_key_id": "key", "secret_access_key": "secret"}
    s3: S3Server = request.getfixturevalue("s3_server")
    return {
        "bucket": s3.bucket,
        "endpoint": s3.endpoint,
        "force_path_style": True,
        "access_key_id": s3.access_key_id,
        "secret_access_key": s3.secret_access_key,
    }


def props(nexus: Backend, **fields: Any) -> dict[str, Any]:
    return {"connection": nexus.connection(), "adopt": False, **fields}


# ---------------------------------------------------------------- the mappers


def test_the_secret_placeholder_nexus_answers_is_not_a_change() -> None:
    provider = S3BlobStoreProvider()
    spec = S3BlobStoreSpec(
        name="s3", bucket="blobs", prefix="/nx/", access_key_id="key", secret_access_key="the-secret"
    )
    assert spec.prefix == "nx" and "the-secret" not in repr(spec)
    body = to_api(spec)
    answered = {**body, "type": "S3"}
    answered["bucketConfiguration"]["bucketSecurity"]["secretAccessKey"] = SECRET_PLACEHOLDER
    recorded = {**spec.model_dump(), "connection": {}, "adopt": False}
    observed = provider.observed(answered, recorded)
    assert observed["secret_access_key"] == "the-secret"  # carried from what was recorded
    assert observed == spec.model_dump()
    # a new secret in the stack is a change (an update: Nexus takes it in place)
    changed = {**recorded, "secret_access_key": "rotated"}
    diff = provider.diff("s3", recorded, checked(provider, changed, recorded))
    assert diff.changes is True and not diff.replaces


def test_nexus_defaults_read_back_as_the_spec_defaults() -> None:
    body = {
        "name": "s3",
        "softQuota": None,
        "bucketConfiguration": {"bucket": {"region": "us-east-1", "name": "bkt"}},
    }
    assert S3BlobStoreSpec(**from_api(body)) == S3BlobStoreSpec(name="s3", bucket="bkt")


def test_the_key_id_and_the_secret_go_together_and_the_endpoint_is_a_url() -> None:
    with pytest.raises(pydantic.ValidationError, match="go together"):
        S3BlobStoreSpec(name="s3", bucket="blobs", access_key_id="key")
    with pytest.raises(pydantic.ValidationError, match="not an http"):
        S3BlobStoreSpec(name="s3", bucket="blobs", endpoint="s3.example.com")


# ---------------------------------------------------------------- the emulator and the real core


def test_s3_blob_store_lifecycle(nexus: Backend, bucket: dict[str, Any], unique: str) -> None:
    provider = S3BlobStoreProvider()
    name = f"s3-{unique}"
    wanted = props(nexus, name=name, prefix=f"life-{unique}", **bucket)
    object_id, outs = create(provider, wanted)
    body = nexus.get(f"/v1/blobstores/s3/{name}")
    security = body["bucketConfiguration"]["bucketSecurity"]
    assert security["secretAccessKey"] == SECRET_PLACEHOLDER  # never read back
    assert body["bucketConfiguration"]["bucket"]["prefix"] == f"life-{unique}"

    # refresh: the placeholder is not drift, and a no-change apply sends nothing
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["secret_access_key"] == bucket["secret_access_key"]
    assert provider.diff(object_id, dict(read.outs), checked(provider, wanted)).changes is False
    nexus.clear_log()
    assert apply(provider, object_id, outs, wanted)[0] == "same"
    assert nexus.count_reads() + nexus.count_writes() == 0

    # in place: the quota and the expiration
    changed = {
        **wanted,
        "expiration_days": 7,
        "soft_quota_type": "spaceUsedQuota",
        "soft_quota_limit_bytes": 10**7,
    }
    step, outs = apply(provider, object_id, outs, changed)
    assert step == "update"
    body = nexus.get(f"/v1/blobstores/s3/{name}")
    assert body["bucketConfiguration"]["bucket"]["expiration"] == 7
    assert body["softQuota"] == {"type": "spaceUsedQuota", "limit": 10**7}
    read = provider.read(object_id, outs)
    assert read.outs is not None
    assert provider.diff(object_id, dict(read.outs), checked(provider, changed)).changes is False

    # adopt: the same store, found by a stack that did not create it (the secret from its inputs)
    adopted_id, adopted = create(provider, {**changed, "adopt": True})
    assert adopted_id == name and adopted["secret_access_key"] == bucket["secret_access_key"]

    # a file store cannot take the name, in any case (one namespace)
    with pytest.raises(ProviderError, match=rf"S3 blob store named '{name}' already exists"):
        create(FileBlobStoreProvider(), {**props(nexus, name=name.upper()), "adopt": True})

    provider.delete(object_id, outs)
    assert nexus.call("GET", f"/v1/blobstores/s3/{name}").status == 404
    assert provider.read(object_id, outs).id is None
    provider.delete(object_id, outs)  # already gone: success


def test_a_bucket_nexus_cannot_reach_is_refused_with_its_words_and_nothing_is_created(
    nexus: Backend, unique: str
) -> None:
    (port,) = free_ports(1)  # nothing listens there
    name = f"s3-gone-{unique}"
    wanted = props(
        nexus,
        name=name,
        bucket="nowhere",
        endpoint=f"http://127.0.0.1:{port}",
        access_key_id="k",
        secret_access_key="s",
    )
    with pytest.raises(
        RefusedError, match=r"Unable to initialize blob store bucket: nowhere, Cause: .*Connection refused"
    ):
        create(S3BlobStoreProvider(), wanted)
    assert name not in {store["name"] for store in nexus.get("/v1/blobstores")}


@pytest.mark.real_nexus
def test_a_raw_repository_on_an_s3_store_keeps_its_uploads_in_the_bucket(
    real_nexus_session: Any, s3_server: S3Server, unique: str
) -> None:
    nexus: Backend = real_nexus_session.backend()
    nexus.remember()
    store, repository, prefix = f"s3-raw-{unique}", f"raw-s3-{unique}", f"raw-{unique}"
    try:
        wanted = props(
            nexus,
            name=store,
            bucket=s3_server.bucket,
            prefix=prefix,
            endpoint=s3_server.endpoint,
            force_path_style=True,
            access_key_id=s3_server.access_key_id,
            secret_access_key=s3_server.secret_access_key,
        )
        store_id, store_outs = create(S3BlobStoreProvider(), wanted)
        create(
            RepositoryProvider(), props(nexus, name=repository, format="raw", type="hosted", blob_store=store)
        )
        content = text_payload(256 * 1024)
        url = f"{real_nexus_session.server.url}/repository/{repository}/dir/payload.txt"
        auth = (ADMIN, nexus.admin_password)
        assert requests.put(url, data=content, auth=auth, headers=TEXT, timeout=120).status_code == 201
        assert requests.get(url, auth=auth, timeout=120).content == content
        # the bytes are an object of the bucket under the store's prefix (Nexus's layout:
        # <prefix>/content/vol-NN/chap-NN/<blob id>.bytes beside its .properties), not a file of
        # the data directory
        objects = s3_server.objects(prefix)
        (blob,) = [key for key, size in objects.items() if size == len(content)]
        assert blob.startswith(f"{prefix}/content/vol-") and blob.endswith(".bytes"), objects
        assert blob.removesuffix(".bytes") + ".properties" in objects
        blobs = Path(real_nexus_session.server.data_dir) / "blobs"
        assert not [path for path in blobs.rglob("*.bytes") if path.stat().st_size == len(content)]

        # another prefix would leave the blobs behind: it is a replacement, which Nexus refuses
        # while the repository uses the store, so nothing moves
        with pytest.raises(ProviderError, match="still used by a repository"):
            apply(S3BlobStoreProvider(), store_id, store_outs, {**wanted, "prefix": f"{prefix}-moved"})
        assert nexus.get(f"/v1/blobstores/s3/{store}")["bucketConfiguration"]["bucket"]["prefix"] == prefix
        assert requests.get(url, auth=auth, timeout=120).content == content
    finally:
        nexus.restore()
