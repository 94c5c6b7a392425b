"""Pure logic of the security kinds: request bodies, read-back mapping, normalisation."""

from __future__ import annotations

import pydantic
import pytest

from dynamic_providers import cleanup_policies, ldap, roles, users
from dynamic_providers.anonymous import user_update_body
from dynamic_providers.realms import RealmsSpec, active_realms

LDAP_STATIC = {
    "name": "corp",
    "host": "ldap.example.com",
    "search_base": "dc=example,dc=com",
    "auth_username": "uid=nexus",
    "auth_password": "bind",
    "group_base_dn": "ou=groups",
    "group_object_class": "groupOfNames",
    "group_id_attribute": "cn",
    "group_member_attribute": "member",
    "group_member_format": "${dn}",
    "user_member_of_attribute": "memberOf",
}


def test_realms_order_is_kept() -> None:
    assert active_realms(ldap=True) == ("NexusAuthenticatingRealm", "LdapRealm", "DockerToken")
    assert active_realms(ldap=False) == ("NexusAuthenticatingRealm", "DockerToken")
    assert RealmsSpec(realms=("DockerToken", "NexusAuthenticatingRealm")).realms[0] == "DockerToken"


def test_ldap_body_and_read_back() -> None:
    spec = ldap.LdapServerSpec.model_validate(LDAP_STATIC)
    body = ldap.to_api(spec)
    assert body["authPassword"] == "bind" and body["ldapGroupsAsRoles"] is True
    assert body["searchBase"] == "dc=example,dc=com" and body["authScheme"] == "SIMPLE"
    assert "userMemberOfAttribute" not in body  # static groups: the dynamic field is not sent
    read = ldap.from_api({**body, "id": "x", "order": 0, "userMemberOfAttribute": "memberOf"})
    assert "auth_password" not in read
    again = ldap.LdapServerSpec.model_validate({**read, "auth_password": "bind"})
    assert again == spec  # what Nexus echoes of the other group type never shows as a change


def test_ldap_dynamic_groups_and_anonymous_bind() -> None:
    spec = ldap.LdapServerSpec.model_validate(
        {**LDAP_STATIC, "group_type": "dynamic", "auth_scheme": "none", "auth_password": None}
    )
    assert spec.group_base_dn is None and spec.user_member_of_attribute == "memberOf"
    assert ldap.to_api(spec)["authPassword"] == "" and spec.auth_username is None
    with pytest.raises(pydantic.ValidationError, match="dynamic group type needs"):
        ldap.LdapServerSpec.model_validate(
            {**LDAP_STATIC, "group_type": "dynamic", "user_member_of_attribute": None}
        )
    with pytest.raises(pydantic.ValidationError, match="auth_realm is required"):
        ldap.LdapServerSpec.model_validate({**LDAP_STATIC, "auth_scheme": "CRAM_MD5"})


def test_role_sets_are_sorted_and_named() -> None:
    spec = roles.RoleSpec(role_id="r", privileges=("b", "a", "a"), roles=("z", "y"))
    assert (spec.name, spec.privileges, spec.roles) == ("r", ("a", "b"), ("y", "z"))
    assert roles.to_api(spec) == {
        "id": "r",
        "name": "r",
        "description": "",
        "privileges": ["a", "b"],
        "roles": ["y", "z"],
    }
    assert roles.RoleSpec.model_validate(roles.from_api({**roles.to_api(spec), "source": "default"})) == spec
    assert roles.repository_view_privileges("docker", "docker-all", roles.BREAD_PULL) == (
        "nx-repository-view-docker-docker-all-browse",
        "nx-repository-view-docker-docker-all-read",
    )
    with pytest.raises(pydantic.ValidationError, match="cannot contain itself"):
        roles.RoleSpec(role_id="r", roles=("r",))


def test_user_bodies_never_carry_the_password_on_update() -> None:
    spec = users.UserSpec(
        user_id="ci",
        first_name="ci",
        last_name="robot",
        email_address="ci@example.com",
        password="pw",
        roles=("b", "a"),
    )
    assert users.to_api(spec, with_password=True)["password"] == "pw"
    update = users.to_api(spec, with_password=False)
    assert "password" not in update and update["roles"] == ["a", "b"] and update["source"] == "default"
    assert "pw" not in repr(spec)
    read = users.from_api({**update, "status": "LOCKED", "externalRoles": []})
    assert read["status"] == "locked"  # a drift from 'active' that the next up puts back


def test_anonymous_user_update_keeps_the_user() -> None:
    user = {
        "userId": "anonymous",
        "firstName": "Anonymous",
        "lastName": "User",
        "emailAddress": "a@b",
        "source": "default",
        "status": "active",
        "readOnly": False,
        "roles": ["nx-anonymous"],
        "externalRoles": [],
    }
    assert user_update_body(user, ("docker-pull",)) == {
        **{k: v for k, v in user.items() if k != "externalRoles"},
        "roles": ["docker-pull"],
    }


def test_cleanup_policy_body() -> None:
    spec = cleanup_policies.CleanupPolicySpec(name="p", criteria_last_downloaded=30)
    body = cleanup_policies.to_api(spec)
    assert (
        body["format"] == "docker"
        and body["criteriaLastDownloaded"] == 30
        and body["criteriaLastBlobUpdated"] is None
    )
    assert cleanup_policies.from_api({**body, "format": "ALL_FORMATS"})["format"] == "*"
