"""Behaviour tests of the Nexus emulator: the real server's ways it copies, error shapes, auth, knobs."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.eventually import eventually
from tests.nexus_emulator import EULA_DISCLAIMER, TEST_ADMIN_PASSWORD, NexusEmulator

pytest_plugins = ["tests.nexus_emulator.fixtures"]

REPO_ROOT = Path(__file__).resolve().parents[2]
STORAGE = {"blobStoreName": "default", "strictContentTypeValidation": True}
PROXY_PARTS = {
    "proxy": {"remoteUrl": "https://registry-1.docker.io", "contentMaxAge": 1440, "metadataMaxAge": 1440},
    "negativeCache": {"enabled": True, "timeToLive": 1440},
    "httpClient": {"blocked": False, "autoBlock": True},
}


class Api:
    """Tiny client for the tests: ``api.post("/v1/...", json=...)``."""

    def __init__(
        self, emulator: NexusEmulator, user: str = "admin", password: str | None = TEST_ADMIN_PASSWORD
    ):
        self.base = emulator.url + "/service/rest"
        self.session = requests.Session()
        if password is not None:
            self.session.auth = (user, password)

    def __getattr__(self, method: str) -> Any:
        def call(path: str, **kwargs: Any) -> requests.Response:
            return self.session.request(method.upper(), self.base + path, timeout=10, **kwargs)

        return call


@pytest.fixture
def api(nexus_emulator: NexusEmulator) -> Api:
    return Api(nexus_emulator)


@pytest.fixture
def pro() -> Iterator[NexusEmulator]:
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition="PRO") as emulator:
        yield emulator


def hosted(
    name: str, fmt: str = "raw", write_policy: str = "ALLOW", blob: str = "default", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "online": True,
        "storage": dict(STORAGE, blobStoreName=blob, writePolicy=write_policy),
    }
    if fmt == "docker":
        body["docker"] = {"v1Enabled": False, "forceBasicAuth": True}
    if fmt == "maven":
        body["maven"] = {"versionPolicy": "RELEASE", "layoutPolicy": "STRICT"}
    body.update(extra)
    return body


def docker_hosted(name: str, http_port: int | None = None, https_port: int | None = None) -> dict[str, Any]:
    return hosted(
        name,
        "docker",
        docker={"v1Enabled": False, "forceBasicAuth": True, "httpPort": http_port, "httpsPort": https_port},
    )


def group(name: str, members: list[str], writable: str | None = None, fmt: str = "raw") -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "online": True,
        "storage": dict(STORAGE),
        "group": {"memberNames": members},
    }
    if writable is not None:
        body["group"]["writableMember"] = writable
    if fmt == "docker":
        body["docker"] = {"v1Enabled": False, "forceBasicAuth": True}
    return body


def message_error(resp: requests.Response, status: int, message: str) -> None:
    """Shape 3: one ``{"id": "*", "message": ...}`` object, without a fault id (as on 3.71.0-06)."""
    assert resp.status_code == status, resp.text
    assert resp.json() == {"id": "*", "message": message}
    assert resp.headers["Content-Type"] == "application/json"
    assert "X-Siesta-FaultId" not in resp.headers


def list_error(resp: requests.Response, expected: list[dict[str, str]]) -> None:
    """Shapes 1 and 2: a JSON list of ``{id, message}`` on one line, Siesta's media type."""
    assert resp.status_code == 400, resp.text
    assert resp.json() == expected
    assert resp.headers["Content-Type"] == "application/vnd.siesta-validation-errors-v1+json"
    assert "\n" not in resp.text
    assert resp.headers.get("X-Siesta-FaultId")


def empty(resp: requests.Response, status: int) -> None:
    assert resp.status_code == status, resp.text
    assert resp.content == b""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- 1. startup phases


def test_port_refuses_connections_before_start() -> None:
    emulator = NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, port=free_port())
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{emulator.requested_port}/service/rest/v1/status", timeout=2)


def test_starting_phase_answers_503_empty_on_every_path_then_ready(nexus_emulator: NexusEmulator, api: Api):
    nexus_emulator.set_starting()
    for path in ("/v1/status", "/v1/status/writable", "/v1/repositories", "/v1/no-such-thing"):
        empty(api.get(path), 503)
    empty(requests.get(nexus_emulator.url + "/", timeout=5), 503)
    nexus_emulator.set_ready()
    empty(requests.get(api.base + "/v1/status", timeout=5), 200)  # no credentials needed
    empty(requests.get(api.base + "/v1/status/writable", timeout=5), 200)


def test_startup_seconds_elapse_by_themselves() -> None:
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, startup_seconds=0.5) as emulator:
        url = emulator.url + "/service/rest/v1/status/writable"
        assert requests.get(url, timeout=5).status_code == 503
        eventually(
            lambda: requests.get(url, timeout=5).status_code == 200,
            timeout=30,
            interval=0.05,
            message="the emulator did not turn writable by itself",
        )


def test_read_only_knob(nexus_emulator: NexusEmulator, api: Api) -> None:
    nexus_emulator.set_writable(False)
    empty(api.get("/v1/status/writable"), 503)
    assert api.get("/v1/status").status_code == 200
    resp = api.post("/v1/repositories/raw/hosted", json=hosted("ro"))
    assert resp.status_code == 503
    assert resp.text.startswith("Nexus Repository Manager is in read-only mode: (ID ")
    assert api.get("/v1/repositories").status_code == 200
    nexus_emulator.set_writable(True)
    assert api.post("/v1/repositories/raw/hosted", json=hosted("ro")).status_code == 201


# -- 2-5. repositories: duplicates, case, rename, fixed format/type


