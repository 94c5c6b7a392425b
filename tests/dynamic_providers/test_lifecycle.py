"""Every kind against the emulator: create, read back, no-op, update, replace, drift, delete, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider

from dynamic_providers import base
from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.exceptions import (
    NexusConnectionError,
    ProviderError,
    RefusedError,
    ServerError,
    UnauthorizedError,
)
from dynamic_providers.repositories import RepositoryProvider, RepositorySpec, to_api
from dynamic_providers.tasks import TaskProvider
from tests.dynamic_providers.drive import apply, checked, connection, create
from tests.nexus_emulator import NexusEmulator


def blob_store(emulator: NexusEmulator, name: str = "docker-a", **fields: Any) -> dict[str, Any]:
    return {"connection": connection(emulator), "adopt": False, "name": name, **fields}


def hosted(emulator: NexusEmulator, name: str = "docker-a-release", **fields: Any) -> dict[str, Any]:
    base = {"name": name, "format": "docker", "type": "hosted", "blob_store": "docker-a", "http_port": 18001}
    return {"connection": connection(emulator), "adopt": False, **base, **fields}


def task(emulator: NexusEmulator, **fields: Any) -> dict[str, Any]:
    base = {
        "name": "Compact blob store docker-a",
        "type": "blobstore.compact",
        "schedule": "weekly",
        "recurring_days": [1],
        "start_time": "02:30",
        "properties": {"blobstoreName": "docker-a"},
    }
    return {"connection": connection(emulator), "adopt": False, **base, **fields}


def nexus_get(emulator: NexusEmulator, path: str) -> Any:
    response = emulator.call("GET", path)
    assert response.status == 200, (path, response.status)
    return response.body


# ---------------------------------------------------------------- blob stores


def test_blob_store_lifecycle(nexus_emulator: NexusEmulator) -> None:
    provider = FileBlobStoreProvider()
    object_id, outs = create(provider, blob_store(nexus_emulator))
    assert object_id == "docker-a"
    assert nexus_get(nexus_emulator, "/v1/blobstores/file/docker-a")["path"] == "docker-a"
    assert outs["path"] == "docker-a"

    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, blob_store(nexus_emulator))[0] == "same"
    assert nexus_emulator.count_writes() == 0 and nexus_emulator.count_reads() == 0

    quota: dict[str, Any] = {"soft_quota_type": "spaceUsedQuota", "soft_quota_limit_bytes": 10_000_000}
    step, outs = apply(provider, object_id, outs, blob_store(nexus_emulator, **quota))
    assert step == "update"
    assert nexus_get(nexus_emulator, "/v1/blobstores/file/docker-a")["softQuota"] == {
        "type": "spaceUsedQuota",
        "limit": 10_000_000,
    }
    assert outs["soft_quota_limit_bytes"] == 10_000_000

    # drift: changed behind Pulumi's back, then deleted
    nexus_emulator.call("PUT", "/v1/blobstores/file/docker-a", {"path": "docker-a", "softQuota": None})
    read = provider.read(object_id, outs)
    assert read.id == "docker-a" and read.outs is not None and read.outs["soft_quota_type"] is None
    nexus_emulator.call("DELETE", "/v1/blobstores/docker-a")
    assert provider.read(object_id, outs).id is None

    provider.delete(object_id, outs)  # already gone: success
    assert all(s["name"] != "docker-a" for s in nexus_get(nexus_emulator, "/v1/blobstores"))


def test_blob_store_absolute_path_shows_no_change(nexus_emulator: NexusEmulator) -> None:
    provider = FileBlobStoreProvider()
    props = blob_store(nexus_emulator, path="/nexus-data/blobs/docker-a")
    object_id, outs = create(provider, props)
    assert apply(provider, object_id, outs, props)[0] == "same"
    read = provider.read(object_id, outs)
    assert read.outs is not None
    assert provider.diff(object_id, read.outs, checked(provider, props)).changes is False


def test_blob_store_in_use_is_explained(nexus_emulator: NexusEmulator) -> None:
    stores, repos = FileBlobStoreProvider(), RepositoryProvider()
    store_id, store_outs = create(stores, blob_store(nexus_emulator))
    create(repos, hosted(nexus_emulator))
    with pytest.raises(ProviderError, match=r"still used by a repository.*delete the repositories"):
        stores.delete(store_id, store_outs)


def test_existing_object_is_not_silently_adopted(nexus_emulator: NexusEmulator) -> None:
    provider = FileBlobStoreProvider()
    nexus_emulator.call("POST", "/v1/blobstores/file", {"name": "docker-a", "path": "elsewhere"})
    nexus_emulator.clear_log()
    with pytest.raises(ProviderError, match=r"already exists.*`nexus\.adoptExisting: true`"):
        create(provider, blob_store(nexus_emulator))
    assert nexus_emulator.count_writes() == 0
    assert nexus_get(nexus_emulator, "/v1/blobstores/file/docker-a")["path"] == "elsewhere"


def test_an_existing_object_of_another_case_is_neither_created_nor_adopted(
    nexus_emulator: NexusEmulator,
) -> None:
    """Blob store names are unique ignoring case: DOCKER-A keeps docker-a from being created, and
    adopting it would manage DOCKER-A under the stack's other name. The stack is told to use the
    exact name (tests/dynamic_providers/test_case_twins.py has this on both backends)."""
    provider = FileBlobStoreProvider()
    nexus_emulator.call("POST", "/v1/blobstores/file", {"name": "DOCKER-A", "path": "elsewhere"})
    nexus_emulator.clear_log()
    for adopt in (False, True):
        with pytest.raises(ProviderError, match=r"'DOCKER-A', whose name differs .* only in case"):
            create(provider, {**blob_store(nexus_emulator), "adopt": adopt})
    assert nexus_emulator.count_writes() == 0
    assert nexus_get(nexus_emulator, "/v1/blobstores/file/DOCKER-A")["path"] == "elsewhere"


def test_adopt_takes_over_and_converges(nexus_emulator: NexusEmulator) -> None:
    provider = RepositoryProvider()
    nexus_emulator.call("POST", "/v1/blobstores/file", {"name": "docker-a", "path": "docker-a"})
    existing = checked(provider, hosted(nexus_emulator, write_policy="ALLOW"))
    nexus_emulator.call(
        "POST",
        "/v1/repositories/docker/hosted",
        to_api(
            RepositorySpec.model_validate(
                {k: v for k, v in existing.items() if k not in ("connection", "adopt")}
            )
        ),
    )
    object_id, outs = create(provider, hosted(nexus_emulator, adopt=True, write_policy="DENY"))
    assert object_id == "docker-a-release"
    body = nexus_get(nexus_emulator, "/v1/repositories/docker/hosted/docker-a-release")
    assert body["storage"]["writePolicy"] == "DENY"
    assert outs["write_policy"] == "DENY"


def test_adopting_an_object_with_another_fixed_field_fails_before_writing(
    nexus_emulator: NexusEmulator,
) -> None:
    # Nexus's own maven-releases lives in `default`; Nexus cannot move a repository to another store.
    nexus_emulator.call("POST", "/v1/blobstores/file", {"name": "maven", "path": "maven"})
    nexus_emulator.call(
        "POST",
        "/v1/repositories/maven/hosted",
        {
            "name": "maven-releases",
            "online": True,
            "storage": {
                "blobStoreName": "default",
                "strictContentTypeValidation": True,
                "writePolicy": "ALLOW_ONCE",
            },
            "maven": {"versionPolicy": "RELEASE", "layoutPolicy": "STRICT", "contentDisposition": "INLINE"},
        },
    )
    nexus_emulator.clear_log()
    props = {
        "connection": connection(nexus_emulator),
        "adopt": True,
        "name": "maven-releases",
        "format": "maven2",
        "type": "hosted",
        "blob_store": "maven",
    }
    with pytest.raises(
        ProviderError, match=r"with blob_store 'default' \(the stack says 'maven'\).*nothing was changed"
    ):
        create(RepositoryProvider(), props)
    assert nexus_emulator.count_writes() == 0


def test_an_adopted_object_is_released_not_deleted(nexus_emulator: NexusEmulator) -> None:
    provider = FileBlobStoreProvider()
    nexus_emulator.call("POST", "/v1/blobstores/file", {"name": "docker-a", "path": "docker-a"})
    object_id, outs = create(provider, blob_store(nexus_emulator, adopt=True))
    assert outs["adopted"] is True
    # an update and a refresh keep the mark
    step, outs = apply(provider, object_id, outs, blob_store(nexus_emulator, adopt=True, path="elsewhere"))
    assert step == "update" and outs["adopted"] is True
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["adopted"] is True
    nexus_emulator.clear_log()
    provider.delete(object_id, dict(read.outs))
    assert nexus_emulator.count_writes() == 0
    assert nexus_emulator.call("GET", "/v1/blobstores/file/docker-a").status == 200
    # what the stack created itself is deleted as before
    created_id, created = create(provider, blob_store(nexus_emulator, name="docker-b", adopt=True))
    assert "adopted" not in created
    provider.delete(created_id, created)
    assert nexus_emulator.call("GET", "/v1/blobstores/file/docker-b").status == 404


def test_a_blob_store_delete_retries_the_null_pointer_of_a_store_still_being_released(
    nexus_emulator: NexusEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on the real core in `destroy`: DELETE of a blob store just after its repository's -> 500 NPE."""
    monkeypatch.setattr(base, "DELETE_BACKOFF_SECONDS", 0.01)
    provider = FileBlobStoreProvider()
    object_id, outs = create(provider, blob_store(nexus_emulator))
    npe = "java.lang.NullPointerException"
    nexus_emulator.fail_next(1, 500, method="DELETE", path_prefix="/service/rest/v1/blobstores", message=npe)
    provider.delete(object_id, outs)
    assert nexus_emulator.call("GET", "/v1/blobstores/file/docker-a").status == 404


