"""Security roles (``/v1/security/roles``): privileges and contained roles under one id.

A role whose id is an LDAP group's name is how Nexus maps that group: with ``ldapGroupsAsRoles``
an LDAP user's groups are looked up as role ids (the UI's "External Role Mapping" creates such a
role). The REST API has no ``source`` on create, so the mapping is declared as a role with that id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pydantic

from dynamic_providers.base import NOTHING, Api, NameSet, NexusProvider, NexusResource, Spec, calls
from dynamic_providers.client import NexusClient
from reach.names import DESCRIPTION_LIMIT, ID_LIMIT, check_length

# Role ids travel in URLs (/v1/security/roles/{id}): no spaces or slashes.
_ROLE_ID = re.compile(r"^[^\s/\\]+$")
#: Every role of Nexus's own source (not those of LDAP or another realm), each as its item GET
#: answers it.
EVERY_ROLE = "/v1/security/roles?source=default"
BREAD_PUSH = ("browse", "read", "add", "edit")
BREAD_PULL = ("browse", "read")


def repository_view_privileges(fmt: str, repository: str, actions: tuple[str, ...]) -> tuple[str, ...]:
    """The names of the privileges Nexus creates with each repository, e.g.
    ``nx-repository-view-docker-docker-all-read``."""
    return tuple(f"nx-repository-view-{fmt}-{repository}-{action}" for action in actions)


REPOSITORY_PRIVILEGE_PREFIXES = ("nx-repository-view-", "nx-repository-admin-")


def privilege_repositories(privileges: tuple[str, ...]) -> list[str]:
    """The repositories named by per-repository privileges (``nx-repository-view-<format>-<name>-
    <action>``, also ``admin``), in order, once each; other privileges name none."""
    names: list[str] = []
    for privilege in privileges:
        prefix = next((p for p in REPOSITORY_PRIVILEGE_PREFIXES if privilege.startswith(p)), None)
        if prefix is None:
            continue
        _format, _, rest = privilege[len(prefix) :].partition("-")
        name = rest.rpartition("-")[0]  # actions (read, browse, add, edit, delete, *) have no dash
        if name and name not in names:
            names.append(name)
    return names


class RoleSpec(Spec):
    # Not `id`: that name is the resource's own id in Pulumi.
    role_id: str
    name: str = pydantic.Field("", max_length=ID_LIMIT)
    description: str = pydantic.Field("", max_length=DESCRIPTION_LIMIT)
    privileges: NameSet = ()  # sets in Nexus (and sorted in its answers)
    roles: NameSet = ()

    @pydantic.field_validator("role_id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ROLE_ID.match(value):
            raise ValueError(f"'{value}' is not a usable role id (no spaces or slashes)")
        check_length(value)
        if value.startswith("nx-"):
            raise ValueError(f"'{value}': ids starting with nx- are Nexus's built-in roles")
        return value

    @pydantic.model_validator(mode="after")
    def _defaults(self) -> RoleSpec:
        if not self.name:
            object.__setattr__(self, "name", self.role_id)
        if self.role_id in self.roles:
            raise ValueError(f"role '{self.role_id}' cannot contain itself")
        return self


def to_api(spec: RoleSpec) -> dict[str, Any]:
    return {
        "id": spec.role_id,
        "name": spec.name,
        "description": spec.description,
        "privileges": list(spec.privileges),
        "roles": list(spec.roles),
    }


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    return {
        "role_id": body.get("id"),
        "name": body.get("name") or "",
        "description": body.get("description") or "",
        "privileges": tuple(body.get("privileges") or ()),
        "roles": tuple(body.get("roles") or ()),
    }


class RoleProvider(NexusProvider[RoleSpec], mappers=(to_api, from_api)):
    kind = "role"
    # Role ids are exact in every call (observed on 3.71.0-06): TW-R and tw-r are two roles.
    api = Api("/v1/security/roles", id_field="role_id", answer_id="id", create_ok=(200, 201))
    replace_fields = ("role_id",)
    delete_refusals = (("internal", "{label} is built into Nexus and cannot be deleted ({detail})"),)

    @calls(f"GET {EVERY_ROLE} (every role, once per provider process until it writes)")
    def read_body(
        self, client: NexusClient, object_id: str, props: Mapping[str, Any]
    ) -> tuple[Any | None, str | None]:
        return self.listed(client, EVERY_ROLE, object_id, props)


class Role(NexusResource[RoleSpec]):
    """A role, as components declare it."""