def test_duplicate_repository_name_is_400_not_409(api: Api) -> None:
    assert api.post("/v1/repositories/raw/hosted", json=hosted("dup")).status_code == 201
    message_error(api.post("/v1/repositories/raw/hosted", json=hosted("dup")), 400, '"Duplicate key"')
    # also across formats
    message_error(
        api.post("/v1/repositories/maven/hosted", json=hosted("dup", "maven")), 400, '"Duplicate key"'
    )


def test_repository_lookup_is_case_insensitive(api: Api) -> None:
    assert api.post("/v1/repositories/raw/hosted", json=hosted("MixedCase")).status_code == 201
    resp = api.get("/v1/repositories/raw/hosted/mixedcase")
    assert resp.status_code == 200
    assert resp.json()["name"] == "MixedCase"
    assert api.get("/v1/repositories/MIXEDCASE").json()["name"] == "MixedCase"


def test_names_differing_only_in_case_both_exist_and_lookups_find_the_first(api: Api) -> None:
    assert api.post("/v1/repositories/raw/hosted", json=hosted("Case1")).status_code == 201
    assert api.post("/v1/repositories/raw/hosted", json=hosted("case1")).status_code == 201
    assert api.post("/v1/repositories/maven/hosted", json=hosted("CASE1", "maven")).status_code == 201
    assert [r["name"] for r in api.get("/v1/repositories").json()] == ["Case1", "case1", "CASE1"]
    assert api.get("/v1/repositories/raw/hosted/CASE1").json()["name"] == "Case1"
    message_error(api.get("/v1/repositories/maven/hosted/CASE1"), 404, '"Repository not found"')
    empty(api.delete("/v1/repositories/CASE1"), 204)  # deletes Case1
    assert [r["name"] for r in api.get("/v1/repositories").json()] == ["case1", "CASE1"]
    assert api.get("/v1/repositories/CASE1").json()["format"] == "raw"


def test_renaming_through_put_is_refused(api: Api) -> None:
    assert api.post("/v1/repositories/raw/hosted", json=hosted("orig")).status_code == 201
    message_error(
        api.put("/v1/repositories/raw/hosted/orig", json=hosted("Orig")),
        400,
        '"Renaming a repository is not supported"',
    )


def test_format_and_type_are_fixed_by_the_url(api: Api) -> None:
    assert api.post("/v1/repositories/raw/hosted", json=hosted("fixed")).status_code == 201
    message_error(api.get("/v1/repositories/raw/proxy/fixed"), 404, '"Repository not found"')
    message_error(api.get("/v1/repositories/npm/hosted/fixed"), 404, '"Repository not found"')
    # PUT keeps the stored recipe and replaces online/attributes only
    body = hosted("fixed", "npm")
    body["online"] = False
    assert api.put("/v1/repositories/npm/hosted/fixed", json=body).status_code == 204
    got = api.get("/v1/repositories/raw/hosted/fixed").json()
    assert (got["format"], got["type"], got["online"]) == ("raw", "hosted", False)


# -- 6-8, 16. blob stores


def test_repository_blob_store_must_exist_and_is_immutable(api: Api) -> None:
    message_error(
        api.post("/v1/repositories/raw/hosted", json=hosted("r", blob="nope")), 400, '"Blob store not found"'
    )
    assert api.post("/v1/blobstores/file", json={"name": "other", "path": "other"}).status_code == 204
    assert api.post("/v1/repositories/raw/hosted", json=hosted("r")).status_code == 201
    message_error(
        api.put("/v1/repositories/raw/hosted/r", json=hosted("r", blob="other")),
        400,
        '"You cannot change a repository’s blob store through the API"',
    )
    message_error(
        api.put("/v1/repositories/raw/hosted/r", json=hosted("r", blob="nope")), 400, '"Blob store not found"'
    )


def test_blob_store_in_use_cannot_be_deleted(api: Api) -> None:
    assert api.post("/v1/blobstores/file", json={"name": "used", "path": "used"}).status_code == 204
    assert api.post("/v1/repositories/raw/hosted", json=hosted("user", blob="used")).status_code == 201
    message_error(api.delete("/v1/blobstores/used"), 400, '"BlobStore used is in use and cannot be deleted"')
    assert api.delete("/v1/repositories/user").status_code == 204
    assert api.delete("/v1/blobstores/used").status_code == 204
    message_error(api.delete("/v1/blobstores/used"), 404, "\"Unable to find  'used' blobstore\"")


def test_routing_rule_in_use_cannot_be_deleted(api: Api) -> None:
    rule = {"name": "library-only", "mode": "ALLOW", "matchers": ["^/v2/library/.*"]}
    assert api.post("/v1/routing-rules", json=rule).status_code == 204
    assert api.get("/v1/routing-rules/library-only").json() == {**rule, "description": ""}
    proxy = {"name": "hub", "online": True, "storage": STORAGE, **PROXY_PARTS, "routingRule": "library-only"}
    assert api.post("/v1/repositories/raw/proxy", json=proxy).status_code == 201
    message_error(
        api.delete("/v1/routing-rules/library-only"), 400, '"Routing rule is still in use by 1 repositories."'
    )
    assert api.delete("/v1/repositories/hub").status_code == 204
    assert api.delete("/v1/routing-rules/library-only").status_code == 204
    message_error(
        api.get("/v1/routing-rules/library-only"),
        404,
        "\"Did not find a routing rule with the name 'library-only'\"",
    )


def test_routing_rule_checks_its_matchers_and_put_renames(api: Api) -> None:
    bad = {"name": "bad", "mode": "BLOCK", "matchers": ["^/ok/.*", "^/v2/(library"]}
    list_error(
        api.post("/v1/routing-rules", json=bad),
        [{"id": "matchers[1]", "message": "Invalid regex: ^/v2/(library"}],
    )
    assert api.get("/v1/routing-rules").json() == []
    rule = {"name": "old", "description": "d", "mode": "BLOCK", "matchers": ["^/private/.*"]}
    assert api.post("/v1/routing-rules", json=rule).status_code == 204
    assert api.put("/v1/routing-rules/old", json={**rule, "name": "new"}).status_code == 204
    assert [r["name"] for r in api.get("/v1/routing-rules").json()] == ["new"]


