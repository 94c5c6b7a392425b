"""Repository privileges (``/v1/security/privileges``): actions on a repository's content, all of
it (``repository-view``, ``repository-admin``) or the paths a content selector covers
(``repository-content-selector``), for roles to grant.

Nexus creates and updates a privilege at a path of its type (``.../privileges/{type}``) and reads
and deletes it by name alone; a privilege cannot change type in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, Spec, calls
from dynamic_providers.client import NexusClient
from reach.names import DESCRIPTION_LIMIT, check_length

Action = Literal["BROWSE", "READ", "EDIT", "ADD", "DELETE", "ALL"]
CONTENT_SELECTOR_TYPE = "repository-content-selector"
# Privilege names travel in URLs (/v1/security/privileges/{name}): no spaces or slashes.
_PRIVILEGE_NAME = re.compile(r"^[^\s/\\]+$")


def _actions(value: Any) -> Any:
    # Nexus keeps the actions as a set: upper case, each once, sorted for a stable diff.
    if isinstance(value, (list, tuple)):
        return tuple(sorted({str(action).upper() for action in value}))
    return value


Actions = Annotated[tuple[Action, ...], pydantic.BeforeValidator(_actions), pydantic.Field(min_length=1)]


class PrivilegeSpec(Spec):
    name: str
    description: str = pydantic.Field("", max_length=DESCRIPTION_LIMIT)
    type: Literal["repository-content-selector", "repository-view", "repository-admin"]
    actions: Actions
    format: str  # a repository format (raw, maven2, ...) or "*"
    repository: str  # a repository's name or "*"
    content_selector: str | None = None  # the selector's name: repository-content-selector only

    @pydantic.field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _PRIVILEGE_NAME.match(value):
            raise ValueError(f"'{value}' is not a usable privilege name (no spaces or slashes)")
        check_length(value)
        if value.startswith("nx-"):
            raise ValueError(f"'{value}': names starting with nx- are Nexus's own privileges")
        return value


def to_api(spec: PrivilegeSpec) -> dict[str, Any]:
    body = {
        "name": spec.name,
        "description": spec.description,
        "actions": list(spec.actions),
        "format": spec.format,
        "repository": spec.repository,
    }
    return body | ({"contentSelector": spec.content_selector} if spec.content_selector else {})


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    return {
        "name": body.get("name"),
        "description": body.get("description") or "",
        "type": body.get("type"),
        "actions": _actions(body.get("actions") or []),
        "format": body.get("format"),
        "repository": body.get("repository"),
        "content_selector": body.get("contentSelector"),
    }


class PrivilegeProvider(NexusProvider[PrivilegeSpec], mappers=(to_api, from_api)):
    kind = "privilege"
    # GET and DELETE by name; POST at the type's path
    api = Api("/v1/security/privileges/{type}", item="/v1/security/privileges/{id}", create_ok=(201,))
    replace_fields = ("name", "type")

    def path_fields(self, source: Mapping[str, Any]) -> dict[str, str]:
        return {"type": str(source["type"])}

    def validate_extra(self, spec: PrivilegeSpec) -> list[tuple[str, str]]:
        if spec.type == CONTENT_SELECTOR_TYPE and not spec.content_selector:
            return [("content_selector", f"a {CONTENT_SELECTOR_TYPE} privilege names its content selector")]
        if spec.type != CONTENT_SELECTOR_TYPE and spec.content_selector:
            return [("content_selector", f"only a {CONTENT_SELECTOR_TYPE} privilege has one")]
        return []

    @calls("update_body", "PUT {collection}/{id}")
    def update_object(self, client: NexusClient, object_id: str, spec: PrivilegeSpec) -> None:
        # Unlike the GET and the DELETE, the PUT is at the type's path.
        body = self.update_body(client, object_id, spec)
        client.put(self.path("{collection}/{id}", spec.model_dump(), object_id), body, ok=self.api.update_ok)


class Privilege(NexusResource[PrivilegeSpec]):
    """A privilege, as components declare it."""
