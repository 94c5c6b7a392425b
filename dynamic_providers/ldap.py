"""LDAP server connection (``/v1/security/ldap``): the seed's "fill in a dialog", as a resource.

The bind password is write-only: Nexus never returns it, so it is carried from the inputs into
the state (secret there) and a refresh never shows it as changed; changing it in the stack is an
update that sends it. ``ldapGroupsAsRoles`` is on so LDAP groups can be mapped to roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, Spec, calls
from dynamic_providers.capabilities import PROVIDED_BY
from dynamic_providers.client import NexusClient

# spec field -> API field, for every field sent and read back as is.
API_FIELDS: dict[str, str] = {
    "name": "name",
    "protocol": "protocol",
    "host": "host",
    "port": "port",
    "search_base": "searchBase",
    "auth_scheme": "authScheme",
    "auth_username": "authUsername",
    "auth_realm": "authRealm",
    "use_trust_store": "useTrustStore",
    "connection_timeout_seconds": "connectionTimeoutSeconds",
    "connection_retry_delay_seconds": "connectionRetryDelaySeconds",
    "max_incidents_count": "maxIncidentsCount",
    "user_base_dn": "userBaseDn",
    "user_subtree": "userSubtree",
    "user_object_class": "userObjectClass",
    "user_ldap_filter": "userLdapFilter",
    "user_id_attribute": "userIdAttribute",
    "user_real_name_attribute": "userRealNameAttribute",
    "user_email_address_attribute": "userEmailAddressAttribute",
    "ldap_groups_as_roles": "ldapGroupsAsRoles",
    "group_type": "groupType",
    "group_base_dn": "groupBaseDn",
    "group_subtree": "groupSubtree",
    "group_object_class": "groupObjectClass",
    "group_id_attribute": "groupIdAttribute",
    "group_member_attribute": "groupMemberAttribute",
    "group_member_format": "groupMemberFormat",
    "user_member_of_attribute": "userMemberOfAttribute",
}
# Fields Nexus uses only for one group type; the other type's are not compared (Nexus may keep
# or drop them).
STATIC_GROUP_FIELDS = (
    "group_base_dn",
    "group_subtree",
    "group_object_class",
    "group_id_attribute",
    "group_member_attribute",
    "group_member_format",
)
DYNAMIC_GROUP_FIELDS = ("user_member_of_attribute",)


class LdapServerSpec(Spec):
    name: str = pydantic.Field(min_length=1, max_length=200)
    protocol: Literal["ldap", "ldaps"] = "ldaps"
    host: str = pydantic.Field(min_length=1)
    port: int = pydantic.Field(636, ge=1, le=65535)
    search_base: str = pydantic.Field(min_length=1)
    auth_scheme: Literal["NONE", "SIMPLE", "DIGEST_MD5", "CRAM_MD5"] = "SIMPLE"
    auth_username: str | None = None
    auth_password: str | None = pydantic.Field(None, repr=False)  # write-only
    auth_realm: str | None = None
    use_trust_store: bool = False
    connection_timeout_seconds: int = pydantic.Field(30, ge=1, le=3600)
    connection_retry_delay_seconds: int = pydantic.Field(300, ge=0)
    max_incidents_count: int = pydantic.Field(3, ge=0)
    user_base_dn: str = ""
    user_subtree: bool = False
    user_object_class: str = "inetOrgPerson"
    user_ldap_filter: str = ""
    user_id_attribute: str = "uid"
    user_real_name_attribute: str = "cn"
    user_email_address_attribute: str = "mail"
    ldap_groups_as_roles: bool = True
    group_type: Literal["static", "dynamic"] = "static"
    group_base_dn: str | None = None
    group_subtree: bool | None = None
    group_object_class: str | None = None
    group_id_attribute: str | None = None
    group_member_attribute: str | None = None
    group_member_format: str | None = None
    user_member_of_attribute: str | None = None

    @pydantic.field_validator("auth_scheme", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> LdapServerSpec:
        problems = []
        if self.auth_scheme != "NONE" and not (self.auth_username and self.auth_password):
            problems.append(f"auth_username and auth_password are required for {self.auth_scheme}")
        if self.auth_scheme in ("DIGEST_MD5", "CRAM_MD5") and not self.auth_realm:
            problems.append(f"auth_realm is required for {self.auth_scheme}")
        if self.auth_scheme == "NONE":
            object.__setattr__(self, "auth_username", None)
            object.__setattr__(self, "auth_password", None)
        # Only the chosen group type's fields are meaningful: drop the others so they never diff.
        unused = DYNAMIC_GROUP_FIELDS if self.group_type == "static" else STATIC_GROUP_FIELDS
        for name in unused:
            object.__setattr__(self, name, None)
        if self.group_type == "static" and not all(
            getattr(self, name) not in (None, "") for name in STATIC_GROUP_FIELDS if name != "group_subtree"
        ):
            problems.append(
                "a static group type needs group_base_dn, group_object_class, "
                "group_id_attribute, group_member_attribute and group_member_format"
            )
        if self.group_type == "dynamic" and not self.user_member_of_attribute:
            problems.append("a dynamic group type needs user_member_of_attribute")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def to_api(spec: LdapServerSpec) -> dict[str, Any]:
    body = {api: getattr(spec, field) for field, api in API_FIELDS.items()}
    body = {key: value for key, value in body.items() if value is not None}
    # Required by the API even for NONE (then empty).
    body["authPassword"] = spec.auth_password or ""
    return body


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    fields = {field: body.get(api) for field, api in API_FIELDS.items()}
    for name in ("user_base_dn", "user_ldap_filter"):
        fields[name] = fields[name] or ""
    return {key: value for key, value in fields.items() if value is not None}


class LdapServerProvider(NexusProvider[LdapServerSpec], mappers=(to_api, from_api)):
    kind = "LDAP server"
    api = Api("/v1/security/ldap")
    replace_fields = ("name",)
    write_only_fields = ("auth_password",)
    missing_api = PROVIDED_BY["ldap"]
    # Unconfirmed (the open-source core has no LDAP): taken as looking names up ignoring case, as
    # repositories do, so that a case twin is never written or deleted for the stack's server.
    lookup_ignores_case = True
    case_note = "Nexus may look LDAP server names up ignoring case"

    @calls("GET {collection}")
    def find(self, client: NexusClient, spec: LdapServerSpec) -> tuple[str, Any] | None:
        # A name that differs only in case is found too: create refuses it.
        servers = client.get_json(self.api.collection) or []
        for server in sorted(servers, key=lambda s: s.get("name") != spec.name):
            if str(server.get("name", "")).lower() == spec.name.lower():
                return str(server["name"]), server
        return None

    @calls("fetch")
    def update_body(self, client: NexusClient, object_id: str, spec: LdapServerSpec) -> Any:
        body = to_api(spec)
        current = self.fetch(client, object_id, NOTHING)
        if current and current.get("id"):
            body["id"] = current["id"]  # the update schema carries Nexus's own id
        return body


class LdapServer(NexusResource[LdapServerSpec]):
    """An LDAP server, as components declare it."""