def test_file_blob_store_duplicates_and_nested_paths(api: Api) -> None:
    empty(api.post("/v1/blobstores/file", json={"name": "Store", "path": "store"}), 204)
    list_error(
        api.post("/v1/blobstores/file", json={"name": "STORE", "path": "elsewhere"}),
        [{"id": "name", "message": "Name is already used, must be unique (ignoring case)"}],
    )
    for path in ("store", "store/nested", "/nexus-data/blobs/store"):
        resp = api.post("/v1/blobstores/file", json={"name": "n" + uuid.uuid4().hex[:6], "path": path})
        assert resp.status_code == 400
        (err,) = resp.json()
        assert err["id"] == "*"
        assert err["message"].startswith("A file blob store must have a unique path")
        assert err["message"].endswith("Blob stores with violations: Store")
    # found by its exact name only (observed on 3.71.0-06)
    assert api.get("/v1/blobstores/file/Store").json() == {"softQuota": None, "path": "store"}
    message_error(api.get("/v1/blobstores/file/store"), 404, "\"Unable to find File 'store' blobstore\"")
    message_error(api.get("/v1/blobstores/file/missing"), 404, "\"Unable to find File 'missing' blobstore\"")
    empty(api.get("/v1/blobstores/missing/quota-status"), 404)


def test_absolute_path_under_data_blobs_is_reported_relative(api: Api) -> None:
    assert (
        api.post("/v1/blobstores/file", json={"name": "abs", "path": "/nexus-data/blobs/abs"}).status_code
        == 204
    )
    assert api.get("/v1/blobstores/file/abs").json()["path"] == "abs"
    assert api.post("/v1/blobstores/file", json={"name": "out", "path": "/mnt/blobs/out"}).status_code == 204
    assert api.get("/v1/blobstores/file/out").json()["path"] == "/mnt/blobs/out"


def test_s3_create_is_201_and_secrets_are_placeholders(nexus_emulator: NexusEmulator, api: Api) -> None:
    body = {
        "name": "s3",
        "bucketConfiguration": {
            "bucket": {"region": "eu-west-1", "name": "b"},
            "bucketSecurity": {"accessKeyId": "AK", "secretAccessKey": "SK"},
        },
    }
    empty(api.post("/v1/blobstores/s3", json=body), 201)
    got = api.get("/v1/blobstores/s3/s3").json()
    assert got["bucketConfiguration"]["bucketSecurity"]["secretAccessKey"] == "#~NXRM~PLACEHOLDER~PASSWORD~#"
    assert api.put("/v1/blobstores/s3/s3", json=got).status_code == 204
    stored = nexus_emulator.state.blobstores.find("s3")
    assert stored is not None
    assert stored.bucket_configuration["bucketSecurity"]["secretAccessKey"] == "SK"
    dup = api.post("/v1/blobstores/s3", json=body)
    assert (dup.status_code, dup.text) == (400, "ValidationErrorXO{id='*', message='Duplicate key'}")


# -- 9-10. docker


def test_docker_ports_are_unique_not_8081_and_freed(api: Api) -> None:
    assert api.post("/v1/repositories/docker/hosted", json=docker_hosted("d1", 18082)).status_code == 201
    for body in (docker_hosted("d2", 18082), docker_hosted("d2", None, 18082), docker_hosted("d2", 8081)):
        resp = api.post("/v1/repositories/docker/hosted", json=body)
        assert resp.status_code == 400, resp.text
        assert isinstance(resp.json(), list)
    assert api.get("/v1/repositories/docker/hosted/d2").status_code == 404
    # updating d1 with its own port is fine; removing the port frees it
    assert api.put("/v1/repositories/docker/hosted/d1", json=docker_hosted("d1", 18082)).status_code == 204
    assert api.put("/v1/repositories/docker/hosted/d1", json=docker_hosted("d1")).status_code == 204
    assert api.post("/v1/repositories/docker/hosted", json=docker_hosted("d2", 18082)).status_code == 201
    assert api.delete("/v1/repositories/d2").status_code == 204
    assert api.post("/v1/repositories/docker/hosted", json=docker_hosted("d3", 18082)).status_code == 201


def test_docker_names_must_be_lowercase(api: Api) -> None:
    list_error(
        api.post("/v1/repositories/docker/hosted", json=docker_hosted("Upper")),
        [
            {
                "id": "PARAMETER arg0",
                "message": "Docker repository names must be lowercase to support path-based routing",
            }
        ],
    )
    assert api.post("/v1/repositories/raw/hosted", json=hosted("Upper")).status_code == 201


# -- 11-13. groups and deletes


def test_deleting_a_repository_removes_it_from_groups(api: Api) -> None:
    for name in ("m1", "m2"):
        assert api.post("/v1/repositories/raw/hosted", json=hosted(name)).status_code == 201
    assert api.post("/v1/repositories/raw/group", json=group("g", ["m1", "m2"])).status_code == 201
    assert api.delete("/v1/repositories/m1").status_code == 204
    assert api.get("/v1/repositories/raw/group/g").json()["group"]["memberNames"] == ["m2"]


def test_group_members_must_exist_and_share_the_format(api: Api) -> None:
    assert api.post("/v1/repositories/raw/hosted", json=hosted("rawm")).status_code == 201
    assert api.post("/v1/repositories/npm/hosted", json=hosted("npmm", "npm")).status_code == 201
    resp = api.post("/v1/repositories/raw/group", json=group("g", ["rawm", "ghost", "npmm"]))
    assert resp.status_code == 400
    assert [e["message"] for e in resp.json()] == [
        "Member repository does not exist: ghost",
        "Member repository format does not match group repository format: npmm",
    ]