def test_delete_retries_nexus_invalid_state_a_bounded_number_of_times(
    nexus_emulator: NexusEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "DELETE_BACKOFF_SECONDS", 0.01)
    provider = FileBlobStoreProvider()
    stopped = "Invalid state: STOPPED; allowed: [STARTED]"
    object_id, outs = create(provider, blob_store(nexus_emulator))
    nexus_emulator.fail_next(
        2, 500, method="DELETE", path_prefix="/service/rest/v1/blobstores", message=stopped
    )
    provider.delete(object_id, outs)  # two 500s, then deleted
    assert nexus_emulator.call("GET", "/v1/blobstores/file/docker-a").status == 404
    object_id, outs = create(provider, blob_store(nexus_emulator))
    nexus_emulator.fail_next(
        50, 500, method="DELETE", path_prefix="/service/rest/v1/blobstores", message=stopped
    )
    with pytest.raises(ServerError, match="Invalid state: STOPPED"):
        provider.delete(object_id, outs)
    deletes = nexus_emulator.controls.records(method="DELETE", path_prefix="/service/rest/v1/blobstores")
    assert len(deletes) == 2 + 1 + base.DELETE_ATTEMPTS
    # any other 500 is not retried
    nexus_emulator.controls.reset()
    nexus_emulator.clear_log()
    nexus_emulator.fail_next(1, 500, method="DELETE", path_prefix="/service/rest/v1/blobstores")
    with pytest.raises(ServerError, match="injected failure"):
        provider.delete(object_id, outs)
    assert len(nexus_emulator.controls.records(method="DELETE")) == 1


