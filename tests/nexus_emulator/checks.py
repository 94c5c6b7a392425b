"""Behaviour checks of the open-source Nexus core (3.71.0-06), runnable against any server.

Each ``check_*`` function takes a :class:`Target` (base URL, admin credentials, data dir) and makes
plain ``requests`` calls, so the same checks run against the emulator (``edition="OSS"``) and a
real Nexus. They assert what was observed on the real 3.71.0-06 (``docs/nexus-behaviour.md``).
They create objects with unique names and remove them again; the anonymous settings are restored.
``OSS_CHECKS`` lists them all.
"""

from __future__ import annotations

import posixpath
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

VALIDATION_MEDIA_TYPE = "application/vnd.siesta-validation-errors-v1+json"
CHALLENGE = 'BASIC realm="Sonatype Nexus Repository Manager"'
TASK_FIELDS_BEFORE_3_92 = {
    "id",
    "name",
    "type",
    "message",
    "currentState",
    "lastRunResult",
    "nextRun",
    "lastRun",
}
TIMEOUT = 30


@dataclass(frozen=True)
class Target:
    url: str
    """Base URL of the server, e.g. ``http://127.0.0.1:8081`` (the API is under /service/rest)."""
    user: str
    password: str
    data_dir: str
    """The server's data directory (``/nexus-data`` in the image, ``KARAF_DATA`` for the core zip)."""

    @property
    def api(self) -> str:
        return self.url + "/service/rest"

    def call(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> requests.Response:
        return requests.request(
            method,
            self.api + path,
            auth=(self.user, self.password) if auth else None,
            timeout=TIMEOUT,
            **kwargs,
        )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def raw_hosted(name: str, blob_store: str | None = "default") -> dict[str, Any]:
    storage: dict[str, Any] = {"strictContentTypeValidation": True, "writePolicy": "ALLOW"}
    if blob_store is not None:
        storage["blobStoreName"] = blob_store
    return {"name": name, "online": True, "storage": storage}


def user_body(user_id: str, roles: list[str], password: str = "pw-1") -> dict[str, Any]:
    return {
        "userId": user_id,
        "firstName": "F",
        "lastName": "L",
        "emailAddress": f"{user_id}@example.org",
        "password": password,
        "status": "active",
        "roles": roles,
    }


# -- assertions on the wire form ------------------------------------------------------------------


def assert_empty(resp: requests.Response, status: int, *, fault_id: bool) -> None:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.content == b""
    assert ("X-Siesta-FaultId" in resp.headers) is fault_id, resp.headers


def assert_message(resp: requests.Response, status: int, message: str) -> None:
    """``{"id" : "*", "message" : "\\"...\\""}``: pretty JSON, literal quotes, no fault id."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json() == {"id": "*", "message": f'"{message}"'}
    assert resp.text.startswith('{\n  "id" : "*",')
    assert "X-Siesta-FaultId" not in resp.headers


def assert_validation_list(resp: requests.Response, expected: list[dict[str, str]]) -> None:
    """A 400 list with Siesta's media type and a fault id; the order is not fixed. On one line or
    indented: the real server does either, per run (docs/nexus-behaviour.md, Known differences)."""
    assert resp.status_code == 400, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"] == VALIDATION_MEDIA_TYPE
    assert resp.headers.get("X-Siesta-FaultId")
    key = lambda e: (e["id"], e["message"])  # noqa: E731
    assert sorted(resp.json(), key=key) == sorted(expected, key=key)


def assert_unexpected(resp: requests.Response, exception: str, message: str) -> None:
    """500 text/plain ``ERROR: (ID <fault id>) <exception>: <message>``."""
    assert resp.status_code == 500, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"].replace(" ", "").lower() == "text/plain;charset=utf-8"
    fault = resp.headers["X-Siesta-FaultId"]
    assert resp.text == f"ERROR: (ID {fault}) {exception}: {message}"


# -- edition and version ------------------------------------------------------------------------------


def check_server_header_names_the_oss_core(t: Target) -> None:
    resp = t.call("GET", "/v1/status", auth=False)
    assert resp.status_code == 200
    assert re.fullmatch(r"Nexus/3\.\d+\.\d+-\d+ \(OSS\)", resp.headers["Server"]), resp.headers["Server"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def check_missing_features_are_404_empty(t: Target) -> None:
    for method, path in (
        ("POST", "/v1/repositories/docker/hosted"),
        ("GET", "/v1/repositories/docker/hosted/x"),
        ("POST", "/v1/repositories/npm/hosted"),
        ("POST", "/v1/repositories/pypi/proxy"),
        ("GET", "/v1/security/ldap"),
        ("GET", "/v1/system/eula"),
        ("GET", "/v1/cleanup-policies"),
        ("GET", "/v1/tasks/templates"),
    ):
        resp = t.call(method, path, json={} if method == "POST" else None)
        assert_empty(resp, 404, fault_id=True)


def _some_task(t: Target) -> dict[str, Any]:
    items = t.call("GET", "/v1/tasks").json()["items"]
    assert items, "a fresh core has the assetBlob.cleanup and repository.cleanup tasks"
    return dict(items[0])


def check_task_writes_are_405_empty(t: Target) -> None:
    assert_empty(t.call("POST", "/v1/tasks", json={"type": "blobstore.compact"}), 405, fault_id=True)
    task = _some_task(t)
    assert_empty(t.call("PUT", f"/v1/tasks/{task['id']}", json={}), 405, fault_id=True)
    assert_empty(t.call("DELETE", f"/v1/tasks/{task['id']}"), 405, fault_id=True)
    assert t.call("GET", f"/v1/tasks/{task['id']}").status_code == 200


def check_task_get_has_no_schedule_before_3_92(t: Target) -> None:
    types = {i["type"] for i in t.call("GET", "/v1/tasks").json()["items"]}
    assert {"assetBlob.cleanup", "repository.cleanup"} <= types
    task = _some_task(t)
    assert set(task) == TASK_FIELDS_BEFORE_3_92
    assert set(t.call("GET", f"/v1/tasks/{task['id']}").json()) == TASK_FIELDS_BEFORE_3_92
    assert_empty(t.call("GET", "/v1/tasks/no-such-task"), 404, fault_id=True)


def check_only_the_core_realms(t: Target) -> None:
    available = t.call("GET", "/v1/security/realms/available").json()
    assert available == [
        {"id": "DefaultRole", "name": "Default Role Realm"},
        {"id": "NexusAuthenticatingRealm", "name": "Local Authenticating Realm"},
    ]
    resp = t.call("PUT", "/v1/security/realms/active", json=["NexusAuthenticatingRealm", "DockerToken"])
    assert resp.status_code == 400
    assert resp.headers["Content-Type"].replace(" ", "").lower() == "text/plain;charset=utf-8"
    assert resp.text == "ValidationErrorXO{id='*', message='\"Unknown realmIds: [DockerToken]\"'}"
    assert "X-Siesta-FaultId" not in resp.headers


# -- repositories and blob stores ---------------------------------------------------------------------


def check_names_differing_only_in_case_both_exist(t: Target) -> None:
    base = unique("case")
    first, second, third = base.capitalize(), base, base.upper()
    created = []
    try:
        for name, fmt, extra in (
            (first, "raw", {}),
            (second, "raw", {}),
            (third, "maven", {"maven": {"versionPolicy": "RELEASE", "layoutPolicy": "STRICT"}}),
        ):
            resp = t.call("POST", f"/v1/repositories/{fmt}/hosted", json=raw_hosted(name) | extra)
            assert_empty(resp, 201, fault_id=False)
            created.append(name)
        assert_message(
            t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(second)), 400, "Duplicate key"
        )
        names = [r["name"] for r in t.call("GET", "/v1/repositories").json()]
        assert [n for n in names if n.lower() == base] == [first, second, third]
        # every lookup resolves to the first created, whatever the URL says
        assert t.call("GET", f"/v1/repositories/raw/hosted/{third}").json()["name"] == first
        assert_message(t.call("GET", f"/v1/repositories/maven/hosted/{third}"), 404, "Repository not found")
        # an update through another case's path changes the first created too (the body's name must
        # match the path's exactly, or it is a rename)
        changed = raw_hosted(second) | {"online": False}
        assert_empty(
            t.call("PUT", f"/v1/repositories/raw/hosted/{second}", json=changed), 204, fault_id=False
        )
        assert t.call("GET", f"/v1/repositories/raw/hosted/{first}").json()["online"] is False
        assert_empty(t.call("DELETE", f"/v1/repositories/{third}"), 204, fault_id=False)
        created.remove(first)
        names = [r["name"] for r in t.call("GET", "/v1/repositories").json()]
        assert [n for n in names if n.lower() == base] == [second, third]
    finally:
        for _ in created:
            t.call("DELETE", f"/v1/repositories/{base}")


def check_repository_get_fills_in_defaults(t: Target) -> None:
    hosted, proxy, raw, group = unique("mvn-hosted"), unique("mvn-proxy"), unique("raw"), unique("raw-group")
    maven = {"versionPolicy": "RELEASE", "layoutPolicy": "STRICT"}
    proxy_body = {
        "name": proxy,
        "online": True,
        "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
        "proxy": {"remoteUrl": "https://example.org/", "contentMaxAge": 1440, "metadataMaxAge": 1440},
        "negativeCache": {"enabled": True, "timeToLive": 1440},
        "httpClient": {"blocked": False, "autoBlock": True},
        "maven": maven,
    }
    try:
        assert t.call("POST", "/v1/repositories/maven/hosted", json=raw_hosted(hosted) | {"maven": maven}).ok
        assert t.call("POST", "/v1/repositories/maven/proxy", json=proxy_body).ok
        got = t.call("GET", f"/v1/repositories/maven/hosted/{hosted}").json()
        assert got["component"] == {"proprietaryComponents": False}
        assert got["maven"] == dict(maven, contentDisposition=None)
        got = t.call("GET", f"/v1/repositories/maven/proxy/{proxy}").json()
        assert got["storage"] == {
            "blobStoreName": "default",
            "strictContentTypeValidation": True,
            "writePolicy": "ALLOW",
        }
        assert got["proxy"] == {
            "remoteUrl": "https://example.org/",
            "contentMaxAge": 1440,
            "metadataMaxAge": 1440,
        }
        assert got["httpClient"] == {
            "blocked": False,
            "autoBlock": True,
            "connection": {
                "retries": None,
                "userAgentSuffix": None,
                "timeout": None,
                "enableCircularRedirects": False,
                "enableCookies": False,
                "useTrustStore": False,
            },
            "authentication": None,
        }
        assert got["routingRuleName"] is None
        assert t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(raw)).status_code == 201
        group_body = {
            "name": group,
            "online": True,
            "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
            "group": {"memberNames": [raw]},
        }
        assert t.call("POST", "/v1/repositories/raw/group", json=group_body).status_code == 201
        got = t.call("GET", f"/v1/repositories/raw/hosted/{raw}").json()
        assert (got["raw"], got["component"]) == (
            {"contentDisposition": "ATTACHMENT"},
            {"proprietaryComponents": False},
        )
        got = t.call("GET", f"/v1/repositories/raw/group/{group}").json()
        got.pop("url")
        assert got == {
            "name": group,
            "format": "raw",
            "online": True,
            "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
            "group": {"memberNames": [raw]},
            "type": "group",
        }
    finally:
        for name in (group, raw, hosted, proxy):
            t.call("DELETE", f"/v1/repositories/{name}")


def check_empty_blob_store_name_is_a_bean_violation(t: Target) -> None:
    expected = [{"id": "PARAMETER blobStoreName", "message": "must not be empty"}]
    for blob_store in ("", None):
        resp = t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(unique("nobs"), blob_store))
        assert_validation_list(resp, expected)
    resp = t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(unique("nobs"), "no-such-store"))
    assert_message(resp, 400, "Blob store not found")


def check_unknown_repository_errors(t: Target) -> None:
    ghost = unique("ghost")
    assert_message(t.call("GET", f"/v1/repositories/raw/hosted/{ghost}"), 404, "Repository not found")
    assert_empty(t.call("DELETE", f"/v1/repositories/{ghost}"), 404, fault_id=False)
    assert_empty(
        t.call("PUT", f"/v1/repositories/raw/hosted/{ghost}", json=raw_hosted(ghost)), 404, fault_id=False
    )
    assert_empty(t.call("GET", "/v1/no-such-route"), 404, fault_id=True)


def check_writable_member_is_dropped_silently(t: Target) -> None:
    member, group = unique("member"), unique("group")
    try:
        assert t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(member)).status_code == 201
        body = {
            "name": group,
            "online": True,
            "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
            "group": {"memberNames": [member], "writableMember": member},
        }
        assert t.call("POST", "/v1/repositories/raw/group", json=body).status_code == 201
        assert t.call("GET", f"/v1/repositories/raw/group/{group}").json()["group"] == {
            "memberNames": [member]
        }
        bad = dict(
            body, name=unique("group"), group={"memberNames": [member, "maven-releases", "no-such-repo"]}
        )
        assert_validation_list(
            t.call("POST", "/v1/repositories/raw/group", json=bad),
            [
                {
                    "id": "HelperBean.memberNames",
                    "message": "Member repository format does not match group repository format: "
                    "maven-releases",
                },
                {"id": "HelperBean.memberNames", "message": "Member repository does not exist: no-such-repo"},
            ],
        )
    finally:
        t.call("DELETE", f"/v1/repositories/{group}")
        t.call("DELETE", f"/v1/repositories/{member}")


def check_blob_store_name_with_space(t: Target) -> None:
    name = unique("with space")
    try:
        resp = t.call("POST", "/v1/blobstores/file", json={"name": name, "path": name.replace(" ", "-")})
        assert_empty(resp, 204, fault_id=False)
        got = t.call("GET", f"/v1/blobstores/file/{name}")
        assert got.json() == {"softQuota": None, "path": name.replace(" ", "-")}
        assert name in [b["name"] for b in t.call("GET", "/v1/blobstores").json()]
    finally:
        t.call("DELETE", f"/v1/blobstores/{name}")


def check_blob_store_paths_and_messages(t: Target) -> None:
    inside, outside = unique("inside"), unique("outside")
    outside_path = posixpath.join(t.data_dir, "elsewhere", outside)
    try:
        body = {"name": inside, "path": posixpath.join(t.data_dir, "blobs", inside)}
        assert t.call("POST", "/v1/blobstores/file", json=body).status_code == 204
        assert t.call("GET", f"/v1/blobstores/file/{inside}").json()["path"] == inside
        assert (
            t.call("POST", "/v1/blobstores/file", json={"name": outside, "path": outside_path}).status_code
            == 204
        )
        assert t.call("GET", f"/v1/blobstores/file/{outside}").json()["path"] == outside_path
    finally:
        t.call("DELETE", f"/v1/blobstores/{inside}")
        t.call("DELETE", f"/v1/blobstores/{outside}")
    ghost = unique("ghost")
    assert_message(
        t.call("GET", f"/v1/blobstores/file/{ghost}"), 404, f"Unable to find File '{ghost}' blobstore"
    )
    assert_message(t.call("DELETE", f"/v1/blobstores/{ghost}"), 404, f"Unable to find  '{ghost}' blobstore")


def check_blob_store_quota_status(t: Target) -> None:
    name = unique("quota")
    try:
        body = {"name": name, "path": name, "softQuota": {"type": "spaceUsedQuota", "limit": 1_000_000}}
        assert t.call("POST", "/v1/blobstores/file", json=body).status_code == 204
        assert t.call("GET", f"/v1/blobstores/file/{name}").json() == {
            "softQuota": {"type": "spaceUsedQuota", "limit": 1_000_000},
            "path": name,
        }
        assert t.call("GET", f"/v1/blobstores/{name}/quota-status").json() == {
            "isViolation": False,
            "message": f"Blob store {name} is using 0.00 B space and has a limit of 1.00 MB",
            "blobStoreName": name,
        }
        assert (
            t.call("PUT", f"/v1/blobstores/file/{name}", json={"path": name, "softQuota": None}).status_code
            == 204
        )
        status = t.call("GET", f"/v1/blobstores/{name}/quota-status").json()
        assert status["message"] == f"Blob store {name} has no quota"
    finally:
        t.call("DELETE", f"/v1/blobstores/{name}")
    assert_empty(t.call("GET", f"/v1/blobstores/{name}/quota-status"), 404, fault_id=True)


def check_blob_store_names_are_exact_but_unique_ignoring_case(t: Target) -> None:
    """A store is found by its exact name; only the duplicate check, a repository's blobStoreName
    and the first check of a DELETE ignore case."""
    name = unique("case-store").upper()
    lower = name.lower()
    repository = unique("case-store-repo")
    try:
        assert_empty(
            t.call("POST", "/v1/blobstores/file", json={"name": name, "path": name}), 204, fault_id=False
        )
        assert_message(
            t.call("GET", f"/v1/blobstores/file/{lower}"), 404, f"Unable to find File '{lower}' blobstore"
        )
        assert_message(
            t.call("PUT", f"/v1/blobstores/file/{lower}", json={"path": name, "softQuota": None}),
            404,
            f"Unable to find File '{lower}' blobstore",
        )
        assert_empty(t.call("GET", f"/v1/blobstores/{lower}/quota-status"), 404, fault_id=True)
        assert_validation_list(
            t.call("POST", "/v1/blobstores/file", json={"name": lower, "path": lower}),
            [{"id": "name", "message": "Name is already used, must be unique (ignoring case)"}],
        )
        assert_validation_list(
            t.call(
                "PUT",
                f"/v1/blobstores/file/{name}",
                json={"path": name, "softQuota": {"type": "spaceUsedQuota", "limit": 0}},
            ),
            [{"id": "*", "message": "Space Used quotas must have a Quota Limit greater than 0"}],
        )
        assert_unexpected(
            t.call("DELETE", f"/v1/blobstores/{lower}"),
            "java.lang.IllegalStateException",
            f"Missing BlobStore: {lower}",
        )
        assert t.call("GET", f"/v1/blobstores/file/{name}").json() == {"softQuota": None, "path": name}
        # a repository may name the store in another case, and keeps the name as sent ...
        created = t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(repository, lower))
        assert_empty(created, 201, fault_id=False)
        stored = t.call("GET", f"/v1/repositories/raw/hosted/{repository}").json()
        assert stored["storage"]["blobStoreName"] == lower
        # ... and then does not hold it: the in-use check is exact
        assert_empty(t.call("DELETE", f"/v1/blobstores/{name}"), 204, fault_id=False)
        assert name not in [b["name"] for b in t.call("GET", "/v1/blobstores").json()]
    finally:
        t.call("DELETE", f"/v1/repositories/{repository}")
        t.call("DELETE", f"/v1/blobstores/{name}")


# -- security -------------------------------------------------------------------------------------------


def check_security_ids_are_exact(t: Target) -> None:
    """Roles, users and privileges are found by their exact id; ids differing only in case are
    different objects, and may both exist."""
    role, user, privilege = (unique(prefix).upper() for prefix in ("case-role", "case-user", "case-priv"))
    privilege_body = {"name": privilege, "description": "d", "actions": ["READ"], "domain": "blobstores"}
    try:
        role_body = {"id": role, "name": role, "description": "upper", "privileges": [], "roles": []}
        assert t.call("POST", "/v1/security/roles", json=role_body).status_code == 200
        assert t.call("POST", "/v1/security/users", json=user_body(user, ["nx-anonymous"])).status_code == 200
        made = t.call("POST", "/v1/security/privileges/application", json=privilege_body)
        assert_empty(made, 201, fault_id=False)
        lowered = {"role": role.lower(), "user": user.lower(), "privilege": privilege.lower()}
        assert_message(
            t.call("GET", f"/v1/security/roles/{lowered['role']}"),
            404,
            f"Role '{lowered['role']}' not found.",
        )
        assert_message(
            t.call("PUT", f"/v1/security/roles/{lowered['role']}", json=dict(role_body, id=lowered["role"])),
            404,
            f"Role '{lowered['role']}' not found.",
        )
        assert_message(
            t.call("DELETE", f"/v1/security/roles/{lowered['role']}"),
            404,
            f"Role '{lowered['role']}' not found.",
        )
        update = {k: v for k, v in user_body(lowered["user"], ["nx-anonymous"]).items() if k != "password"}
        assert_message(
            t.call("PUT", f"/v1/security/users/{lowered['user']}", json=update | {"source": "default"}),
            404,
            f"User '{lowered['user']}' not found.",
        )
        assert_message(
            t.call("DELETE", f"/v1/security/users/{lowered['user']}"),
            404,
            f"User '{lowered['user']}' not found.",
        )
        assert_message(
            t.call(
                "PUT",
                f"/v1/security/users/{lowered['user']}/change-password",
                data="pw-2",
                headers={"Content-Type": "text/plain"},
            ),
            404,
            f"User '{lowered['user']}' not found.",
        )
        assert_message(
            t.call("GET", f"/v1/security/privileges/{lowered['privilege']}"),
            404,
            f"Privilege '{lowered['privilege']}' not found.",
        )
        # the user list's filter is a prefix match ignoring case: it finds the other case's user
        listed = t.call("GET", "/v1/security/users", params={"userId": lowered["user"]}).json()
        assert [u["userId"] for u in listed] == [user]
        # the same ids in lower case are other objects; deleting them leaves the first ones
        lower_role = dict(role_body, id=lowered["role"], name=lowered["role"], description="lower")
        assert t.call("POST", "/v1/security/roles", json=lower_role).status_code == 200
        assert t.call("GET", f"/v1/security/roles/{lowered['role']}").json()["description"] == "lower"
        assert t.call("GET", f"/v1/security/roles/{role}").json()["description"] == "upper"
        twin_user = user_body(lowered["user"], ["nx-anonymous"])
        assert t.call("POST", "/v1/security/users", json=twin_user).status_code == 200
        lower_privilege = dict(privilege_body, name=lowered["privilege"])
        assert_empty(
            t.call("POST", "/v1/security/privileges/application", json=lower_privilege), 201, fault_id=False
        )
        for path in (
            f"/v1/security/roles/{lowered['role']}",
            f"/v1/security/users/{lowered['user']}",
            f"/v1/security/privileges/{lowered['privilege']}",
        ):
            assert_empty(t.call("DELETE", path), 204, fault_id=False)
        assert t.call("GET", f"/v1/security/roles/{role}").status_code == 200
        assert [u["userId"] for u in t.call("GET", "/v1/security/users", params={"userId": user}).json()] == [
            user
        ]
        assert t.call("GET", f"/v1/security/privileges/{privilege}").status_code == 200
    finally:
        for path in (
            f"/v1/security/roles/{role}",
            f"/v1/security/roles/{role.lower()}",
            f"/v1/security/users/{user}",
            f"/v1/security/users/{user.lower()}",
            f"/v1/security/privileges/{privilege}",
            f"/v1/security/privileges/{privilege.lower()}",
        ):
            t.call("DELETE", path)


def check_unknown_role_ids_on_a_user(t: Target) -> None:
    user, ghost = unique("user"), unique("no-such-role")
    try:
        created = t.call("POST", "/v1/security/users", json=user_body(user, ["nx-anonymous", ghost]))
        assert created.status_code == 200
        assert sorted(created.json()["roles"]) == sorted(["nx-anonymous", ghost])  # in no fixed order
        (read,) = t.call("GET", "/v1/security/users", params={"userId": user}).json()
        assert read["roles"] == ["nx-anonymous"]
        update = {k: v for k, v in user_body(user, [ghost]).items() if k != "password"} | {
            "source": "default"
        }
        assert_validation_list(
            t.call("PUT", f"/v1/security/users/{user}", json=update),
            [{"id": "roles", "message": f"Unable to locate roleId: {ghost}"}],
        )
    finally:
        t.call("DELETE", f"/v1/security/users/{user}")


@contextmanager
def temporary_user(t: Target) -> Iterator[str]:
    user = unique("user")
    try:
        assert t.call("POST", "/v1/security/users", json=user_body(user, ["nx-anonymous"])).status_code == 200
        yield user
    finally:
        t.call("DELETE", f"/v1/security/users/{user}")


def check_user_create_errors(t: Target) -> None:
    with temporary_user(t) as user:
        assert_unexpected(
            t.call("POST", "/v1/security/users", json=user_body(user, ["nx-anonymous"])),
            "org.sonatype.nexus.security.user.DuplicateUserException",
            f"User {user} already exists.",
        )
        assert_validation_list(
            t.call("POST", "/v1/security/users", json=user_body(unique("user"), [], password="")),
            [
                {"id": "PARAMETER password", "message": "must not be empty"},
                {"id": "PARAMETER roles", "message": "must not be empty"},
            ],
        )


def check_role_references_must_exist(t: Target) -> None:
    role, ghost = unique("role"), unique("ghost")
    try:
        body = {"id": role, "name": role, "privileges": [f"nx-{ghost}"], "roles": [ghost]}
        assert_message(
            t.call("POST", "/v1/security/roles", json=body),
            400,
            f"Role '{ghost}' contained in role '{role}' not found.",
        )
        assert_message(
            t.call("POST", "/v1/security/roles", json=dict(body, roles=[])),
            400,
            f"Privilege 'nx-{ghost}' contained in role '{role}' not found.",
        )
        named = dict(body, name="Role name", roles=[], privileges=[])
        created = t.call("POST", "/v1/security/roles", json=named)
        assert created.status_code == 200
        assert created.json()["description"] == role  # defaults to the id, not the name (issue 31)
        assert t.call("GET", f"/v1/security/roles/{role}").json()["description"] == role
        assert_message(
            t.call("PUT", f"/v1/security/roles/{role}", json=dict(body, privileges=[])),
            400,
            f"Role '{ghost}' contained in role '{role}' not found.",
        )
    finally:
        t.call("DELETE", f"/v1/security/roles/{role}")


def check_builtin_and_repository_privileges(t: Target) -> None:
    names = {p["name"] for p in t.call("GET", "/v1/security/privileges").json()}
    assert {
        "nx-blobstores-create",
        "nx-tasks-run",
        "nx-repository-view-maven2-*-read",
        "nx-userschangepw",
    } <= names
    assert not {"nx-healthcheck-read", "nx-ldap-all", "nx-repository-view-docker-*-read"} & names
    assert t.call("GET", "/v1/security/privileges/nx-tasks-run").json() == {
        "type": "application",
        "name": "nx-tasks-run",
        "description": "Run permission for Scheduled Tasks",
        "readOnly": True,
        "actions": ["START", "STOP"],
        "domain": "tasks",
    }
    repo = unique("privs")
    try:
        assert t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(repo)).status_code == 201
        privs = {
            p["name"]: p
            for p in t.call("GET", "/v1/security/privileges").json()
            if p.get("repository") == repo
        }
        assert set(privs) == {
            *(f"nx-repository-view-raw-{repo}-{a}" for a in ("*", "add", "browse", "delete", "edit", "read")),
            *(f"nx-repository-admin-raw-{repo}-{a}" for a in ("*", "browse", "delete", "edit", "read")),
        }
        assert (
            privs[f"nx-repository-view-raw-{repo}-read"]["description"]
            == f"Read privilege for {repo} repository views"
        )
        admin_all = privs[f"nx-repository-admin-raw-{repo}-*"]
        assert admin_all["description"] == f"All privileges for {repo} repository administration"
        assert admin_all["actions"] == ["ALL"]
    finally:
        t.call("DELETE", f"/v1/repositories/{repo}")
    assert not [p for p in t.call("GET", "/v1/security/privileges").json() if p.get("repository") == repo]


def check_change_password_needs_text_plain(t: Target) -> None:
    with temporary_user(t) as user:
        path = f"/v1/security/users/{user}/change-password"
        assert_empty(t.call("PUT", path, json="pw-2"), 415, fault_id=True)
        text = {"Content-Type": "text/plain"}
        assert_message(t.call("PUT", path, data=" ", headers=text), 400, "Password must be supplied.")
        assert_empty(t.call("PUT", path, data="pw-2", headers=text), 204, fault_id=False)
        # authenticated with the new password (403: no permission), refused with the old one (401)
        assert (
            requests.get(t.api + "/v1/status/check", auth=(user, "pw-2"), timeout=TIMEOUT).status_code == 403
        )
        assert (
            requests.get(t.api + "/v1/status/check", auth=(user, "pw-1"), timeout=TIMEOUT).status_code == 401
        )
        ghost = unique("ghost")
        resp = t.call("PUT", f"/v1/security/users/{ghost}/change-password", data="x", headers=text)
        assert_message(resp, 404, f"User '{ghost}' not found.")


@contextmanager
def anonymous_access(t: Target, enabled: bool) -> Iterator[None]:
    before = t.call("GET", "/v1/security/anonymous").json()
    assert t.call("PUT", "/v1/security/anonymous", json=dict(before, enabled=enabled)).status_code == 200
    try:
        yield
    finally:
        t.call("PUT", "/v1/security/anonymous", json=before)


def check_anonymous_realm_and_repository_name_rules(t: Target) -> None:
    before = t.call("GET", "/v1/security/anonymous").json()
    try:
        for realm in ("LdapRealm", "DefaultRole"):  # unknown, and available but not active
            resp = t.call("PUT", "/v1/security/anonymous", json=dict(before, realmName=realm))
            assert_validation_list(resp, [{"id": "realmName", "message": "Realm does not exist"}])
    finally:
        t.call("PUT", "/v1/security/anonymous", json=before)
    assert_validation_list(
        t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted("_bad")),
        [
            {
                "id": "PARAMETER name",
                "message": "Only letters, digits, underscores(_), hyphens(-), and dots(.) are allowed "
                "and may not start with underscore or dot.",
            }
        ],
    )
    name = unique("rename")
    try:
        assert t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(name)).status_code == 201
        resp = t.call("PUT", f"/v1/repositories/raw/hosted/{name}", json=raw_hosted(name.upper()))
        assert_message(resp, 400, "Renaming a repository is not supported")
    finally:
        t.call("DELETE", f"/v1/repositories/{name}")


def check_unauthenticated_calls_get_403_not_401(t: Target) -> None:
    with anonymous_access(t, False):
        repos = t.call("GET", "/v1/repositories", auth=False)
        assert (repos.status_code, repos.json()) == (200, [])
        for path in ("/v1/blobstores", "/v1/security/users", "/v1/repositories/maven-releases", "/v1/tasks"):
            resp = t.call("GET", path, auth=False)
            assert_empty(resp, 403, fault_id=True)
            assert "WWW-Authenticate" not in resp.headers
        assert_empty(
            t.call("POST", "/v1/blobstores/file", auth=False, json={"name": "x", "path": "x"}),
            403,
            fault_id=True,
        )
        assert t.call("GET", "/v1/status", auth=False).status_code == 200
    bad = requests.get(t.api + "/v1/repositories", auth=(t.user, "wrong-password"), timeout=TIMEOUT)
    assert_empty(bad, 401, fault_id=False)
    assert bad.headers["WWW-Authenticate"] == CHALLENGE


# -- issue 31 -------------------------------------------------------------------------------------------


def check_a_deleted_repository_leaves_its_roles_without_its_privileges(t: Target) -> None:
    repo, role = unique("granted"), unique("grants")
    privilege = f"nx-repository-view-raw-{repo}-read"
    try:
        assert t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(repo)).status_code == 201
        body = {"id": role, "name": role, "description": "d", "privileges": [privilege], "roles": []}
        assert t.call("POST", "/v1/security/roles", json=body).status_code == 200
        assert t.call("GET", f"/v1/security/roles/{role}").json()["privileges"] == [privilege]
        assert_empty(t.call("DELETE", f"/v1/repositories/{repo}"), 204, fault_id=False)
        assert t.call("GET", f"/v1/security/roles/{role}").json()["privileges"] == []
    finally:
        t.call("DELETE", f"/v1/security/roles/{role}")
        t.call("DELETE", f"/v1/repositories/{repo}")


def check_an_empty_blob_store_name_is_required(t: Target) -> None:
    resp = t.call("POST", "/v1/blobstores/file", json={"name": "", "path": unique("nameless")})
    assert_validation_list(resp, [{"id": "PARAMETER name", "message": "Name is required"}])


def check_validation_lists_are_json_when_json_is_asked_for(t: Target) -> None:
    body = raw_hosted(unique("nobs"), "")
    resp = t.call("POST", "/v1/repositories/raw/hosted", json=body, headers={"Accept": "application/json"})
    assert resp.status_code == 400, resp.text
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json() == [{"id": "PARAMETER blobStoreName", "message": "must not be empty"}]
    plain = t.call("POST", "/v1/repositories/raw/hosted", json=body)  # Accept: */*
    assert plain.headers["Content-Type"] == VALIDATION_MEDIA_TYPE


def check_a_raw_repository_brings_the_raw_blob_cleanup_task(t: Target) -> None:
    repo = unique("raw-task")
    try:
        assert t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(repo)).status_code == 201
        tasks = [i for i in t.call("GET", "/v1/tasks").json()["items"] if "raw" in i["name"]]
        assert [(i["name"], i["type"]) for i in tasks] == [
            ("Cleanup unused raw blobs from nexus", "assetBlob.cleanup")
        ]
    finally:
        t.call("DELETE", f"/v1/repositories/{repo}")


def check_values_longer_than_their_column_fail(t: Target) -> None:
    """Role ids and names, user names and repository names over 200 characters fail the insert
    (500, H2's message inside); 200 is taken."""
    column = 'Value too long for column "{}'
    role = "r" * 201
    resp = t.call("POST", "/v1/security/roles", json={"id": role, "name": "n", "privileges": [], "roles": []})
    assert resp.status_code == 500 and column.format("ID CHARACTER VARYING(200)") in resp.text, resp.text
    resp = t.call("POST", "/v1/security/roles", json={"id": unique("r"), "name": "n" * 201})
    assert resp.status_code == 500 and column.format("NAME CHARACTER VARYING(200)") in resp.text, resp.text
    resp = t.call(
        "POST", "/v1/security/users", json=user_body(unique("u"), ["nx-anonymous"]) | {"lastName": "L" * 201}
    )
    assert resp.status_code == 500 and column.format("LAST_NAME CHARACTER VARYING(200)") in resp.text
    resp = t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted("x" * 201))
    assert resp.status_code >= 400 and "x" * 201 not in [
        r["name"] for r in t.call("GET", "/v1/repositories").json()
    ]
    fits = "y" * 200
    try:
        assert t.call("POST", "/v1/repositories/raw/hosted", json=raw_hosted(fits)).status_code == 201
    finally:
        t.call("DELETE", f"/v1/repositories/{fits}")
    # a blob store's name column is 256 (seen: 256 taken with a path of its own); the stack keeps to
    # 255, since a file store's directory is named after it by default
    resp = t.call("POST", "/v1/blobstores/file", json={"name": "b" * 257, "path": unique("long")})
    assert resp.status_code >= 400
    assert "b" * 257 not in [b["name"] for b in t.call("GET", "/v1/blobstores").json()]
    longest = "c" * 256
    try:
        taken = t.call("POST", "/v1/blobstores/file", json={"name": longest, "path": unique("longest")})
        assert taken.status_code in (200, 201, 204), taken.text
    finally:
        t.call("DELETE", f"/v1/blobstores/{longest}")


def check_apt_signing_and_proxy_answers(t: Target) -> None:
    """apt hosted: any non-empty keypair is taken; the GET answers it as sent with a null passphrase,
    and no aptSigning at all when no passphrase is stored. apt proxy: distribution and flat are
    required; the GET has neither aptSigning nor enforceDistribution, whatever was sent."""
    hosted, proxy = unique("apt-h"), unique("apt-p")
    apt = {"apt": {"distribution": "bookworm"}}
    try:
        signed = raw_hosted(hosted) | apt | {"aptSigning": {"keypair": "not a key", "passphrase": "p"}}
        assert t.call("POST", "/v1/repositories/apt/hosted", json=signed).status_code == 201
        body = t.call("GET", f"/v1/repositories/apt/hosted/{hosted}").json()
        assert (body["apt"], body["aptSigning"]) == (apt["apt"], {"keypair": "not a key", "passphrase": None})
        unsigned = signed | {"aptSigning": {"keypair": "not a key", "passphrase": None}}
        assert t.call("PUT", f"/v1/repositories/apt/hosted/{hosted}", json=unsigned).status_code == 204
        assert t.call("GET", f"/v1/repositories/apt/hosted/{hosted}").json()["aptSigning"] is None
        keyless = raw_hosted(unique("apt-k")) | apt | {"aptSigning": {"passphrase": "p"}}
        resp = t.call("POST", "/v1/repositories/apt/hosted", json=keyless)
        assert_validation_list(resp, [{"id": "PARAMETER keypair", "message": "must not be empty"}])

        remote = {
            "proxy": {
                "remoteUrl": "http://deb.example.invalid/debian",
                "contentMaxAge": 1440,
                "metadataMaxAge": 1440,
            },
            "negativeCache": {"enabled": True, "timeToLive": 1440},
            "httpClient": {"blocked": False, "autoBlock": True},
        }
        body = raw_hosted(proxy) | remote | {"aptSigning": {"keypair": "k", "passphrase": "p"}}
        body["apt"] = {"distribution": "bookworm", "flat": True, "enforceDistribution": True}
        assert t.call("POST", "/v1/repositories/apt/proxy", json=body).status_code == 201
        got = t.call("GET", f"/v1/repositories/apt/proxy/{proxy}").json()
        assert got["apt"] == {"distribution": "bookworm", "flat": True} and "aptSigning" not in got
        flatless = raw_hosted(unique("apt-f")) | remote | {"apt": {"distribution": "bookworm"}}
        resp = t.call("POST", "/v1/repositories/apt/proxy", json=flatless)
        assert_validation_list(resp, [{"id": "PARAMETER flat", "message": "must not be null"}])
    finally:
        for name in (hosted, proxy):
            t.call("DELETE", f"/v1/repositories/{name}")


OSS_CHECKS: list[Callable[[Target], None]] = [
    check_server_header_names_the_oss_core,
    check_missing_features_are_404_empty,
    check_task_writes_are_405_empty,
    check_task_get_has_no_schedule_before_3_92,
    check_only_the_core_realms,
    check_names_differing_only_in_case_both_exist,
    check_repository_get_fills_in_defaults,
    check_empty_blob_store_name_is_a_bean_violation,
    check_unknown_repository_errors,
    check_writable_member_is_dropped_silently,
    check_blob_store_name_with_space,
    check_blob_store_paths_and_messages,
    check_blob_store_quota_status,
    check_blob_store_names_are_exact_but_unique_ignoring_case,
    check_unknown_role_ids_on_a_user,
    check_user_create_errors,
    check_role_references_must_exist,
    check_security_ids_are_exact,
    check_builtin_and_repository_privileges,
    check_change_password_needs_text_plain,
    check_anonymous_realm_and_repository_name_rules,
    check_unauthenticated_calls_get_403_not_401,
    check_a_deleted_repository_leaves_its_roles_without_its_privileges,
    check_an_empty_blob_store_name_is_required,
    check_validation_lists_are_json_when_json_is_asked_for,
    check_a_raw_repository_brings_the_raw_blob_cleanup_task,
    check_values_longer_than_their_column_fail,
    check_apt_signing_and_proxy_answers,
]
"""Every check above, for a server of the open-source core (edition OSS, before 3.92)."""