def test_group_needs_at_least_one_member(api: Api) -> None:
    list_error(
        api.post("/v1/repositories/raw/group", json=group("g", [])),
        [{"id": "PARAMETER memberNames", "message": "must not be empty"}],
    )


def test_writable_member_is_pro_only(api: Api, pro: NexusEmulator) -> None:
    assert api.post("/v1/repositories/npm/hosted", json=hosted("n1", "npm")).status_code == 201
    resp = api.post("/v1/repositories/npm/group", json=group("ng", ["n1"], writable="n1"))
    assert resp.status_code == 400
    assert "Deploying to groups is a PRO-licensed feature" in resp.json()[0]["message"]
    pro_api = Api(pro)
    assert pro_api.post("/v1/repositories/npm/hosted", json=hosted("n1", "npm")).status_code == 201
    assert (
        pro_api.post("/v1/repositories/npm/group", json=group("ng", ["n1"], writable="n1")).status_code == 201
    )
    assert pro_api.get("/v1/repositories/npm/group/ng").json()["group"]["writableMember"] == "n1"


def test_unknown_repository_delete_and_put_are_404_empty(api: Api) -> None:
    empty(api.delete("/v1/repositories/ghost"), 404)
    empty(api.put("/v1/repositories/raw/hosted/ghost", json=hosted("ghost")), 404)


# -- 14-15. rendering


def test_nulls_present_and_proxy_password_never_returned(api: Api) -> None:
    body: dict[str, Any] = {
        "name": "dp",
        "online": True,
        "storage": dict(STORAGE),
        **PROXY_PARTS,
        "docker": {"v1Enabled": False, "forceBasicAuth": True},
        "dockerProxy": {"indexType": "HUB"},
    }
    body["httpClient"] = dict(
        body["httpClient"], authentication={"type": "username", "username": "u", "password": "s3cret"}
    )
    assert api.post("/v1/repositories/docker/proxy", json=body).status_code == 201
    resp = api.get("/v1/repositories/docker/proxy/dp")
    got = resp.json()
    assert got["docker"]["httpPort"] is None
    assert got["cleanup"] is None
    assert got["dockerProxy"]["cacheForeignLayers"] is None
    assert got["dockerProxy"]["foreignLayerUrlWhitelist"] == []
    assert got["httpClient"]["authentication"]["username"] == "u"
    assert got["httpClient"]["authentication"]["password"] is None
    assert "writePolicy" not in got["storage"]
    assert "replication" not in got
    assert '"httpPort" : null' in resp.text
    assert "s3cret" not in resp.text


def test_write_policy_is_echoed_as_sent(api: Api) -> None:
    assert (
        api.post("/v1/repositories/raw/hosted", json=hosted("wp", write_policy="allow_once")).status_code
        == 201
    )
    assert api.get("/v1/repositories/raw/hosted/wp").json()["storage"]["writePolicy"] == "allow_once"
    resp = api.post("/v1/repositories/raw/hosted", json=hosted("bad", write_policy="sometimes"))
    assert resp.status_code == 400
    assert resp.json()[0]["id"] == "PARAMETER writePolicy"


def test_other_enums_are_read_in_any_case(api: Api) -> None:
    body = hosted("mv", "maven", maven={"versionPolicy": "snapshot", "layoutPolicy": "permissive"})
    assert api.post("/v1/repositories/maven/hosted", json=body).status_code == 201
    maven = api.get("/v1/repositories/maven/hosted/mv").json()["maven"]
    assert (maven["versionPolicy"], maven["layoutPolicy"]) == ("SNAPSHOT", "PERMISSIVE")


# -- 17. admin bootstrap


def test_first_start_admin_password_file(tmp_path: Path) -> None:
    with NexusEmulator(data_dir=str(tmp_path)) as emulator:
        pw_file = tmp_path / "admin.password"
        password = pw_file.read_text()
        assert re.fullmatch(r"[0-9a-f-]{36}", password) and not password.endswith("\n")
        api = Api(emulator, password=password)
        (admin,) = api.get("/v1/security/users", params={"userId": "admin"}).json()
        assert admin["status"] == "changepassword"
        blank = api.put(
            "/v1/security/users/admin/change-password", data=" ", headers={"Content-Type": "text/plain"}
        )
        message_error(blank, 400, '"Password must be supplied."')
        empty(api.put("/v1/security/users/admin/change-password", json="new"), 415)
        assert pw_file.exists()
        empty(
            api.put(
                "/v1/security/users/admin/change-password",
                data="n3w-pw",
                headers={"Content-Type": "text/plain"},
            ),
            204,
        )
        assert not pw_file.exists()
        assert api.get("/v1/security/users").status_code == 401
        (admin,) = (
            Api(emulator, password="n3w-pw").get("/v1/security/users", params={"userId": "admin"}).json()
        )
        assert admin["status"] == "active"
        message_error(
            Api(emulator, password="n3w-pw").put(
                "/v1/security/users/ghost/change-password", data="x", headers={"Content-Type": "text/plain"}
            ),
            404,
            "\"User 'ghost' not found.\"",
        )


# -- 18. EULA


def test_eula(api: Api, pro: NexusEmulator) -> None:
    assert api.get("/v1/system/eula").json() == {"disclaimer": EULA_DISCLAIMER, "accepted": False}
    bad = api.post(
        "/v1/system/eula", json={"disclaimer": EULA_DISCLAIMER.replace("‘", "'"), "accepted": True}
    )
    assert bad.status_code == 500
    assert bad.headers["Content-Type"].startswith("text/plain")
    assert re.fullmatch(
        r"ERROR: \(ID [0-9a-f-]{36}\) java\.lang\.IllegalArgumentException: Invalid EULA disclaimer", bad.text
    )
    empty(api.post("/v1/system/eula", json={"disclaimer": EULA_DISCLAIMER, "accepted": True}), 204)
    assert api.get("/v1/system/eula").json()["accepted"] is True
    assert Api(pro).get("/v1/system/eula").status_code == 404