def test_bad_credentials_fail_clearly(nexus_emulator: NexusEmulator) -> None:
    props = blob_store(nexus_emulator)
    props["connection"] = connection(nexus_emulator, password="wrong")
    with pytest.raises(UnauthorizedError, match=r"blob store 'docker-a'.*adminPassword"):
        FileBlobStoreProvider().create(checked(FileBlobStoreProvider(), props))


# ---------------------------------------------------------------- repositories


def test_repository_lifecycle(nexus_emulator: NexusEmulator) -> None:
    provider = RepositoryProvider()
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    create(FileBlobStoreProvider(), blob_store(nexus_emulator, name="docker-b"))
    object_id, outs = create(provider, hosted(nexus_emulator))
    body = nexus_get(nexus_emulator, "/v1/repositories/docker/hosted/docker-a-release")
    assert body["docker"]["httpPort"] == 18001
    assert body["storage"]["writePolicy"] == "ALLOW_ONCE"  # redeploy disabled by default

    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, hosted(nexus_emulator))[0] == "same"
    assert nexus_emulator.count_reads() + nexus_emulator.count_writes() == 0

    step, outs = apply(provider, object_id, outs, hosted(nexus_emulator, write_policy="allow"))
    assert step == "update" and outs["write_policy"] == "ALLOW"
    assert (
        nexus_get(nexus_emulator, "/v1/repositories/docker/hosted/docker-a-release")["storage"][
            "writePolicy"
        ].upper()
        == "ALLOW"
    )

    # a new blob store cannot be set through the API: replace (delete first, same name and port)
    step, (new_id, outs) = apply(provider, object_id, outs, hosted(nexus_emulator, blob_store="docker-b"))
    assert step == "replace" and new_id == object_id
    assert (
        nexus_get(nexus_emulator, "/v1/repositories/docker/hosted/docker-a-release")["storage"][
            "blobStoreName"
        ]
        == "docker-b"
    )

    # drift: another port set out of band; read sees it, the next apply puts it back
    body = nexus_get(nexus_emulator, "/v1/repositories/docker/hosted/docker-a-release")
    body["docker"]["httpPort"] = 18050
    assert nexus_emulator.call("PUT", "/v1/repositories/docker/hosted/docker-a-release", body).status == 204
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["http_port"] == 18050
    step, outs = apply(provider, object_id, read.outs, hosted(nexus_emulator, blob_store="docker-b"))
    assert step == "update" and outs["http_port"] == 18001

    provider.delete(object_id, outs)
    assert provider.read(object_id, outs).id is None
    provider.delete(object_id, outs)  # 404 is success


