"""Names that differ only in case, on the emulator and on the real Nexus (issue 31, items 1 and 2).

Nexus looks repository names up ignoring case: with only ``TW-A`` there, ``GET .../raw/hosted/tw-a``
answers ``TW-A``, a PUT there changes it and ``DELETE /v1/repositories/tw-a`` deletes it. Blob store
names are exact in every call but unique ignoring case; role and user ids are exact everywhere
(docs/nexus-behaviour.md). Whatever the kind, the stack acts only on an object whose name is
exactly its own: a read that gets a case twin reports the object gone and says so, an update or a
delete that would land on one is refused before any write, and a create that finds one says the
names differ in case and how to fix the stack (never "adopt", which cannot work).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.exceptions import ProviderError
from dynamic_providers.ldap import LdapServerProvider
from dynamic_providers.repositories import RepositoryProvider
from dynamic_providers.roles import RoleProvider
from dynamic_providers.users import UserProvider
from tests.dynamic_providers.drive import LDAP_SERVER, apply, create
from tests.real_nexus.backend import Backend
from tests.real_nexus.fixtures import needs


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A short suffix per test: one real Nexus is shared by every test of the session."""
    return hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:6]


def props(nexus: Backend, **fields: Any) -> dict[str, Any]:
    return {"connection": nexus.connection(), "adopt": False, **fields}


def raw_hosted(name: str, write_policy: str = "ALLOW") -> dict[str, Any]:
    storage = {"blobStoreName": "default", "strictContentTypeValidation": True, "writePolicy": write_policy}
    return {"name": name, "online": True, "storage": storage}


def twin_in_place(nexus: Backend, unique: str) -> tuple[str, dict[str, Any], str]:
    """The stack's raw repository ``tw-<unique>``, deleted outside Pulumi, and someone else's
    ``TW-<UNIQUE>`` created since: (the stack's id, its recorded outputs, the twin's name)."""
    name, twin = f"tw-{unique}", f"TW-{unique.upper()}"
    object_id, outs = create(RepositoryProvider(), props(nexus, name=name, format="raw", type="hosted"))
    assert nexus.call("DELETE", f"/v1/repositories/{name}").status == 204
    assert nexus.call("POST", "/v1/repositories/raw/hosted", raw_hosted(twin)).status == 201
    # what the stack's calls would reach: Nexus answers for the stack's name with the twin
    assert nexus.get(f"/v1/repositories/raw/hosted/{name}")["name"] == twin
    nexus.clear_log()
    return object_id, outs, twin


def assert_twin_untouched(nexus: Backend, twin: str) -> None:
    assert nexus.count_writes() == 0, [(r.method, r.path) for r in nexus.requests() if r.write]
    body = nexus.get(f"/v1/repositories/raw/hosted/{twin}")
    assert (body["name"], body["online"], body["storage"]["writePolicy"]) == (twin, True, "ALLOW")


def test_refresh_with_only_a_case_twin_reports_the_repository_gone(
    nexus: Backend, unique: str, capsys: pytest.CaptureFixture[str]
) -> None:
    object_id, outs, twin = twin_in_place(nexus, unique)
    provider = RepositoryProvider()
    assert provider.read(object_id, outs).id is None  # gone: not the twin read as the stack's
    warning = capsys.readouterr().err
    assert f"warning: repository '{object_id}' is not what Nexus answers for that name" in warning
    assert f"repository '{twin}', another object whose name differs only in case" in warning
    assert_twin_untouched(nexus, twin)
    # the next `up` (the stack's repository dropped by the refresh) creates nothing in its place
    with pytest.raises(ProviderError, match=rf"Nexus has repository '{twin}'.*only in case"):
        create(provider, props(nexus, name=object_id, format="raw", type="hosted"))
    assert_twin_untouched(nexus, twin)


def test_update_with_a_case_twin_is_refused_before_any_write(nexus: Backend, unique: str) -> None:
    object_id, outs, twin = twin_in_place(nexus, unique)
    changed = props(nexus, name=object_id, format="raw", type="hosted", write_policy="DENY", online=False)
    with pytest.raises(ProviderError) as caught:
        apply(RepositoryProvider(), object_id, outs, changed)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"repository '{object_id}': Nexus answers for it with repository '{twin}'")
    assert f"refusing to update '{twin}' in its place, nothing was changed" in message
    assert "`pulumi refresh`" in message
    assert_twin_untouched(nexus, twin)


def test_delete_with_a_case_twin_is_refused_before_any_write(nexus: Backend, unique: str) -> None:
    object_id, outs, twin = twin_in_place(nexus, unique)
    with pytest.raises(ProviderError) as caught:
        RepositoryProvider().delete(object_id, outs)  # what `pulumi destroy` (or a replace) sends
    message = str(caught.value)
    assert "\n" not in message
    assert f"repository '{object_id}': Nexus answers for it with repository '{twin}'" in message
    assert f"refusing to delete '{twin}' in its place, nothing was changed" in message
    assert_twin_untouched(nexus, twin)