# -- 19-20. realms, users


def test_realms(api: Api) -> None:
    assert api.get("/v1/security/realms/active").json() == ["NexusAuthenticatingRealm"]
    available = api.get("/v1/security/realms/available").json()
    # sorted by name as Java compares strings (upper case first: "npm ..." last)
    assert [r["id"] for r in available] == [
        "ConanToken", "DefaultRole", "DockerToken", "LdapRealm", "NexusAuthenticatingRealm", "NuGetApiKey",
        "rutauth-realm", "NpmToken",
    ]  # fmt: skip
    assert available[-1]["name"] == "npm Bearer Token Realm"
    assert "NexusAuthorizingRealm" not in {r["id"] for r in available}
    bad = api.put("/v1/security/realms/active", json=["NexusAuthenticatingRealm", "Nope"])
    assert bad.status_code == 400
    assert bad.text == "ValidationErrorXO{id='*', message='\"Unknown realmIds: [Nope]\"'}"
    assert (
        api.put("/v1/security/realms/active", json=["DockerToken", "NexusAuthenticatingRealm"]).status_code
        == 204
    )
    assert api.get("/v1/security/realms/active").json() == ["DockerToken", "NexusAuthenticatingRealm"]
    anon = {"enabled": True, "userId": "anonymous", "realmName": "NexusAuthorizingRealm"}
    assert api.put("/v1/security/anonymous", json=anon).json() == anon
    list_error(
        api.put("/v1/security/anonymous", json=dict(anon, realmName="LdapRealm")),
        [{"id": "realmName", "message": "Realm does not exist"}],
    )


def test_users(nexus_emulator: NexusEmulator, api: Api) -> None:
    assert [u["userId"] for u in api.get("/v1/security/users", params={"userId": "AD"}).json()] == ["admin"]
    user = {
        "userId": "ci",
        "firstName": "C",
        "lastName": "I",
        "emailAddress": "ci@example.org",
        "password": "pw",
        "status": "active",
        "roles": ["nx-admin"],
    }
    created = api.post("/v1/security/users", json=user)
    assert created.status_code == 200 and created.json()["source"] == "default"
    list_error(
        api.put("/v1/security/users/ci", json=dict(user, roles=["ghost-role"])),
        [{"id": "roles", "message": "Unable to locate roleId: ghost-role"}],
    )
    self_delete = Api(nexus_emulator, "ci", "pw").delete("/v1/security/users/ci")
    assert self_delete.status_code == 500 and "Can not delete currently signed in user" in self_delete.text
    anon_delete = api.delete("/v1/security/users/anonymous")
    assert anon_delete.status_code == 500 and "Can not delete anonymous user" in anon_delete.text
    empty(api.delete("/v1/security/users/ci"), 204)


def test_roles_and_repository_privileges(api: Api) -> None:
    assert api.post("/v1/repositories/raw/hosted", json=hosted("priv")).status_code == 201
    names = {p["name"] for p in api.get("/v1/security/privileges").json()}
    assert {
        "nx-repository-view-raw-priv-read",
        "nx-repository-view-raw-priv-*",
        "nx-repository-admin-raw-priv-edit",
    } <= names
    message_error(
        api.put("/v1/security/roles/nx-admin", json={"id": "nx-admin", "name": "x"}),
        400,
        "\"Role 'nx-admin' is internal and cannot be modified or deleted.\"",
    )
    bad = api.post("/v1/security/roles", json={"id": "r", "name": "r", "privileges": ["nx-nope"]})
    assert bad.status_code == 400
    role = {"id": "r", "name": "r", "privileges": ["nx-repository-view-raw-priv-read"], "roles": []}
    assert api.post("/v1/security/roles", json=role).json()["readOnly"] is False
    message_error(
        api.post("/v1/security/roles", json=role), 400, "\"Role 'r' already exists, use a unique roleId.\""
    )
    assert api.delete("/v1/repositories/priv").status_code == 204
    names = {p["name"] for p in api.get("/v1/security/privileges").json()}
    assert not any("-raw-priv-" in n for n in names)
    message_error(api.get("/v1/security/roles/ghost"), 404, "\"Role 'ghost' not found.\"")


def test_ldap_never_returns_the_bind_password(api: Api) -> None:
    ldap = {
        "name": "corp",
        "protocol": "LDAPS",
        "host": "ldap",
        "port": 636,
        "searchBase": "dc=x",
        "authScheme": "simple",
        "authUsername": "cn=b",
        "authPassword": "bindpw",
        "connectionTimeoutSeconds": 30,
        "connectionRetryDelaySeconds": 300,
        "maxIncidentsCount": 3,
    }
    empty(api.post("/v1/security/ldap", json=ldap), 201)
    got = api.get("/v1/security/ldap/corp")
    assert "authPassword" not in got.json() and "bindpw" not in got.text
    assert got.json()["protocol"] == "ldaps" and got.json()["order"] == 0


# -- 21. cleanup policies


def test_cleanup_policies_pro(pro: NexusEmulator) -> None:
    api = Api(pro)
    policy = {"name": "old-docker", "format": "docker", "criteriaLastBlobUpdated": 30}
    empty(api.post("/v1/cleanup-policies", json=policy), 201)
    assert api.post("/v1/cleanup-policies", json=policy).status_code == 409
    body = hosted("dh", "docker", cleanup={"policyNames": ["old-docker", "unknown-policy"]})
    assert api.post("/v1/repositories/docker/hosted", json=body).status_code == 201
    mismatch = api.post(
        "/v1/repositories/raw/hosted", json=hosted("rh", cleanup={"policyNames": ["old-docker"]})
    )
    assert mismatch.status_code == 400
    assert mismatch.json()[0]["message"] == (
        "Repository rh is of format type raw, unable to assign cleanup policy old-docker "
        "of format type docker"
    )
    assert api.delete("/v1/cleanup-policies/old-docker").status_code == 204
    assert api.get("/v1/repositories/docker/hosted/dh").json()["cleanup"]["policyNames"] == ["unknown-policy"]


