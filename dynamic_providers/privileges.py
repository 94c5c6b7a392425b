"""Privileges (``/v1/security/privileges``), for roles to grant, of every type Nexus has: actions on
a repository's content, all of it (``repository-view``, ``repository-admin``) or the paths a
content selector covers (``repository-content-selector``); actions in an application domain
(``application``: ``blobstores``, ``users``, ...); actions on a stored script (``script``); and a
raw permission string (``wildcard``, e.g. ``nexus:repository-view:raw:*:read``).

Each type has its own fields; a field of another type is refused at check, naming it.
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

# The actions of the API document (BREAD, ALL, and RUN/START/STOP/... of scripts and tasks).
Action = Literal[
    "BROWSE", "READ", "EDIT", "ADD", "DELETE", "ALL", "RUN", "START", "STOP", "ASSOCIATE", "DISASSOCIATE"
]
PrivilegeType = Literal[
    "application", "repository-admin", "repository-content-selector", "repository-view", "script", "wildcard"
]
CONTENT_SELECTOR_TYPE = "repository-content-selector"
# The fields each type has besides name and description (snake_case, as in the spec).
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "application": ("actions", "domain"),
    "repository-admin": ("actions", "format", "repository"),
    "repository-content-selector": ("actions", "format", "repository", "content_selector"),
    "repository-view": ("actions", "format", "repository"),
    "script": ("actions", "script_name"),
    "wildcard": ("pattern",),
}
_OPTIONAL_FIELDS = ("format", "repository", "content_selector", "domain", "script_name", "pattern")
_API_FIELDS = {"content_selector": "contentSelector", "script_name": "scriptName"}
_BREAD_ALL = ("BROWSE", "READ", "EDIT", "ADD", "DELETE", "ALL")
# The actions each type takes (observed on 3.71.0-06: "Privilege of type 'application' cannot use
# action(s) of type 'BROWSE'."; script: the API document's BREAD and RUN, unconfirmed: the core
# has no script to name, docs/nexus-behaviour.md).
TYPE_ACTIONS: dict[str, tuple[str, ...]] = {
    "application": ("READ", "EDIT", "ADD", "DELETE", "ALL", "START", "STOP", "ASSOCIATE", "DISASSOCIATE"),
    "repository-admin": _BREAD_ALL,
    "repository-content-selector": _BREAD_ALL,
    "repository-view": _BREAD_ALL,
    "script": (*_BREAD_ALL, "RUN"),
    "wildcard": (),
}
# The name rule of the API document, which the core enforces for privileges and content selectors
# ("Only letters, digits, underscores(_), hyphens(-), and dots(.) are allowed and may not start
# with underscore or dot.").
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9-][a-zA-Z0-9_.-]*$")


def _actions(value: Any) -> Any:
    # Nexus keeps the actions as a set: upper case, each once, sorted for a stable diff.
    if isinstance(value, (list, tuple)):
        return tuple(sorted({str(action).upper() for action in value}))
    return value


Actions = Annotated[tuple[Action, ...], pydantic.BeforeValidator(_actions)]


class PrivilegeSpec(Spec):
    name: str
    description: str = pydantic.Field("", max_length=DESCRIPTION_LIMIT)
    type: PrivilegeType
    actions: Actions = ()  # every type but wildcard: at least one
    format: str | None = None  # repository types: a repository format (raw, maven2, ...) or "*"
    repository: str | None = None  # repository types: a repository's name or "*"
    content_selector: str | None = None  # the selector's name: repository-content-selector only
    domain: str | None = None  # application: e.g. blobstores, users, or "*"
    script_name: str | None = None  # script: a stored script's name or "*"
    pattern: str | None = None  # wildcard: a permission string, e.g. nexus:repository-view:raw:*:read

    @pydantic.field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError(
                f"'{value}' is not a usable privilege name: letters, digits, '_', '-' and '.', not "
                "starting with '_' or '.' (no spaces or slashes)"
            )
        check_length(value)
        if value.startswith("nx-"):
            raise ValueError(f"'{value}': names starting with nx- are Nexus's own privileges")
        return value


def to_api(spec: PrivilegeSpec) -> dict[str, Any]:
    """The create body of the spec's type: its own fields only."""
    body: dict[str, Any] = {"name": spec.name, "description": spec.description}
    for field in TYPE_FIELDS[spec.type]:
        value = getattr(spec, field)
        body[_API_FIELDS.get(field, field)] = list(value) if field == "actions" else value
    return body


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    return {
        "name": body.get("name"),
        "description": body.get("description") or "",
        "type": body.get("type"),
        "actions": _actions(body.get("actions") or []),
        **{field: body.get(_API_FIELDS.get(field, field)) for field in _OPTIONAL_FIELDS},
    }


_WHAT = {
    "actions": "its actions",
    "format": "a repository format (or *)",
    "repository": "a repository name (or *)",
    "content_selector": "its content selector",
    "domain": "an application domain (or *)",
    "script_name": "a script name (or *)",
    "pattern": "a permission pattern",
}


def type_field_issues(spec: PrivilegeSpec) -> list[tuple[str, str]]:
    """(field, reason) for each field the type needs and lacks, and each of another type."""
    own = TYPE_FIELDS[spec.type]
    issues = [
        (field, f"a {spec.type} privilege names {_WHAT[field]}") for field in own if not getattr(spec, field)
    ]
    refused = [action for action in spec.actions if action not in TYPE_ACTIONS[spec.type]]
    if refused and "actions" in own:
        taken = ", ".join(TYPE_ACTIONS[spec.type])
        issues.append(
            ("actions", f"a {spec.type} privilege cannot use {', '.join(refused)} (it takes {taken})")
        )
    for field in ("actions", *_OPTIONAL_FIELDS):
        if field not in own and getattr(spec, field):
            types = " or ".join(t for t, fields in TYPE_FIELDS.items() if field in fields)
            issues.append((field, f"only {'an' if types[0] in 'aeiou' else 'a'} {types} privilege has one"))
    return issues


class PrivilegeProvider(NexusProvider[PrivilegeSpec], mappers=(to_api, from_api)):
    kind = "privilege"
    # GET and DELETE by name; POST at the type's path
    api = Api("/v1/security/privileges/{type}", item="/v1/security/privileges/{id}", create_ok=(201,))
    replace_fields = ("name", "type")

    def path_fields(self, source: Mapping[str, Any]) -> dict[str, str]:
        return {"type": str(source["type"])}

    def validate_extra(self, spec: PrivilegeSpec) -> list[tuple[str, str]]:
        return type_field_issues(spec)

    @calls("update_body", "PUT {collection}/{id}")
    def update_object(self, client: NexusClient, object_id: str, spec: PrivilegeSpec) -> None:
        # Unlike the GET and the DELETE, the PUT is at the type's path.
        body = self.update_body(client, object_id, spec)
        client.put(self.path("{collection}/{id}", spec.model_dump(), object_id), body, ok=self.api.update_ok)


class Privilege(NexusResource[PrivilegeSpec]):
    """A privilege, as components declare it."""