def test_proxy_password_is_write_only(nexus_emulator: NexusEmulator) -> None:
    provider = RepositoryProvider()
    props = {
        "connection": connection(nexus_emulator),
        "name": "docker-hub",
        "format": "docker",
        "type": "proxy",
        "remote_url": "https://registry-1.docker.io",
        "index_type": "HUB",
        "remote_username": "robot",
        "remote_password": "hub-token",
    }
    object_id, outs = create(provider, props)
    body = nexus_get(nexus_emulator, "/v1/repositories/docker/proxy/docker-hub")
    assert body["httpClient"]["authentication"]["password"] is None  # never returned
    assert outs["remote_password"] == "hub-token"  # carried from inputs: no perpetual diff
    read = provider.read(object_id, outs)
    assert read.outs is not None
    assert provider.diff(object_id, read.outs, checked(provider, props)).changes is False


def test_group_members_in_order(nexus_emulator: NexusEmulator) -> None:
    provider = RepositoryProvider()
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    create(provider, hosted(nexus_emulator))
    create(provider, hosted(nexus_emulator, name="docker-a-latest", http_port=18002, write_policy="ALLOW"))
    group = {
        "connection": connection(nexus_emulator),
        "name": "docker-all",
        "format": "docker",
        "type": "group",
        "blob_store": "docker-a",
        "members": ["docker-a-release", "docker-a-latest"],
        "http_port": 18000,
    }
    object_id, outs = create(provider, group)
    assert nexus_get(nexus_emulator, "/v1/repositories/docker/group/docker-all")["group"]["memberNames"] == [
        "docker-a-release",
        "docker-a-latest",
    ]
    step, outs = apply(
        provider, object_id, outs, {**group, "members": ["docker-a-latest", "docker-a-release"]}
    )
    assert step == "update"  # order is resolution order: a change


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"http_port": 8081}, "8081|port"),
        ({"blob_store": "missing"}, "Blob store not found"),
    ],
)
def test_nexus_refusals_name_the_resource(
    nexus_emulator: NexusEmulator, fields: dict[str, Any], words: str
) -> None:
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    with pytest.raises(RefusedError, match=rf"repository 'docker-a-release'.*({words})"):
        create(RepositoryProvider(), hosted(nexus_emulator, **fields))


def test_connector_port_clash_is_refused(nexus_emulator: NexusEmulator) -> None:
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    create(RepositoryProvider(), hosted(nexus_emulator))
    with pytest.raises(RefusedError, match="repository 'docker-a-latest'"):
        create(RepositoryProvider(), hosted(nexus_emulator, name="docker-a-latest"))


def test_dropped_create_response_converges_without_duplicate(nexus_emulator: NexusEmulator) -> None:
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    # The emulator matches full paths: a prefix without /service/rest would never drop anything.
    nexus_emulator.drop_next_write(method="POST", path_prefix="/service/rest/v1/repositories")
    object_id, outs = create(RepositoryProvider(), hosted(nexus_emulator))
    assert object_id == "docker-a-release" and outs["http_port"] == 18001
    posts = nexus_emulator.requests(method="POST", path_prefix="/service/rest/v1/repositories")
    assert [r.dropped for r in posts] == [True]  # applied, then the answer was lost
    names = [r["name"] for r in nexus_get(nexus_emulator, "/v1/repositories")]
    assert names.count("docker-a-release") == 1