def test_default_repositories_seed() -> None:
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, default_repositories=True) as emulator:
        api = Api(emulator)
        names = [r["name"] for r in api.get("/v1/repositories").json()]
        assert names == ["maven-releases", "maven-snapshots", "maven-central", "maven-public"]
        public = api.get("/v1/repositories/maven/group/maven-public").json()
        assert public["group"]["memberNames"] == ["maven-releases", "maven-snapshots", "maven-central"]
        message_error(
            api.delete("/v1/blobstores/default"), 400, '"BlobStore default is in use and cannot be deleted"'
        )


def test_cleanup_policies_community_is_404(api: Api) -> None:
    empty(api.get("/v1/cleanup-policies"), 404)


# -- 22. tasks


def task(**overrides: Any) -> dict[str, Any]:
    body = {
        "type": "repository.docker.gc",
        "name": "gc",
        "enabled": True,
        "notificationCondition": "FAILURE",
        "frequency": {"schedule": "manual"},
        "properties": {"repositoryName": "*"},
    }
    body.update(overrides)
    return body


def test_task_run_stop_and_errors(nexus_emulator: NexusEmulator, api: Api) -> None:
    created = api.post("/v1/tasks", json=task())
    assert created.status_code == 201
    tid = created.json()["id"]
    empty(api.post(f"/v1/tasks/{tid}/stop"), 409)
    empty(api.post(f"/v1/tasks/{tid}/run"), 204)
    assert api.get(f"/v1/tasks/{tid}").json()["lastRunResult"] == "OK"
    nexus_emulator.set_task_running(tid)
    empty(api.post(f"/v1/tasks/{tid}/stop"), 204)
    assert api.put(f"/v1/tasks/{tid}", json=task(enabled=False)).status_code == 204
    empty(api.post(f"/v1/tasks/{tid}/run"), 405)
    empty(api.get("/v1/tasks/nope"), 404)
    empty(api.post("/v1/tasks/nope/run"), 404)
    assert api.get("/v1/tasks", params={"type": "blobstore.compact"}).json() == {
        "items": [],
        "continuationToken": None,
    }
    assert len(api.get("/v1/tasks", params={"type": "repository.docker.gc"}).json()["items"]) == 1
    empty(api.delete(f"/v1/tasks/{tid}"), 204)
    empty(api.delete(f"/v1/tasks/{tid}"), 404)


@pytest.mark.parametrize(
    "frequency",
    [
        {"schedule": "weekly", "recurringDays": [0], "startDate": 1_700_000_000_000},
        {"schedule": "weekly", "recurringDays": [8], "startDate": 1_700_000_000_000},
        {"schedule": "weekly", "startDate": 1_700_000_000_000},
        {"schedule": "daily", "startDate": 1_700_000_000},  # seconds, not milliseconds
        {"schedule": "fortnightly"},
        {"schedule": "cron"},
    ],
)
def test_task_frequency_validation(api: Api, frequency: dict[str, Any]) -> None:
    resp = api.post("/v1/tasks", json=task(frequency=frequency))
    assert resp.status_code == 400
    assert resp.json()[0]["id"].startswith("frequency.")


def test_task_required_property_and_start_date_rendering(api: Api) -> None:
    missing = api.post("/v1/tasks", json=task(type="blobstore.compact", properties={}))
    assert missing.status_code == 400 and missing.json()[0]["id"] == "properties.blobstoreName"
    freq = {
        "schedule": "weekly",
        "recurringDays": [1, 7],
        "startDate": 1_700_000_000_000,
        "timeZoneOffset": "+00:00",
    }
    created = api.post(
        "/v1/tasks",
        json=task(type="blobstore.compact", frequency=freq, properties={"blobstoreName": "default"}),
    ).json()
    assert created["startDate"].startswith("2023-11-14T22:13:20")
    assert created["recurringDays"] == [1, 7] and created["schedule"] == "weekly"


# -- output format, error shapes, validation, auth


def test_pretty_json_and_server_header(nexus_emulator: NexusEmulator, api: Api) -> None:
    resp = api.get("/v1/security/anonymous")
    assert resp.text.startswith('{\n  "enabled" : true,\n')
    assert resp.headers["Server"] == "Nexus/3.93.2-01 (COMMUNITY)"
    nexus_emulator.set_version("3.85.0-03", "PRO")
    assert api.get("/v1/status").headers["Server"] == "Nexus/3.85.0-03 (PRO)"
    assert requests.get(api.base + "/v1/nothing", timeout=5).headers["Server"] == "Nexus/3.85.0-03 (PRO)"


def test_four_error_shapes(api: Api) -> None:
    # 1: bean validation
    list_error(
        api.post(
            "/v1/repositories/raw/hosted",
            json={"online": True, "storage": STORAGE | {"writePolicy": "ALLOW"}},
        ),
        [{"id": "PARAMETER name", "message": "must not be null"}],
    )
    # 2: ValidationErrorsException
    api.post("/v1/blobstores/file", json={"name": "x1", "path": "x1"})
    list_error(
        api.post("/v1/blobstores/file", json={"name": "X1", "path": "x2"}),
        [{"id": "name", "message": "Name is already used, must be unique (ignoring case)"}],
    )
    # 3: WebApplicationMessageException, JSON and text/plain
    message_error(api.get("/v1/repositories/raw/hosted/none"), 404, '"Repository not found"')
    # 4: unexpected exception
    resp = api.delete("/v1/security/users/admin")
    assert resp.status_code == 500 and resp.headers["Content-Type"].startswith("text/plain")
    fault = resp.headers["X-Siesta-FaultId"]
    assert (
        resp.text
        == f"ERROR: (ID {fault}) java.lang.IllegalArgumentException: Can not delete currently signed in user"
    )