@pytest.mark.parametrize("adopt", [False, True], ids=["plain", "adopt"])
def test_a_case_variant_of_an_existing_repository_is_not_advised_to_adopt(
    nexus: Backend, unique: str, adopt: bool
) -> None:
    """``ho-case`` in Nexus, ``HO-CASE`` in the stack: adopting would rename (Nexus refuses), so the
    advice is the exact name, with or without adopt."""
    existing, wanted = f"ho-case-{unique}", f"HO-CASE-{unique.upper()}"
    assert nexus.call("POST", "/v1/repositories/raw/hosted", raw_hosted(existing)).status == 201
    nexus.clear_log()
    with pytest.raises(ProviderError) as caught:
        create(
            RepositoryProvider(), {**props(nexus, name=wanted, format="raw", type="hosted"), "adopt": adopt}
        )
    message = str(caught.value)
    assert message.startswith(
        f"repository '{wanted}': Nexus has repository '{existing}', whose name differs from '{wanted}' "
        "only in case (Nexus looks repository names up ignoring case)"
    )
    assert f"rename the stack's entry to '{existing}', its exact name in Nexus" in message
    assert "adopt" not in message.lower()
    assert "\n" not in message
    assert nexus.count_writes() == 0
    assert nexus.get(f"/v1/repositories/raw/hosted/{existing}")["name"] == existing


# ---------------------------------------------------------------- blob stores: exact, unique ignoring case


def test_blob_store_with_only_a_case_twin_is_gone_and_its_delete_leaves_the_twin(
    nexus: Backend, unique: str
) -> None:
    provider = FileBlobStoreProvider()
    name, twin = f"tw-{unique}", f"TW-{unique.upper()}"
    object_id, outs = create(provider, props(nexus, name=name))
    assert nexus.call("DELETE", f"/v1/blobstores/{name}").status == 204
    assert nexus.call("POST", "/v1/blobstores/file", {"name": twin, "path": twin}).status == 204
    nexus.clear_log()
    assert provider.read(object_id, outs).id is None  # Nexus finds blob stores by exact name
    # Nexus answers the DELETE of tw-... with 500 "Missing BlobStore" (its check ignores case,
    # the removal does not): the stack's store is gone, the delete a success, the twin stays
    provider.delete(object_id, outs)
    assert [(r.method, r.status) for r in nexus.requests() if r.write] == [("DELETE", 500)]
    assert nexus.get(f"/v1/blobstores/file/{twin}")["path"] == twin
    # and the next `up` cannot make the store again (names are unique ignoring case): it says why
    nexus.clear_log()
    for adopt in (False, True):
        with pytest.raises(ProviderError) as caught:
            create(provider, {**props(nexus, name=name), "adopt": adopt})
        message = str(caught.value)
        assert f"Nexus has blob store '{twin}', whose name differs from '{name}' only in case" in message
        assert f"rename the stack's entry to '{twin}'" in message and "adopt" not in message.lower()
    assert nexus.count_writes() == 0


# ---------------------------------------------------------------- roles and users: exact ids


def test_roles_and_users_of_another_case_are_other_objects(nexus: Backend, unique: str) -> None:
    """Role and user ids are exact in every call: the twin is another object, left alone; the
    stack's own is created next to it."""
    role_id, user_id = f"tw-role-{unique}", f"tw-user-{unique}"
    role_body = {
        "id": role_id.upper(),
        "name": "theirs",
        "description": "theirs",
        "privileges": [],
        "roles": [],
    }
    assert nexus.call("POST", "/v1/security/roles", role_body).status == 200
    user_body = {
        "userId": user_id.upper(),
        "firstName": "their",
        "lastName": "user",
        "emailAddress": "their@example.test",
        "password": "their-pw",
        "status": "active",
        "roles": ["nx-anonymous"],
    }
    assert nexus.call("POST", "/v1/security/users", user_body).status == 200
    roles, users = RoleProvider(), UserProvider()
    role_object, role_outs = create(roles, props(nexus, role_id=role_id, description="ours"))
    user_spec = {
        "user_id": user_id,
        "first_name": "our",
        "last_name": "robot",
        "email_address": "our@example.test",
        "password": "our-pw",
        "roles": ["nx-anonymous"],
    }
    user_object, user_outs = create(users, props(nexus, **user_spec))
    for provider, object_id, outs in ((roles, role_object, role_outs), (users, user_object, user_outs)):
        read = provider.read(object_id, outs)
        assert read.id == object_id and read.outs is not None
        provider.delete(object_id, outs)
        assert provider.read(object_id, outs).id is None
        provider.delete(object_id, outs)  # gone: success, the twin untouched
    assert nexus.get(f"/v1/security/roles/{role_id.upper()}")["description"] == "theirs"
    listed = nexus.get(f"/v1/security/users?userId={user_id}")
    assert [(u["userId"], u["firstName"]) for u in listed] == [(user_id.upper(), "their")]


# ---------------------------------------------------------------- LDAP: not in the core


def test_an_ldap_server_of_another_case_is_refused_at_create(nexus: Backend, unique: str) -> None:
    """Whether Nexus looks LDAP server names up ignoring case is unconfirmed (the core has no
    LDAP): the provider takes it that it may, so a case variant is never adopted or written."""
    needs(nexus, "ldap", "LDAP servers are in Nexus Community and Pro")
    existing, wanted = f"dir-{unique}", f"DIR-{unique.upper()}"
    spec = LDAP_SERVER
    provider = LdapServerProvider()
    create(provider, props(nexus, name=existing, **spec))
    nexus.clear_log()
    for adopt in (False, True):
        with pytest.raises(ProviderError) as caught:
            create(provider, {**props(nexus, name=wanted, **spec), "adopt": adopt})
        message = str(caught.value)
        assert (
            f"Nexus has LDAP server '{existing}', whose name differs from '{wanted}' only in case" in message
        )
        assert "adopt" not in message.lower()
    assert nexus.count_writes() == 0