def test_transient_503_is_retried_for_reads_and_puts(nexus_emulator: NexusEmulator) -> None:
    provider = RepositoryProvider()
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    object_id, outs = create(provider, hosted(nexus_emulator))
    nexus_emulator.fail_next(2, 503, method="PUT")
    step, outs = apply(provider, object_id, outs, hosted(nexus_emulator, write_policy="DENY"))
    assert step == "update" and outs["write_policy"] == "DENY"
    assert len(nexus_emulator.requests(method="PUT")) == 3


def test_post_is_not_blindly_retried(nexus_emulator: NexusEmulator) -> None:
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    nexus_emulator.fail_next(1, 503, method="POST")
    nexus_emulator.clear_log()
    with pytest.raises(ServerError, match=r"-> 503"):
        create(RepositoryProvider(), hosted(nexus_emulator))
    assert len(nexus_emulator.requests(method="POST")) == 1


def test_unreachable_nexus_fails_with_the_url() -> None:
    props = {
        "connection": {
            "url": "http://127.0.0.1:9",
            "username": "admin",
            "password": "x",
            "timeout": 2,
            "max_retry_seconds": 1,
        },
        "name": "a",
    }
    with pytest.raises(NexusConnectionError, match=r"no answer from Nexus at http://127.0.0.1:9"):
        FileBlobStoreProvider().create(checked(FileBlobStoreProvider(), props))


# ---------------------------------------------------------------- tasks


def test_task_lifecycle(nexus_emulator: NexusEmulator) -> None:
    provider = TaskProvider()
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    object_id, outs = create(provider, task(nexus_emulator))
    body = nexus_get(nexus_emulator, f"/v1/tasks/{object_id}")
    assert body["type"] == "blobstore.compact" and body["properties"]["blobstoreName"] == "docker-a"
    assert body["recurringDays"] == [1]

    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, task(nexus_emulator))[0] == "same"
    assert nexus_emulator.count_writes() == 0

    step, outs = apply(
        provider, object_id, outs, task(nexus_emulator, start_time="03:15", recurring_days=[7])
    )
    assert step == "update"
    assert (outs["start_time"], list(outs["recurring_days"])) == ("03:15", [7])
    assert nexus_get(nexus_emulator, f"/v1/tasks/{object_id}")["recurringDays"] == [7]

    step, (new_id, outs) = apply(
        provider,
        object_id,
        outs,
        task(nexus_emulator, type="blobstore.delete-temp-files", properties={"blobstoreName": "docker-a"}),
    )
    assert step == "replace" and new_id != object_id

    nexus_emulator.call("DELETE", f"/v1/tasks/{new_id}")
    assert provider.read(new_id, outs).id is None
    provider.delete(new_id, outs)


def test_task_found_by_name_after_lost_answer(nexus_emulator: NexusEmulator) -> None:
    create(FileBlobStoreProvider(), blob_store(nexus_emulator))
    nexus_emulator.drop_next_write(method="POST", path_prefix="/service/rest/v1/tasks")
    object_id, _ = create(TaskProvider(), task(nexus_emulator))
    posts = nexus_emulator.requests(method="POST", path_prefix="/service/rest/v1/tasks")
    assert [r.dropped for r in posts] == [True]  # applied, then the answer was lost
    items = nexus_get(nexus_emulator, "/v1/tasks")["items"]
    assert [t["id"] for t in items if t["name"] == "Compact blob store docker-a"] == [object_id]


def providers() -> list[ResourceProvider]:
    return [FileBlobStoreProvider(), RepositoryProvider(), TaskProvider()]


@pytest.mark.parametrize("provider", providers(), ids=lambda p: type(p).__name__)
def test_bad_input_is_a_check_failure_naming_the_field(
    provider: ResourceProvider, nexus_emulator: NexusEmulator
) -> None:
    result = provider.check({}, {"connection": connection(nexus_emulator), "name": "_bad", "surprise": 1})
    properties = {f.property for f in result.failures}
    assert "surprise" in properties
    assert nexus_emulator.count_reads() + nexus_emulator.count_writes() == 0