def test_request_body_validation(api: Api) -> None:
    bad_name = api.post("/v1/repositories/raw/hosted", json=hosted("_bad"))
    list_error(
        bad_name,
        [
            {
                "id": "PARAMETER name",
                "message": "Only letters, digits, underscores(_), hyphens(-), "
                "and dots(.) are allowed and may not start with "
                "underscore or dot.",
            }
        ],
    )
    timeout = {"name": "px", "online": True, "storage": STORAGE, **PROXY_PARTS}
    timeout["httpClient"] = {"connection": {"timeout": 0}}
    list_error(
        api.post("/v1/repositories/raw/proxy", json=timeout),
        [{"id": "PARAMETER timeout", "message": "must be greater than or equal to 1"}],
    )
    unknown_field = dict(hosted("extra"), somethingNew=True, cleanup=None)
    assert api.post("/v1/repositories/raw/hosted", json=unknown_field).status_code == 201
    empty(api.post("/v1/repositories/raw/hosted", data="name=x", headers={"Content-Type": "text/plain"}), 415)


def test_authentication_and_authorisation(nexus_emulator: NexusEmulator, api: Api) -> None:
    bad = Api(nexus_emulator, "admin", "wrong").get("/v1/repositories")
    assert bad.status_code == 401
    assert bad.headers["WWW-Authenticate"] == 'BASIC realm="Sonatype Nexus Repository Manager"'
    anonymous = Api(nexus_emulator, password=None)
    assert anonymous.get("/v1/repositories").status_code == 200  # nx-anonymous may browse
    empty(anonymous.get("/v1/blobstores"), 403)  # no credentials: never a 401 challenge
    api.put(
        "/v1/security/anonymous",
        json={"enabled": False, "userId": "anonymous", "realmName": "NexusAuthorizingRealm"},
    )
    assert anonymous.get("/v1/repositories").json() == []
    empty(anonymous.get("/v1/blobstores"), 403)
    assert "WWW-Authenticate" not in anonymous.get("/v1/blobstores").headers
    assert anonymous.get("/v1/status").status_code == 200
    api.post(
        "/v1/security/roles",
        json={"id": "ro", "name": "ro", "privileges": ["nx-blobstores-read", "nx-repository-admin-*-*-read"]},
    )
    api.post(
        "/v1/security/users",
        json={
            "userId": "reader",
            "firstName": "R",
            "lastName": "R",
            "emailAddress": "r@example.org",
            "password": "rpw",
            "status": "active",
            "roles": ["ro"],
        },
    )
    reader = Api(nexus_emulator, "reader", "rpw")
    assert reader.get("/v1/blobstores").status_code == 200
    denied = reader.post("/v1/blobstores/file", json={"name": "n", "path": "n"})
    empty(denied, 403)
    assert denied.headers.get("X-Siesta-FaultId")
    empty(reader.get("/v1/security/users"), 403)
    api.post("/v1/repositories/raw/hosted", json=hosted("visible"))
    assert reader.get("/v1/repositories/raw/hosted/visible").status_code == 200
    empty(reader.delete("/v1/repositories/visible"), 403)
    assert reader.get("/v1/repositories").json() == []  # no browse privilege
    api.put(
        "/v1/security/users/reader",
        json={
            "userId": "reader",
            "firstName": "R",
            "lastName": "R",
            "emailAddress": "r@example.org",
            "status": "disabled",
            "roles": ["ro"],
        },
    )
    assert reader.get("/v1/blobstores").status_code == 401


def test_unknown_path_and_method(api: Api) -> None:
    empty(api.get("/v1/not-a-thing"), 404)
    assert api.get("/v1/not-a-thing").headers.get("X-Siesta-FaultId")
    empty(api.patch("/v1/repositories"), 405)


# -- knobs


def test_fail_next_requests(nexus_emulator: NexusEmulator, api: Api) -> None:
    nexus_emulator.fail_next(2, 503, method="GET", path_prefix="/service/rest/v1/repositories")
    assert api.get("/v1/blobstores").status_code == 200  # other paths unaffected
    empty(api.get("/v1/repositories"), 503)
    assert api.post("/v1/repositories/raw/hosted", json=hosted("f")).status_code == 201  # other method
    empty(api.get("/v1/repositories"), 503)
    assert api.get("/v1/repositories").status_code == 200
    nexus_emulator.fail_next(1, 500)
    failed = api.post("/v1/repositories/raw/hosted", json=hosted("never"))
    assert failed.status_code == 500 and failed.text.startswith("ERROR: (ID ")
    assert api.get("/v1/repositories/raw/hosted/never").status_code == 404  # not applied


def test_latency(nexus_emulator: NexusEmulator, api: Api) -> None:
    nexus_emulator.set_latency(0.3)
    start = time.monotonic()
    api.get("/v1/status")
    assert time.monotonic() - start >= 0.3
    nexus_emulator.reset(state=False)
    start = time.monotonic()
    api.get("/v1/status")
    assert time.monotonic() - start < 0.3


def test_dropped_response_applies_the_write(nexus_emulator: NexusEmulator, api: Api) -> None:
    nexus_emulator.drop_next_write()
    assert api.get("/v1/repositories").status_code == 200  # reads are not dropped
    # a write rejected before reaching its resource (401) is answered and does not use the drop
    assert (
        Api(nexus_emulator, "admin", "bad").post("/v1/repositories/raw/hosted", json=hosted("x")).status_code
        == 401
    )
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/repositories/raw/hosted", json=hosted("dropped"))
    assert api.get("/v1/repositories/raw/hosted/dropped").status_code == 200
    rejected, rec = nexus_emulator.requests("POST")
    assert not rejected.dropped and rejected.status == 401
    assert rec.dropped and rec.status == 201 and rec.write


