"""End to end on the real Nexus core against a real S3 server (SeaweedFS): a stack config with an
S3 blob store -> the registry component's plan -> the providers -> an upload whose bytes land in
the bucket. (The core has no Docker format, so a team's Docker repositories cannot run here; a raw
repository on the S3 store is the same path: the config names the store, the plan declares it
before the repository, the provider creates it with the stack's secret.)"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from components.registry import DockerRegistryArgs
from dynamic_providers.base import provider_for
from dynamic_providers.s3_blob_stores import S3BlobStoreSpec
from settings import parse_settings
from tests.dynamic_providers.drive import apply, create
from tests.real_nexus.backend import ADMIN, Backend
from tests.s3_server import TEXT, S3Server, text_payload


@pytest.mark.real_nexus
def test_a_repository_on_an_s3_store_of_the_stack_config_keeps_its_uploads_in_the_bucket(
    real_nexus_session: Any, s3_server: S3Server
) -> None:
    nexus: Backend = real_nexus_session.backend()
    nexus.remember()
    raw = {
        "domain": "example.com",
        "adminPassword": nexus.admin_password,
        "nexus": {"version": "3.71.0-06", "manageTasks": False},
        "docker": {"enabled": False},
        "s3BlobStores": {
            "e2e-s3": {
                "bucket": s3_server.bucket,
                "prefix": "e2e",
                "endpoint": s3_server.endpoint,
                "forcePathStyle": True,
                "accessKeyId": s3_server.access_key_id,
                "secretAccessKey": s3_server.secret_access_key,
            }
        },
        "repositories": [{"name": "e2e-raw-s3", "format": "raw", "type": "hosted", "blobStore": "e2e-s3"}],
    }
    plan = DockerRegistryArgs.from_settings(parse_settings(raw)).plan
    assert [type(spec) for spec, _ in plan.blob_stores] == [S3BlobStoreSpec]
    specs = [spec for spec, _ in plan.blob_stores] + [spec for spec, _ in plan.repositories]
    try:
        state = {}
        for spec in specs:  # in the plan's order: the store before the repository on it
            props = {**spec.model_dump(), "connection": nexus.connection(), "adopt": False}
            state[spec.name] = (spec, props, create(provider_for(spec), props))
        # a second `up`: nothing to do (the secret Nexus answers as a placeholder is no change)
        nexus.clear_log()
        for spec, props, (object_id, outs) in state.values():
            assert apply(provider_for(spec), object_id, outs, props)[0] == "same"
        assert nexus.count_writes() == 0

        content = text_payload(300 * 1024)
        url = f"{real_nexus_session.server.url}/repository/e2e-raw-s3/builds/artifact.txt"
        auth = (ADMIN, nexus.admin_password)
        assert requests.put(url, data=content, auth=auth, headers=TEXT, timeout=120).status_code == 201
        assert requests.get(url, auth=auth, timeout=120).content == content
        assert len(content) in s3_server.objects("e2e/content").values()
    finally:
        nexus.restore()
