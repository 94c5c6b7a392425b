"""The LDAP server kind: request body, read-back mapping, static and dynamic groups."""

from __future__ import annotations

import pydantic
import pytest

from dynamic_providers import ldap

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