def test_request_log_counts(nexus_emulator: NexusEmulator, api: Api) -> None:
    api.get("/v1/repositories")
    api.post("/v1/repositories/raw/hosted", json=hosted("logged"))
    api.put("/v1/repositories/raw/hosted/logged", json=hosted("logged"))
    api.get("/v1/repositories/raw/hosted/logged")
    api.delete("/v1/repositories/logged")
    assert (nexus_emulator.count_reads(), nexus_emulator.count_writes()) == (2, 3)
    assert [(r.method, r.status) for r in nexus_emulator.request_log] == [
        ("GET", 200),
        ("POST", 201),
        ("PUT", 204),
        ("GET", 200),
        ("DELETE", 204),
    ]
    assert nexus_emulator.count_writes("/service/rest/v1/repositories/raw") == 2
    nexus_emulator.call("GET", "/v1/repositories")  # out of band: not logged
    assert len(nexus_emulator.request_log) == 5
    nexus_emulator.clear_log()
    assert nexus_emulator.request_log == []


def test_snapshot_round_trip_and_out_of_band_changes(nexus_emulator: NexusEmulator, api: Api) -> None:
    initial = nexus_emulator.snapshot()
    json.dumps(initial)  # plain data
    api.post("/v1/blobstores/file", json={"name": "tmp", "path": "tmp"})
    api.post("/v1/repositories/docker/hosted", json=docker_hosted("tmp", 18090))
    assert nexus_emulator.snapshot() != initial
    api.delete("/v1/repositories/tmp")
    api.delete("/v1/blobstores/tmp")
    assert nexus_emulator.snapshot() == initial
    resp = nexus_emulator.call("POST", "/v1/repositories/raw/hosted", hosted("oob"))
    assert resp.status == 201
    assert api.get("/v1/repositories/raw/hosted/oob").status_code == 200
    nexus_emulator.reset()
    assert nexus_emulator.snapshot() == initial


# -- standalone CLI and HTTP control endpoints


def test_cli_and_http_control_endpoints(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.nexus_emulator",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
            "--startup-seconds",
            "0.3",
            "--version",
            "3.90.1-01",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        eventually(
            lambda: requests.get(base + "/service/rest/v1/status/writable", timeout=2).status_code == 200,
            timeout=60,
            interval=0.05,
            ignore=(requests.ConnectionError,),
            message="emulator did not become ready",
        )
        ctl = base + "/__emulator"
        assert requests.delete(ctl + "/log", timeout=5).status_code == 200  # forget the polling
        password = (tmp_path / "admin.password").read_text()
        auth = ("admin", password)
        resp = requests.get(base + "/service/rest/v1/repositories", auth=auth, timeout=5)
        assert resp.headers["Server"] == "Nexus/3.90.1-01 (COMMUNITY)"
        assert requests.post(ctl + "/fail", json={"count": 1, "status": 503}, timeout=5).status_code == 200
        assert requests.get(base + "/service/rest/v1/status", timeout=5).status_code == 503
        assert requests.get(base + "/service/rest/v1/status", timeout=5).status_code == 200
        requests.post(ctl + "/drop", json={"count": 1}, timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.post(
                base + "/service/rest/v1/repositories/raw/hosted", json=hosted("cli"), auth=auth, timeout=5
            )
        log = requests.get(ctl + "/log", timeout=5).json()
        # three GETs (repositories, the failed status, status) and the dropped POST
        assert (log["reads"], log["writes"]) == (3, 1) and log["entries"][-1]["dropped"] is True
        state = requests.get(ctl + "/state", timeout=5).json()
        assert "cli" in state["repositories"]
        call = requests.post(
            ctl + "/call", json={"method": "DELETE", "path": "/v1/repositories/cli"}, timeout=5
        )
        assert call.json()["status"] == 204
        requests.post(ctl + "/phase", json={"phase": "starting"}, timeout=5)
        assert requests.get(base + "/service/rest/v1/status", timeout=5).status_code == 503
        requests.post(ctl + "/phase", json={"phase": "ready"}, timeout=5)
        requests.post(ctl + "/writable", json={"writable": False}, timeout=5)
        assert requests.get(base + "/service/rest/v1/status/writable", timeout=5).status_code == 503
        assert requests.post(ctl + "/reset", json={"state": True}, timeout=5).status_code == 200
        assert requests.get(ctl + "/log", timeout=5).json()["entries"] == []
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_light_mode_skips_validation_and_keeps_only_counts() -> None:
    # The benchmark's mode: the conformance suite and every other test keep validation and records.
    role = {"id": "bench-role", "name": "bench-role", "description": 5, "privileges": [], "roles": []}
    auth = ("admin", TEST_ADMIN_PASSWORD)
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD) as checked:
        created = requests.post(f"{checked.url}/service/rest/v1/security/roles", json=role, auth=auth)
        assert created.status_code == 400
        assert checked.count_writes() == 1 and len(checked.requests()) == 1
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, light=True) as light:
        created = requests.post(f"{light.url}/service/rest/v1/security/roles", json=role, auth=auth)
        assert created.status_code == 200
        assert requests.get(f"{light.url}/service/rest/v1/security/roles", auth=auth).status_code == 200
        assert (light.count_reads(), light.count_writes(), light.requests()) == (1, 1, [])
        assert light.busy_seconds > 0
        light.clear_log()
        assert (light.count_reads(), light.count_writes(), light.busy_seconds) == (0, 0, 0.0)
