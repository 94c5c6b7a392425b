"""The edition/version matrix of the emulator, and the open-source core's behaviour checks.

``tests/nexus_emulator/checks.py`` holds the checks as plain functions of a base URL and admin
credentials; here they run against the emulator in edition OSS and against the real 3.71 core
(the session's real Nexus, tests/real_nexus), so the emulator is held to what the real server does.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.nexus_emulator import EULA_DISCLAIMER, TEST_ADMIN_PASSWORD, NexusEmulator
from tests.nexus_emulator.app import ALL_ROUTES
from tests.nexus_emulator.checks import OSS_CHECKS, TASK_FIELDS_BEFORE_3_92, Target, raw_hosted
from tests.nexus_emulator.features import DEFAULT_VERSIONS, EDITIONS, offers
from tests.nexus_emulator.state import DEFAULT_DATA_DIR
from tests.real_nexus.fixtures import RealNexusSession


@pytest.fixture(params=["emulator", pytest.param("real", marks=pytest.mark.real_nexus)])
def oss_target(request: pytest.FixtureRequest) -> Target:
    if request.param == "real":
        session: RealNexusSession = request.getfixturevalue("real_nexus_session")
        return Target(session.server.url, "admin", session.admin_password, str(session.server.data_dir))
    emulator: NexusEmulator = request.getfixturevalue("nexus_emulator_oss")
    return Target(emulator.url, "admin", TEST_ADMIN_PASSWORD, DEFAULT_DATA_DIR)


@pytest.mark.parametrize("check", OSS_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_oss_core_behaviour(oss_target: Target, check: Callable[[Target], None]) -> None:
    check(oss_target)


# -- the edition/version matrix (emulator only) ----------------------------------------------------

REAL_OSS_ROUTES = Path(__file__).parent / "routes-3.71.0-06-oss.txt"
DOCKER = {"v1Enabled": False, "forceBasicAuth": True}
TASK = {
    "type": "blobstore.compact",
    "name": "compact",
    "enabled": True,
    "notificationCondition": "FAILURE",
    "frequency": {"schedule": "manual"},
    "properties": {"blobstoreName": "default"},
}


@pytest.fixture(params=EDITIONS)
def edition(request: pytest.FixtureRequest) -> Iterator[NexusEmulator]:
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition=request.param) as emulator:
        yield emulator


def call(emulator: NexusEmulator, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(
        method, emulator.api_url + path, auth=("admin", TEST_ADMIN_PASSWORD), timeout=10, **kwargs
    )


def test_default_edition_and_versions() -> None:
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD) as default:
        assert call(default, "GET", "/v1/status").headers["Server"] == "Nexus/3.93.2-01 (COMMUNITY)"
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition="OSS") as oss:
        assert call(oss, "GET", "/v1/status").headers["Server"] == "Nexus/3.71.0-06 (OSS)"
    assert DEFAULT_VERSIONS["CORE"].startswith("3.77.")
    with pytest.raises(ValueError, match="edition must be one of"):
        NexusEmulator(edition="ENTERPRISE")
    with pytest.raises(ValueError, match="version must look like"):
        NexusEmulator(version="latest")


def test_what_each_edition_offers(edition: NexusEmulator) -> None:
    name = edition.state.edition
    core = name in ("OSS", "CORE")
    docker = call(
        edition, "POST", "/v1/repositories/docker/hosted", json=raw_hosted("d") | {"docker": DOCKER}
    )
    assert docker.status_code == (404 if core else 201)
    for fmt in ("npm", "pypi"):
        assert call(edition, "POST", f"/v1/repositories/{fmt}/hosted", json=raw_hosted(fmt)).status_code == (
            404 if core else 201
        )
    for fmt, extra in (
        ("raw", {}),
        ("maven", {"maven": {"versionPolicy": "RELEASE", "layoutPolicy": "STRICT"}}),
    ):
        assert call(edition, "POST", f"/v1/repositories/{fmt}/hosted", json=raw_hosted(fmt + "x") | extra).ok
    apt = raw_hosted("apt") | {"apt": {"distribution": "bookworm"}, "aptSigning": {"keypair": "K"}}
    assert call(edition, "POST", "/v1/repositories/apt/hosted", json=apt).status_code == 201
    realms = {r["id"] for r in call(edition, "GET", "/v1/security/realms/available").json()}
    assert ("DockerToken" in realms, "LdapRealm" in realms, "NpmToken" in realms) == (not core,) * 3
    assert {"DefaultRole", "NexusAuthenticatingRealm"} <= realms
    active = call(
        edition, "PUT", "/v1/security/realms/active", json=["NexusAuthenticatingRealm", "DockerToken"]
    )
    assert active.status_code == (400 if core else 204)
    assert call(edition, "GET", "/v1/security/ldap").status_code == (404 if core else 200)
    eula = call(edition, "GET", "/v1/system/eula")
    assert eula.status_code == (200 if name in ("CORE", "COMMUNITY") else 404)
    assert call(edition, "GET", "/v1/cleanup-policies").status_code == (200 if name == "PRO" else 404)
    created = call(edition, "POST", "/v1/tasks", json=TASK)
    if core:
        assert (created.status_code, created.content) == (405, b"")
        assert call(edition, "GET", "/v1/tasks/templates").status_code == 404
    else:
        assert created.status_code == 201
        task_id = created.json()["id"]
        assert call(edition, "PUT", f"/v1/tasks/{task_id}", json=TASK).status_code == 204
        assert call(edition, "DELETE", f"/v1/tasks/{task_id}").status_code == 204


def test_oss_routes_are_those_of_the_real_core(nexus_emulator_oss: NexusEmulator) -> None:
    lines = REAL_OSS_ROUTES.read_text(encoding="utf-8").splitlines()
    real = {tuple(line.split(" ", 1)) for line in lines if not line.startswith("#")}
    # the emulator names some path parameters differently from the 3.71 document
    normalise = {"{taskId}": "{id}"}

    def key(method: str, template: str) -> tuple[str, str]:
        for a, b in normalise.items():
            template = template.replace(a, b)
        return method, re.sub(r"\{[^}]+\}", "{}", template)

    real_keys = {key(m, t) for m, t in real}
    state = nexus_emulator_oss.state
    offered = {key(r.method, r.template) for r in ALL_ROUTES if r.feature is None or state.offers(r.feature)}
    absent = {key(r.method, r.template) for r in ALL_ROUTES} - offered
    assert offered <= real_keys, offered - real_keys
    assert not (absent & real_keys), absent & real_keys


def test_task_fields_depend_on_the_version() -> None:
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, version="3.91.0-01") as emulator:
        task_id = call(emulator, "POST", "/v1/tasks", json=TASK).json()["id"]
        assert set(call(emulator, "GET", f"/v1/tasks/{task_id}").json()) == TASK_FIELDS_BEFORE_3_92
        (item,) = call(emulator, "GET", "/v1/tasks").json()["items"]
        assert set(item) == TASK_FIELDS_BEFORE_3_92
        emulator.set_version("3.92.0-01")
        full = call(emulator, "GET", f"/v1/tasks/{task_id}").json()
        assert {"enabled", "schedule", "properties", "notificationCondition"} <= set(full)
        assert full["properties"] == {"blobstoreName": "default"}


def test_docker_lowercase_names_from_3_89() -> None:
    body = raw_hosted("Upper") | {"docker": DOCKER}
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, version="3.88.0-01") as emulator:
        assert call(emulator, "POST", "/v1/repositories/docker/hosted", json=body).status_code == 201
        emulator.set_version("3.89.0-01")
        refused = call(emulator, "POST", "/v1/repositories/docker/hosted", json=dict(body, name="Upper2"))
        assert refused.status_code == 400 and refused.json()[0]["id"] == "PARAMETER arg0"


def test_set_version_switches_what_is_offered(nexus_emulator: NexusEmulator) -> None:
    assert call(nexus_emulator, "GET", "/v1/security/ldap").status_code == 200
    nexus_emulator.set_version("3.71.0-06", "OSS")
    resp = call(nexus_emulator, "GET", "/v1/security/ldap")
    assert (resp.status_code, resp.content, resp.headers["Server"]) == (404, b"", "Nexus/3.71.0-06 (OSS)")
    ctl = nexus_emulator.url + "/__emulator/version"
    assert requests.post(ctl, json={"edition": "PRO"}, timeout=10).status_code == 200
    assert call(nexus_emulator, "GET", "/v1/cleanup-policies").status_code == 200
    assert requests.post(ctl, json={"edition": "FREE"}, timeout=10).status_code == 400
    assert requests.post(ctl, json={"version": "3.x"}, timeout=10).status_code == 400
    assert offers("PRO", "3.71.0-06", "ldap") and not offers("OSS", "3.93.2-01", "ldap")


@pytest.mark.parametrize(
    ("edition_name", "fmt", "status", "kept"),
    [
        ("OSS", "raw", 201, False),
        ("COMMUNITY", "raw", 201, False),
        ("COMMUNITY", "npm", 400, False),
        ("PRO", "npm", 201, True),
    ],
)
def test_writable_member(edition_name: str, fmt: str, status: int, kept: bool) -> None:
    """Only Docker and npm groups have one (a Pro feature); other groups ignore it as unknown."""
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition=edition_name) as emulator:
        assert (
            call(emulator, "POST", f"/v1/repositories/{fmt}/hosted", json=raw_hosted("m")).status_code == 201
        )
        group = {
            "name": "g",
            "online": True,
            "storage": {"blobStoreName": "default", "strictContentTypeValidation": True},
            "group": {"memberNames": ["m"], "writableMember": "m"},
        }
        resp = call(emulator, "POST", f"/v1/repositories/{fmt}/group", json=group)
        assert resp.status_code == status, resp.text
        if status == 201:
            got = call(emulator, "GET", f"/v1/repositories/{fmt}/group/g").json()["group"]
            assert got == ({"memberNames": ["m"], "writableMember": "m"} if kept else {"memberNames": ["m"]})


def test_eula_on_core(tmp_path: Path) -> None:
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition="CORE") as emulator:
        assert emulator.state.version == DEFAULT_VERSIONS["CORE"]
        accept = {"disclaimer": EULA_DISCLAIMER, "accepted": True}
        assert call(emulator, "POST", "/v1/system/eula", json=accept).status_code == 204
        assert call(emulator, "GET", "/v1/system/eula").json()["accepted"] is True


def test_admin_password_file_after_takeover_and_restart(tmp_path: Path) -> None:
    with NexusEmulator(data_dir=str(tmp_path), edition="OSS") as emulator:
        pw_file = tmp_path / "admin.password"
        first = pw_file.read_text()
        emulator.restart()  # not taken over yet: the same file stays
        assert pw_file.read_text() == first
        text = {"Content-Type": "text/plain"}
        url = emulator.api_url + "/v1/security/users/admin/change-password"
        assert (
            requests.put(url, data="taken-over", headers=text, auth=("admin", first), timeout=10).status_code
            == 204
        )
        assert not pw_file.exists()
        emulator.restart()
        stale = pw_file.read_text()
        assert re.fullmatch(r"[0-9a-f-]{36}", stale) and stale != first
        users = emulator.api_url + "/v1/security/users"
        assert requests.get(users, auth=("admin", stale), timeout=10).status_code == 401
        assert requests.get(users, auth=("admin", "taken-over"), timeout=10).status_code == 200


def test_unknown_role_kept_on_a_user_appears_once_the_role_exists(nexus_emulator_oss: NexusEmulator) -> None:
    role = "later-" + uuid.uuid4().hex[:6]
    body = {
        "userId": "robot",
        "firstName": "R",
        "lastName": "R",
        "emailAddress": "r@example.org",
        "password": "pw",
        "status": "active",
        "roles": [role],
    }
    assert call(nexus_emulator_oss, "POST", "/v1/security/users", json=body).json()["roles"] == [role]
    assert (
        call(nexus_emulator_oss, "GET", "/v1/security/users", params={"userId": "robot"}).json()[0]["roles"]
        == []
    )
    assert (
        call(nexus_emulator_oss, "POST", "/v1/security/roles", json={"id": role, "name": role}).status_code
        == 200
    )
    assert call(nexus_emulator_oss, "GET", "/v1/security/users", params={"userId": "robot"}).json()[0][
        "roles"
    ] == [role]


def test_separate_authorizing_realm_before_3_61() -> None:
    """Before 3.61 the local authorizing realm is listed and active by default, and without it every
    privileged call answers 403, the admin's too; from 3.61 it is hidden and always installed (the
    stored list is kept across an upgrade)."""
    authorizing = "NexusAuthorizingRealm"
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition="OSS", version="3.41.1-01") as old:
        available = call(old, "GET", "/v1/security/realms/available").json()
        assert {"id": authorizing, "name": "Local Authorizing Realm"} in available
        assert call(old, "GET", "/v1/security/realms/active").json() == [
            "NexusAuthenticatingRealm",
            authorizing,
        ]
        assert (
            call(old, "PUT", "/v1/security/realms/active", json=["NexusAuthenticatingRealm"]).status_code
            == 204
        )
        for method, path in (("GET", "/v1/security/realms/active"), ("GET", "/v1/security/users")):
            locked = call(old, method, path)
            assert (locked.status_code, locked.content) == (403, b""), path
        anonymous = {"enabled": False, "userId": "anonymous", "realmName": authorizing}
        assert call(old, "PUT", "/v1/security/anonymous", json=anonymous).status_code == 403
        assert call(old, "GET", "/v1/status").status_code == 200  # no privilege needed
        assert old.snapshot()["security"]["activeRealms"] == ["NexusAuthenticatingRealm"]

    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition="OSS", version="3.41.1-01") as upgraded:
        assert call(
            upgraded, "PUT", "/v1/security/realms/active", json=[authorizing, "NexusAuthenticatingRealm"]
        ).ok
        upgraded.set_version("3.71.0-06")  # the stored list is kept; the realm is hidden from now on
        assert call(upgraded, "GET", "/v1/security/realms/active").json() == ["NexusAuthenticatingRealm"]
        ids = {r["id"] for r in call(upgraded, "GET", "/v1/security/realms/available").json()}
        assert authorizing not in ids
        refused = call(
            upgraded, "PUT", "/v1/security/realms/active", json=["NexusAuthenticatingRealm", authorizing]
        )
        assert refused.status_code == 400 and "Unknown realmIds: [NexusAuthorizingRealm]" in refused.text
        assert call(upgraded, "PUT", "/v1/security/realms/active", json=["NexusAuthenticatingRealm"]).ok
        assert call(upgraded, "GET", "/v1/security/users").status_code == 200  # always installed
        anonymous = {"enabled": False, "userId": "anonymous", "realmName": authorizing}
        assert call(upgraded, "PUT", "/v1/security/anonymous", json=anonymous).status_code == 200
