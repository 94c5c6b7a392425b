"""Security kinds against the emulator: create, no-op, update, drift, delete, bad input.

Realms and anonymous access are singletons (delete restores the default); the LDAP bind password
and user passwords are write-only (never a perpetual diff); cleanup policies are Pro-only.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from pulumi.dynamic import ResourceProvider
from pulumi.output import Unknown

from dynamic_providers.anonymous import AnonymousAccessProvider
from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.cleanup_policies import CleanupPolicyProvider
from dynamic_providers.exceptions import ProviderError, RefusedError
from dynamic_providers.ldap import LdapServerProvider
from dynamic_providers.lockdown import AnonymousLockdownProvider
from dynamic_providers.realms import RealmsProvider, active_realms
from dynamic_providers.repositories import RepositoryProvider
from dynamic_providers.roles import RoleProvider, repository_view_privileges
from dynamic_providers.users import UserProvider
from tests.dynamic_providers.drive import apply, checked, connection, create, robot
from tests.dynamic_providers.kinds import EXAMPLES
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator

PULL = repository_view_privileges("docker", "docker-a-release", ("browse", "read"))
PUSH = repository_view_privileges("docker", "docker-a-release", ("browse", "read", "add", "edit"))


def props(emulator: NexusEmulator, **fields: Any) -> dict[str, Any]:
    return {"connection": connection(emulator), **fields}


def nexus_get(emulator: NexusEmulator, path: str, status: int = 200) -> Any:
    response = emulator.call("GET", path)
    assert response.status == status, (path, response.status)
    return response.body


def with_repository(emulator: NexusEmulator) -> None:
    """docker-a-release exists, so Nexus has created its repository privileges."""
    create(FileBlobStoreProvider(), props(emulator, name="docker-a", adopt=False))
    create(
        RepositoryProvider(),
        props(emulator, name="docker-a-release", format="docker", type="hosted", blob_store="docker-a"),
    )


def can_log_in(emulator: NexusEmulator, user: str, password: str) -> bool:
    response = requests.get(
        f"{emulator.api_url}/v1/security/users", params={"userId": user}, auth=(user, password), timeout=5
    )
    return response.status_code != 401


# ---------------------------------------------------------------- realms


def test_realms_lifecycle(nexus_emulator: NexusEmulator) -> None:
    provider = RealmsProvider()
    wanted = ["NexusAuthenticatingRealm", "DockerToken"]
    object_id, outs = create(provider, props(nexus_emulator, realms=wanted))
    assert object_id == "active-realms"
    assert nexus_get(nexus_emulator, "/v1/security/realms/active") == wanted

    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, props(nexus_emulator, realms=wanted))[0] == "same"
    assert nexus_emulator.count_writes() == 0

    reordered = ["NexusAuthenticatingRealm", "LdapRealm", "DockerToken"]
    step, outs = apply(provider, object_id, outs, props(nexus_emulator, realms=reordered))
    assert step == "update" and list(outs["realms"]) == reordered
    assert nexus_get(nexus_emulator, "/v1/security/realms/active") == reordered

    # drift: the order changed in the UI; refresh sees it, the next `up` restores it
    nexus_emulator.call("PUT", "/v1/security/realms/active", ["DockerToken", "NexusAuthenticatingRealm"])
    read = provider.read(object_id, outs)
    assert read.outs is not None and list(read.outs["realms"]) == ["DockerToken", "NexusAuthenticatingRealm"]
    step, outs = apply(provider, object_id, read.outs, props(nexus_emulator, realms=reordered))
    assert step == "update" and nexus_get(nexus_emulator, "/v1/security/realms/active") == reordered

    provider.delete(object_id, outs)
    assert nexus_get(nexus_emulator, "/v1/security/realms/active") == ["NexusAuthenticatingRealm"]


AUTHORIZING = "NexusAuthorizingRealm"


@pytest.mark.parametrize(("edition", "docker"), [("OSS", False), ("PRO", True)])
def test_realms_keep_the_authorizing_realm_of_nexus_before_3_61(edition: str, docker: bool) -> None:
    """Nexus 3.41.1-01 has a separate authorizing realm: the stack's realms, its anonymous
    switch-off and its destroy all work, and the realm never shows as a change (issue 30)."""
    emulator = NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition=edition, version="3.41.1-01")
    with emulator:
        wanted = list(active_realms(ldap=False, docker=docker))
        # what the stack does: the realms, then anonymous access off
        realms = RealmsProvider()
        object_id, outs = create(realms, props(emulator, realms=wanted))
        assert list(outs["realms"]) == wanted
        kept = [wanted[0], AUTHORIZING, *wanted[1:]]
        assert nexus_get(emulator, "/v1/security/realms/active") == kept
        assert can_log_in(emulator, "admin", TEST_ADMIN_PASSWORD)
        assert nexus_get(emulator, "/v1/security/users?userId=admin")[0]["userId"] == "admin"
        AnonymousLockdownProvider().create({"connection": connection(emulator), "keep_roles": []})
        assert nexus_get(emulator, "/v1/security/anonymous")["enabled"] is False

        # no drift: a refresh reads the stack's list, a re-apply makes no call
        read = realms.read(object_id, outs)
        assert read.outs is not None and list(read.outs["realms"]) == wanted
        emulator.clear_log()
        assert apply(realms, object_id, dict(read.outs), props(emulator, realms=wanted))[0] == "same"
        assert emulator.count_reads() + emulator.count_writes() == 0

        # a change keeps it too, and so does the destroy (Nexus's default of that version)
        step, outs = apply(realms, object_id, outs, props(emulator, realms=[*wanted, "DefaultRole"]))
        assert step == "update" and list(outs["realms"]) == [*wanted, "DefaultRole"]
        assert nexus_get(emulator, "/v1/security/realms/active") == [*kept, "DefaultRole"]
        realms.delete(object_id, outs)
        assert nexus_get(emulator, "/v1/security/realms/active") == ["NexusAuthenticatingRealm", AUTHORIZING]
        assert nexus_get(emulator, "/v1/security/users?userId=admin")[0]["userId"] == "admin"


def test_realms_on_nexus_from_3_61_never_name_the_authorizing_realm(nexus_emulator: NexusEmulator) -> None:
    realms = RealmsProvider()
    object_id, outs = create(
        realms, props(nexus_emulator, realms=["NexusAuthenticatingRealm", "DockerToken"])
    )
    assert nexus_get(nexus_emulator, "/v1/security/realms/active") == [
        "NexusAuthenticatingRealm",
        "DockerToken",
    ]
    realms.delete(object_id, outs)
    assert nexus_get(nexus_emulator, "/v1/security/realms/active") == ["NexusAuthenticatingRealm"]


def test_realms_bad_input(nexus_emulator: NexusEmulator) -> None:
    provider = RealmsProvider()
    failures = provider.check({}, props(nexus_emulator, realms=["DockerToken"])).failures
    assert [f.property for f in failures] == ["realms"]
    assert "admin account cannot log in" in failures[0].reason
    repeated = provider.check({}, props(nexus_emulator, realms=["NexusAuthenticatingRealm"] * 2)).failures
    assert "once" in repeated[0].reason
    with pytest.raises(RefusedError, match=r"active security realms: .*Unknown realmIds: \[Kerberos\]"):
        provider.create(
            checked(provider, props(nexus_emulator, realms=["NexusAuthenticatingRealm", "Kerberos"]))
        )


# ---------------------------------------------------------------- anonymous access


def test_anonymous_access_lifecycle(nexus_emulator: NexusEmulator) -> None:
    with_repository(nexus_emulator)
    create(RoleProvider(), props(nexus_emulator, role_id="docker-pull", privileges=list(PULL)))
    provider = AnonymousAccessProvider()
    wanted = props(nexus_emulator, enabled=True, roles=["docker-pull"])
    object_id, outs = create(provider, wanted)
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is True
    anonymous = nexus_get(nexus_emulator, "/v1/security/users?userId=anonymous")[0]
    assert anonymous["roles"] == ["docker-pull"]  # not nx-anonymous (read everything)

    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, wanted)[0] == "same"
    assert nexus_emulator.count_writes() == 0

    step, outs = apply(provider, object_id, outs, props(nexus_emulator, enabled=False, roles=["docker-pull"]))
    assert step == "update" and nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is False
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=anonymous")[0]["roles"] == ["docker-pull"]

    # drift: someone gives anonymous its built-in role back and switches it on
    user = nexus_get(nexus_emulator, "/v1/security/users?userId=anonymous")[0]
    nexus_emulator.call("PUT", "/v1/security/users/anonymous", {**user, "roles": ["nx-anonymous"]})
    nexus_emulator.call("PUT", "/v1/security/anonymous", {"enabled": True, "userId": "anonymous"})
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["enabled"] is True
    assert list(read.outs["roles"]) == ["nx-anonymous"]
    step, outs = apply(
        provider, object_id, read.outs, props(nexus_emulator, enabled=False, roles=["docker-pull"])
    )
    assert step == "update"
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=anonymous")[0]["roles"] == ["docker-pull"]

    provider.delete(object_id, outs)  # off, and the built-in role back: never left open
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is False
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=anonymous")[0]["roles"] == ["nx-anonymous"]


def test_anonymous_access_bad_input(nexus_emulator: NexusEmulator) -> None:
    provider = AnonymousAccessProvider()
    assert {
        f.property for f in provider.check({}, props(nexus_emulator, enabled=True, roles=[])).failures
    } == {"roles"}
    with pytest.raises(
        RefusedError, match=r"anonymous access: field 'roles': Unable to locate roleId: ghost"
    ):
        provider.create(checked(provider, props(nexus_emulator, enabled=True, roles=["ghost"])))
    assert nexus_get(nexus_emulator, "/v1/security/anonymous")["enabled"] is True  # untouched (default)


# ---------------------------------------------------------------- LDAP


def ldap(emulator: NexusEmulator, **fields: Any) -> dict[str, Any]:
    # The contract's example, named as these tests expect (its defaults: ldaps on 636, SIMPLE bind).
    base = {**EXAMPLES["LDAP server"].fields, "name": "corp", "adopt": False}
    return props(emulator, **{**base, **fields})


def test_ldap_lifecycle(nexus_emulator: NexusEmulator) -> None:
    provider = LdapServerProvider()
    object_id, outs = create(provider, ldap(nexus_emulator))
    body = nexus_get(nexus_emulator, "/v1/security/ldap/corp")
    assert body["host"] == "ldap.example.com" and body["ldapGroupsAsRoles"] is True
    assert "authPassword" not in body or body["authPassword"] in (None, "")  # never returned
    assert nexus_emulator.state.security.ldap["corp"]["authPassword"] == "bind-secret-1"
    assert outs["auth_password"] == "bind-secret-1"  # carried from the (secret) input

    # no perpetual diff: neither the no-op nor a refresh sees the unreturned password as changed
    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, ldap(nexus_emulator))[0] == "same"
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["auth_password"] == "bind-secret-1"
    assert provider.diff(object_id, read.outs, checked(provider, ldap(nexus_emulator))).changes is False
    assert nexus_emulator.count_writes() == 0

    # a new bind password is an update that sends it
    step, outs = apply(provider, object_id, outs, ldap(nexus_emulator, auth_password="bind-secret-2"))
    assert step == "update" and nexus_emulator.state.security.ldap["corp"]["authPassword"] == "bind-secret-2"

    step, outs = apply(provider, object_id, outs, ldap(nexus_emulator, host="ldap2.example.com"))
    assert (
        step == "update"
        and nexus_get(nexus_emulator, "/v1/security/ldap/corp")["host"] == "ldap2.example.com"
    )

    # drift, then delete out of band
    body = nexus_get(nexus_emulator, "/v1/security/ldap/corp")
    nexus_emulator.call("PUT", "/v1/security/ldap/corp", {**body, "port": 3269, "authPassword": "x"})
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["port"] == 3269
    nexus_emulator.call("DELETE", "/v1/security/ldap/corp")
    assert provider.read(object_id, outs).id is None
    provider.delete(object_id, outs)  # 404 is success


def test_ldap_bad_input(nexus_emulator: NexusEmulator) -> None:
    provider = LdapServerProvider()
    failures = provider.check({}, ldap(nexus_emulator, auth_password=None, port=0, protocol="ftp")).failures
    assert {"port", "protocol"} <= {f.property for f in failures}
    no_password = provider.check({}, ldap(nexus_emulator, auth_password=None)).failures
    assert "auth_password are required for SIMPLE" in no_password[0].reason
    assert nexus_emulator.count_writes() == 0


# ---------------------------------------------------------------- roles


def test_role_lifecycle(nexus_emulator: NexusEmulator) -> None:
    with_repository(nexus_emulator)
    provider = RoleProvider()
    wanted = props(nexus_emulator, role_id="docker-a-push", description="push a", privileges=list(PUSH))
    object_id, outs = create(provider, wanted)
    body = nexus_get(nexus_emulator, "/v1/security/roles/docker-a-push")
    assert body["privileges"] == sorted(PUSH) and body["name"] == "docker-a-push"

    nexus_emulator.clear_log()
    reordered = {**wanted, "privileges": list(reversed(PUSH))}  # a set: order is not a change
    assert apply(provider, object_id, outs, reordered)[0] == "same"
    assert nexus_emulator.count_writes() == 0

    create(provider, props(nexus_emulator, role_id="docker-pull", privileges=list(PULL)))
    step, outs = apply(provider, object_id, outs, {**wanted, "roles": ["docker-pull"]})
    assert step == "update" and nexus_get(nexus_emulator, "/v1/security/roles/docker-a-push")["roles"] == [
        "docker-pull"
    ]

    # an LDAP group mapping: a role whose id is the group's name, containing the team role
    mapping, _ = create(provider, props(nexus_emulator, role_id="cn-platform-devs", roles=["docker-a-push"]))
    assert nexus_get(nexus_emulator, f"/v1/security/roles/{mapping}")["roles"] == ["docker-a-push"]

    # drift
    body = nexus_get(nexus_emulator, "/v1/security/roles/docker-a-push")
    nexus_emulator.call("PUT", "/v1/security/roles/docker-a-push", {**body, "privileges": list(PULL)})
    read = provider.read(object_id, outs)
    assert read.outs is not None and sorted(read.outs["privileges"]) == sorted(PULL)
    step, outs = apply(provider, object_id, read.outs, {**wanted, "roles": ["docker-pull"]})
    assert step == "update" and sorted(outs["privileges"]) == sorted(PUSH)

    step, _ = apply(provider, object_id, outs, {**wanted, "role_id": "docker-a-pusher"})
    assert step == "replace"
    nexus_get(nexus_emulator, "/v1/security/roles/docker-a-push", status=404)
    provider.delete("docker-a-pusher", outs)
    provider.delete("docker-a-pusher", outs)  # 404 is success


def test_role_bad_input(nexus_emulator: NexusEmulator) -> None:
    provider = RoleProvider()
    failures = provider.check({}, props(nexus_emulator, role_id="nx-admin", roles=["x"])).failures
    assert "built-in" in failures[0].reason
    assert provider.check({}, props(nexus_emulator, role_id="a b")).failures[0].property == "role_id"
    # The real core's answer (400, id "*"): no field, the privilege and the role named in the message.
    with pytest.raises(
        RefusedError, match=r"role 'r1': Privilege 'nx-ghost' contained in role 'r1' not found"
    ):
        provider.create(
            checked(provider, props(nexus_emulator, role_id="r1", privileges=["nx-ghost"], adopt=False))
        )


# ---------------------------------------------------------------- users


def test_user_lifecycle(nexus_emulator: NexusEmulator) -> None:
    with_repository(nexus_emulator)
    create(RoleProvider(), props(nexus_emulator, role_id="docker-pull", privileges=list(PULL)))
    create(RoleProvider(), props(nexus_emulator, role_id="docker-a-push", privileges=list(PUSH)))
    provider = UserProvider()
    object_id, outs = create(provider, robot(nexus_emulator))
    assert object_id == "ci-platform" and outs["password"] == "robot-pw-1"
    assert can_log_in(nexus_emulator, "ci-platform", "robot-pw-1")

    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, robot(nexus_emulator))[0] == "same"
    read = provider.read(object_id, outs)  # the unreturned password is no perpetual diff
    assert read.outs is not None
    assert provider.diff(object_id, read.outs, checked(provider, robot(nexus_emulator))).changes is False
    assert nexus_emulator.count_writes() == 0

    step, outs = apply(
        provider, object_id, outs, robot(nexus_emulator, roles=["docker-a-push", "docker-pull"])
    )
    assert step == "update"
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=ci-platform")[0]["roles"] == [
        "docker-a-push",
        "docker-pull",
    ]
    assert (
        nexus_emulator.requests(path_prefix="/service/rest/v1/security/users/ci-platform/change-password")
        == []
    )

    # password rotation: only the text/plain change-password call carries it
    step, outs = apply(
        provider,
        object_id,
        outs,
        robot(nexus_emulator, roles=["docker-a-push", "docker-pull"], password="robot-pw-2"),
    )
    assert step == "update"
    assert can_log_in(nexus_emulator, "ci-platform", "robot-pw-2")
    assert not can_log_in(nexus_emulator, "ci-platform", "robot-pw-1")

    # drift: disabled in the UI
    user = nexus_get(nexus_emulator, "/v1/security/users?userId=ci-platform")[0]
    nexus_emulator.call("PUT", "/v1/security/users/ci-platform", {**user, "status": "disabled"})
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["status"] == "disabled"

    provider.delete(object_id, outs)
    assert nexus_get(nexus_emulator, "/v1/security/users?userId=ci-platform") == []
    provider.delete(object_id, outs)


def test_user_search_is_exact(nexus_emulator: NexusEmulator) -> None:
    # The API's userId filter is a prefix match: 'ci' must not find 'ci-platform'.
    create(UserProvider(), robot(nexus_emulator, roles=["nx-anonymous"]))
    provider = UserProvider()
    object_id, _ = create(provider, robot(nexus_emulator, user_id="ci", roles=["nx-anonymous"]))
    assert object_id == "ci"


def test_user_bad_input(nexus_emulator: NexusEmulator) -> None:
    provider = UserProvider()
    failures = provider.check(
        {}, robot(nexus_emulator, user_id="admin", email_address="nope", password="")
    ).failures
    assert {"user_id", "email_address", "password"} <= {f.property for f in failures}
    no_roles = provider.check({}, robot(nexus_emulator, roles=[])).failures
    assert [f.property for f in no_roles] == ["roles"]  # Nexus refuses a user without roles
    nexus_emulator.clear_log()
    # The real Nexus accepts an unknown role id silently: the provider refuses it before writing.
    with pytest.raises(ProviderError, match=r"user 'ci-platform': field 'roles': no role with id 'ghost'"):
        provider.create(checked(provider, robot(nexus_emulator, roles=["ghost"])))
    assert nexus_emulator.count_writes() == 0


# ---------------------------------------------------------------- cleanup policies (Pro)


def policy(emulator: NexusEmulator, **fields: Any) -> dict[str, Any]:
    base = {"name": "docker-release-retention", "format": "docker", "criteria_last_blob_updated": 365}
    return props(emulator, adopt=False, **{**base, **fields})


def test_cleanup_policy_is_refused_on_community_edition(nexus_emulator: NexusEmulator) -> None:
    provider = CleanupPolicyProvider()
    nexus_emulator.clear_log()
    with pytest.raises(ProviderError) as caught:
        provider.create(checked(provider, policy(nexus_emulator)))
    message = str(caught.value)
    assert "cleanup policy 'docker-release-retention'" in message
    assert "COMMUNITY" in message and "Nexus Pro feature" in message and "Nothing was changed" in message
    assert "retention.releaseDays" in message
    assert nexus_emulator.count_writes() == 0


@pytest.mark.parametrize(
    ("edition", "named"),
    [
        ("OSS", "the open-source Nexus core"),
        ("CORE", "the open-source Nexus core"),
        ("COMMUNITY", "Nexus Community Edition"),
    ],
)
def test_cleanup_policy_refusal_names_the_edition(
    nexus_emulator: NexusEmulator, edition: str, named: str
) -> None:
    nexus_emulator.set_version("3.71.0-06" if edition == "OSS" else "3.77.1-01", edition)
    provider = CleanupPolicyProvider()
    with pytest.raises(ProviderError) as caught:
        provider.create(checked(provider, policy(nexus_emulator)))
    message = str(caught.value)
    assert f"({edition})" in message and named in message
    assert edition == "COMMUNITY" or "Community" not in message


def test_cleanup_policy_lifecycle_on_pro(nexus_emulator_pro: NexusEmulator) -> None:
    emulator = nexus_emulator_pro
    provider = CleanupPolicyProvider()
    object_id, outs = create(provider, policy(emulator))
    body = nexus_get(emulator, "/v1/cleanup-policies/docker-release-retention")
    assert (body["format"], body["criteriaLastBlobUpdated"]) == ("docker", 365)

    emulator.clear_log()
    assert apply(provider, object_id, outs, policy(emulator))[0] == "same"
    assert emulator.count_writes() == 0

    step, outs = apply(provider, object_id, outs, policy(emulator, criteria_last_blob_updated=180))
    assert step == "update"
    assert (
        nexus_get(emulator, "/v1/cleanup-policies/docker-release-retention")["criteriaLastBlobUpdated"] == 180
    )

    body = nexus_get(emulator, "/v1/cleanup-policies/docker-release-retention")
    emulator.call(
        "PUT", "/v1/cleanup-policies/docker-release-retention", {**body, "criteriaLastBlobUpdated": 7}
    )
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["criteria_last_blob_updated"] == 7

    assert apply(provider, object_id, outs, policy(emulator, format="maven2"))[0] == "replace"
    provider.delete(object_id, outs)
    nexus_get(emulator, "/v1/cleanup-policies/docker-release-retention", status=404)
    provider.delete(object_id, outs)


def test_cleanup_policy_bad_input(nexus_emulator_pro: NexusEmulator) -> None:
    provider = CleanupPolicyProvider()
    no_criteria = provider.check({}, policy(nexus_emulator_pro, criteria_last_blob_updated=None)).failures
    assert "at least one criterion" in no_criteria[0].reason
    bad_name = provider.check({}, policy(nexus_emulator_pro, name="_x")).failures
    assert bad_name[0].property == "name"


# ---------------------------------------------------------------- every new kind


def providers() -> list[ResourceProvider]:
    return [
        RealmsProvider(),
        AnonymousAccessProvider(),
        LdapServerProvider(),
        RoleProvider(),
        UserProvider(),
        CleanupPolicyProvider(),
    ]


@pytest.mark.parametrize("provider", providers(), ids=lambda p: type(p).__name__)
def test_unknown_input_is_a_check_failure(provider: ResourceProvider, nexus_emulator: NexusEmulator) -> None:
    result = provider.check({}, props(nexus_emulator, surprise=1))
    assert "surprise" in {f.property for f in result.failures}
    assert nexus_emulator.count_reads() + nexus_emulator.count_writes() == 0


@pytest.mark.parametrize(
    "provider", [*providers(), FileBlobStoreProvider(), RepositoryProvider()], ids=lambda p: type(p).__name__
)
def test_preview_with_an_unknown_connection(provider: ResourceProvider) -> None:
    # During preview the connection comes from the first-run resource and is not known yet: the
    # provider host hands it over as pulumi.output.Unknown. That is no check failure.
    result = provider.check({}, {"connection": Unknown(), "name": "x", "realms": [Unknown()]})
    assert "connection" not in {f.property for f in result.failures}
