"""Security: users, roles, privileges, realms, anonymous access,
LDAP servers, change-password, plus the Shiro-style permission check used by every route."""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Callable, Container
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import features
from ..core import Area, Request, Route, ServerState, crud, register
from ..errors import (
    BeanValidationError,
    EmptyError,
    FieldValidationError,
    MessageError,
    Response,
    UnexpectedError,
    value_too_long,
)
from ..spec import load_spec, render_with_schema
from .content_selectors import ContentSelectors
from .repositories import Repositories

HIDDEN_REALM = "NexusAuthorizingRealm"
BREAD = ("browse", "read", "edit", "add", "delete")
# Application privileges take BREAD actions and are checked against CRUD permissions.
APPLICATION_ACTIONS = {
    "browse": "read",
    "read": "read",
    "edit": "update",
    "add": "create",
    "delete": "delete",
    "all": "*",
}


def implies(granted: str, required: str) -> bool:
    """Shiro ``WildcardPermission#implies`` (case-insensitive, ``,``-separated sub-parts)."""
    g_parts = [set(p.split(",")) for p in granted.lower().split(":")]
    r_parts = [set(p.split(",")) for p in required.lower().split(":")]
    for i, r_part in enumerate(r_parts):
        if i >= len(g_parts):
            return True
        if "*" not in g_parts[i] and not r_part <= g_parts[i]:
            return False
    return all("*" in g for g in g_parts[len(r_parts) :])


@dataclass
class User:
    userId: str  # noqa: N815 - API field names
    firstName: str | None  # noqa: N815
    lastName: str | None  # noqa: N815
    emailAddress: str | None  # noqa: N815
    password: str
    status: str
    roles: list[str] = field(default_factory=list)

    def api(self, known_roles: Container[str] | None = None) -> dict[str, Any]:
        """The API form; ``known_roles`` given: unknown role ids are left out, as reads do."""
        roles = [r for r in self.roles if known_roles is None or r in known_roles]
        return {
            "userId": self.userId,
            "firstName": self.firstName,
            "lastName": self.lastName,
            "emailAddress": self.emailAddress,
            "source": "default",
            "status": self.status,
            "readOnly": False,
            "roles": sorted(roles),
            "externalRoles": [],
        }


@dataclass
class Role:
    id: str
    name: str
    description: str | None
    privileges: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    read_only: bool = False

    def api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": "default",
            "name": self.name,
            "description": self.description,
            "readOnly": self.read_only,
            "privileges": sorted(self.privileges),
            "roles": sorted(self.roles),
        }


def _privilege(
    ptype: str, name: str, description: str, read_only: bool = True, **fields: Any
) -> dict[str, Any]:
    return {"type": ptype, "name": name, "description": description, "readOnly": read_only, **fields}


CORE_PRIVILEGES = Path(__file__).parent.parent / "privileges-3.71.0-06-oss.json"
"""The built-in privileges of the real 3.71.0-06 core, but the per-repository ones."""
ACTION_WORDS = {
    "*": "All",
    "browse": "Browse",
    "read": "Read",
    "edit": "Edit",
    "add": "Add",
    "delete": "Delete",
}


def _view_privilege(fmt: str, repo: str, action: str) -> dict[str, Any]:
    """``nx-repository-view-<fmt>-<repo>-<action>`` with the real server's description."""
    scope = f"all '{fmt}'-format" if repo == "*" else repo
    word = ACTION_WORDS[action] + (" privileges" if action == "*" else " privilege")
    return _privilege(
        "repository-view",
        f"nx-repository-view-{fmt}-{repo}-{action}",
        f"{word} for {scope} repository views",
        actions=["ALL" if action == "*" else action.upper()],
        format=fmt,
        repository=repo,
    )


def _builtin_privileges(offers: Callable[[str], bool]) -> dict[str, dict[str, Any]]:
    """The core's built-in privileges (observed), plus what the other editions add."""
    privs: list[dict[str, Any]] = json.loads(CORE_PRIVILEGES.read_text(encoding="utf-8"))
    core_formats = {p.get("format") for p in privs}
    for segment in features.FORMATS:
        fmt = features.FORMATS[segment]
        if offers(features.fmt(segment)) and fmt not in core_formats:
            # unconfirmed: the per-format wildcards of the Community/Pro formats, by the core's pattern
            privs += [_view_privilege(fmt, "*", action) for action in (*BREAD, "*")]
    if offers(features.LDAP):
        # unconfirmed: the LDAP and health-check privileges of Community/Pro (not in the core)
        for name, domain, action in (
            ("nx-ldap-all", "ldap", "ALL"),
            ("nx-ldap-read", "ldap", "READ"),
            ("nx-healthcheck-read", "healthcheck", "READ"),
        ):
            privs.append(
                _privilege(
                    "application",
                    name,
                    f"{action.title()} permission for {domain}",
                    actions=[action],
                    domain=domain,
                )
            )
    return {p["name"]: p for p in privs}


def permission_of(priv: dict[str, Any]) -> str:
    ptype = priv["type"]
    actions = [a.lower() for a in priv.get("actions") or []]
    if ptype == "wildcard":
        return str(priv["pattern"])
    if ptype == "application":
        crud_actions = sorted({APPLICATION_ACTIONS.get(a, a) for a in actions})
        return f"nexus:{priv['domain']}:{'*' if '*' in crud_actions else ','.join(crud_actions)}"
    joined = "*" if "all" in actions else ",".join(actions)
    if ptype == "script":
        return f"nexus:script:{priv.get('scriptName')}:{joined}"
    kind = ptype.removeprefix("repository-")
    return f"nexus:repository-{kind}:{priv.get('format')}:{priv.get('repository')}:{joined}"


class Security:
    def __init__(
        self,
        admin_password: str,
        admin_status: str = "active",
        anonymous_enabled: bool = True,
        offers: Callable[[str], bool] = lambda _: True,
    ) -> None:
        self.users: dict[str, User] = {
            "admin": User(
                "admin",
                "Administrator",
                "User",
                "admin@example.org",
                admin_password,
                admin_status,
                ["nx-admin"],
            ),
            "anonymous": User(
                "anonymous",
                "Anonymous",
                "User",
                "anonymous@example.org",
                uuid.uuid4().hex,
                "active",
                ["nx-anonymous"],
            ),
        }
        self.roles: dict[str, Role] = {
            "nx-admin": Role("nx-admin", "nx-admin", "Administrator Role", ["nx-all"], [], True),
            "nx-anonymous": Role(
                "nx-anonymous",
                "nx-anonymous",
                "Anonymous Role",
                [
                    "nx-healthcheck-read",
                    "nx-search-read",
                    "nx-repository-view-*-*-read",
                    "nx-repository-view-*-*-browse",
                ],
                [],
                True,
            ),
        }
        self.privileges = _builtin_privileges(offers)
        self.offers = offers
        # The stored realm configuration, as every Nexus 3 starts it (InitialRealmConfigurationProvider):
        # the local authenticating realm, then the authorizing one, which 3.61+ hides (``realms``).
        self.realm_config: list[str] = ["NexusAuthenticatingRealm", HIDDEN_REALM]
        # unconfirmed: whether anonymous access defaults to enabled on a fresh 3.9x CE.
        self.anonymous = {"enabled": anonymous_enabled, "userId": "anonymous", "realmName": HIDDEN_REALM}
        self.ldap: dict[str, dict[str, Any]] = {}
        self.admin_password_file: str | None = None

    # -- authentication & authorisation ----------------------------------------------------
    def authenticate(self, user_id: str, password: str) -> bool:
        user = self.users.get(user_id)
        return user is not None and user.password == password and user.status in ("active", "changepassword")

    def granted_privileges(self, user_id: str) -> list[dict[str, Any]]:
        """The privileges the user's roles grant, contained roles included."""
        user = self.users.get(user_id)
        if user is None:
            return []
        seen: set[str] = set()
        pending = list(user.roles)
        privileges: list[dict[str, Any]] = []
        while pending:
            role = self.roles.get(pending.pop())
            if role is None or role.id in seen:
                continue
            seen.add(role.id)
            pending.extend(role.roles)
            privileges.extend(self.privileges[p] for p in role.privileges if p in self.privileges)
        return privileges

    def _granted(self, user_id: str) -> list[str]:
        return [permission_of(privilege) for privilege in self.granted_privileges(user_id)]

    def permits(self, user_id: str, permission: str) -> bool:
        return self.authorizes() and any(implies(g, permission) for g in self._granted(user_id))

    def broken_privilege(self, priv: dict[str, Any]) -> UnexpectedError | None:
        """The error reading ``priv`` fails with, if a PUT at another type's path broke it."""
        return broken_privilege_error(priv)

    # -- realms --------------------------------------------------------------------------------
    def separate_authorizing_realm(self) -> bool:
        """Before 3.61 the authorizing realm is a realm like any other (``features.py``)."""
        return self.offers(features.realm(HIDDEN_REALM))

    @property
    def active_realms(self) -> list[str]:
        """The active realms as ``GET /v1/security/realms/active`` answers them."""
        if self.separate_authorizing_realm():
            return list(self.realm_config)
        return [r for r in self.realm_config if r != HIDDEN_REALM]

    def set_active_realms(self, ids: list[str]) -> None:
        """Before 3.61 the list is stored as given; from 3.61 the hidden realm is kept, last."""
        ids = list(dict.fromkeys(ids))
        if not self.separate_authorizing_realm():
            ids = [r for r in ids if r != HIDDEN_REALM] + [HIDDEN_REALM]
        self.realm_config = ids

    def installed_realms(self) -> list[str]:
        """The realms Nexus runs with: from 3.61 the authorizing realm even when not stored."""
        if self.separate_authorizing_realm() or HIDDEN_REALM in self.realm_config:
            return list(self.realm_config)
        return [*self.realm_config, HIDDEN_REALM]

    def authorizes(self) -> bool:
        """Whether any permission can be granted: not without the authorizing realm (before 3.61,
        a realm list without it locks every user out, the admin too)."""
        return HIDDEN_REALM in self.installed_realms()

    # -- repository privileges ---------------------------------------------------------------
    def add_repository_privileges(self, fmt: str, repo: str) -> None:
        """The privileges Nexus creates with a repository (observed on 3.71.0-06: views take all
        BREAD actions, administration has no ``add``)."""
        for action in (*BREAD, "*"):
            view = _view_privilege(fmt, repo, action)
            self.privileges[view["name"]] = view
        for action in ("browse", "read", "edit", "delete", "*"):
            word = ACTION_WORDS[action] + (" privileges" if action == "*" else " privilege")
            name = f"nx-repository-admin-{fmt}-{repo}-{action}"
            self.privileges[name] = _privilege(
                "repository-admin",
                name,
                f"{word} for {repo} repository administration",
                actions=["ALL" if action == "*" else action.upper()],
                format=fmt,
                repository=repo,
            )

    def remove_repository_privileges(self, fmt: str, repo: str) -> None:
        """The repository's privileges go, and every role loses them (observed on 3.71.0-06: a role
        that granted one reads ``"privileges" : [ ]`` after the repository is deleted)."""
        prefixes = (f"nx-repository-view-{fmt}-{repo}-", f"nx-repository-admin-{fmt}-{repo}-")
        gone = {n for n, p in self.privileges.items() if p["readOnly"] and n.startswith(prefixes)}
        for name in gone:
            del self.privileges[name]
        for role in self.roles.values():
            role.privileges = [p for p in role.privileges if p not in gone]

    def snapshot(self) -> dict[str, Any]:
        users = {
            k: {kk: vv for kk, vv in asdict(u).items() if kk != "password"}
            for k, u in sorted(self.users.items())
        }
        return {
            "users": users,
            "roles": {k: asdict(r) for k, r in sorted(self.roles.items())},
            "privileges": copy.deepcopy(dict(sorted(self.privileges.items()))),
            "activeRealms": list(self.active_realms),
            "anonymous": dict(self.anonymous),
            "ldap": copy.deepcopy(self.ldap),
        }


def _sec(req: Request) -> Security:
    return req.state.store(Security)


# -- realms & anonymous ---------------------------------------------------------------------------


def _available_realms(req: Request) -> dict[str, str]:
    return features.available_realms(req.state.edition, req.state.version)


def realms_available(req: Request) -> Response:
    items = sorted(_available_realms(req).items(), key=lambda kv: kv[1])
    return Response.json(200, [{"id": k, "name": v} for k, v in items])


def realms_active(req: Request) -> Response:
    return Response.json(200, list(_sec(req).active_realms))


def set_realms_active(req: Request) -> Response:
    ids: list[str] = req.body or []
    available = _available_realms(req)
    unknown = [i for i in ids if i not in available]
    if unknown:
        raise MessageError(400, f"Unknown realmIds: [{', '.join(unknown)}]", text=True)
    _sec(req).set_active_realms(ids)
    return Response.no_content(204)


def get_anonymous(req: Request) -> Response:
    return Response.json(200, dict(_sec(req).anonymous))


def put_anonymous(req: Request) -> Response:
    sec = _sec(req)
    body = req.body or {}
    realm = body.get("realmName") or HIDDEN_REALM
    # RealmExistsValidator: one of the realms Nexus runs with (from 3.61 always the hidden one).
    if realm not in sec.installed_realms():
        raise FieldValidationError([("realmName", "Realm does not exist")])
    sec.anonymous = {
        "enabled": bool(body.get("enabled")),
        "userId": body.get("userId") or "anonymous",
        "realmName": realm,
    }
    return Response.json(200, dict(sec.anonymous))


# -- users -----------------------------------------------------------------------------------------


ROLE_COLUMNS = {"ID": 200, "NAME": 200, "DESCRIPTION": 400}  # CRoleDAO.xml of 3.71.0-06
USER_COLUMNS = {"ID": 200, "FIRST_NAME": 200, "LAST_NAME": 200, "EMAIL": 200}  # CUserDAO.xml
USER_FIELDS = {"userId": "ID", "firstName": "FIRST_NAME", "lastName": "LAST_NAME", "emailAddress": "EMAIL"}


def check_columns(body: dict[str, Any], fields: dict[str, str], columns: dict[str, int]) -> None:
    """The insert fails on a value longer than its column (issue 31 on 3.71.0-06: a role id of 201
    characters fails with ``Value too long for column "ID CHARACTER VARYING(200)"``)."""
    for field_name, column in fields.items():
        value = body.get(field_name)
        if isinstance(value, str) and len(value) > columns[column]:
            raise value_too_long(column, columns[column], value)


def _check_roles(sec: Security, roles: list[str]) -> None:
    missing = [r for r in roles if r not in sec.roles]
    if missing:
        raise FieldValidationError([("roles", f"Unable to locate roleId: {r}") for r in missing])


def _user(req: Request) -> User:
    user_id = req.params["userId"]
    user = _sec(req).users.get(user_id)
    if user is None:
        raise MessageError(404, f"User '{user_id}' not found.")
    return user


def list_users(req: Request) -> Response:
    prefix = (req.arg("userId") or "").lower()
    source = req.arg("source")
    users = [
        u.api(_sec(req).roles)
        for u in sorted(_sec(req).users.values(), key=lambda u: u.userId)
        if u.userId.lower().startswith(prefix) and source in (None, "", "default")
    ]
    return Response.json(200, users)


def create_user(req: Request) -> Response:
    sec = _sec(req)
    body = req.body or {}
    # Bean validation of ApiCreateUser (observed on 3.71.0-06; Nexus lists them in no fixed order).
    missing = [
        (f, "must not be empty")
        for f in ("userId", "firstName", "lastName", "emailAddress", "password", "roles")
        if not body.get(f)
    ]
    if body.get("status") is None:
        missing.append(("status", "must not be null"))
    if missing:
        raise BeanValidationError(missing)
    check_columns(body, USER_FIELDS, USER_COLUMNS)
    if body["userId"] in sec.users:
        # observed on 3.71.0-06: 500 text/plain
        raise UnexpectedError(
            f"User {body['userId']} already exists.",
            "org.sonatype.nexus.security.user.DuplicateUserException",
        )
    # Unknown role ids are accepted and kept on create (observed on 3.71.0-06): the answer lists
    # them, reads leave them out until a role of that id exists. An update checks them.
    user = User(
        body["userId"],
        body.get("firstName"),
        body.get("lastName"),
        body.get("emailAddress"),
        body["password"],
        body.get("status", "active").lower(),
        list(body.get("roles") or []),
    )
    sec.users[user.userId] = user
    return Response.json(200, user.api())


def update_user(req: Request) -> Response:
    sec = _sec(req)
    body = req.body or {}
    if body.get("userId") != req.params["userId"]:
        raise MessageError(400, "The path's userId does not match the body")
    user = _user(req)
    _check_roles(sec, body.get("roles") or [])
    user.firstName = body.get("firstName")
    user.lastName = body.get("lastName")
    user.emailAddress = body.get("emailAddress")
    user.status = str(body.get("status", user.status)).lower()
    user.roles = list(body.get("roles") or [])
    return Response.no_content(204)


def delete_user(req: Request) -> Response:
    sec = _sec(req)
    user = _user(req)
    if user.userId == req.user_id:
        raise UnexpectedError("Can not delete currently signed in user")
    if user.userId == sec.anonymous["userId"] and sec.anonymous["enabled"]:
        raise UnexpectedError("Can not delete anonymous user")
    del sec.users[user.userId]
    return Response.no_content(204)


def change_password(req: Request) -> Response:
    user = _user(req)
    password = req.body if isinstance(req.body, str) else ""
    if not password.strip():
        raise MessageError(400, "Password must be supplied.")
    user.password = password
    if user.status == "changepassword":
        user.status = "active"
    sec = _sec(req)
    if user.userId == "admin" and sec.admin_password_file and os.path.exists(sec.admin_password_file):
        os.remove(sec.admin_password_file)
    return Response.no_content(204)


# -- roles -------------------------------------------------------------------------------------------


def _role(req: Request) -> Role:
    role_id = req.params["id"]
    role = _sec(req).roles.get(role_id)
    if role is None:
        raise MessageError(404, f"Role '{role_id}' not found.")
    return role


def _check_role_refs(sec: Security, role_id: str, body: dict[str, Any]) -> None:
    """Child roles, then privileges, must exist; the first unknown one is named (observed on 3.71.0-06)."""
    for child in body.get("roles") or []:
        if child not in sec.roles:
            raise MessageError(400, f"Role '{child}' contained in role '{role_id}' not found.")
    for priv in body.get("privileges") or []:
        if priv not in sec.privileges:
            raise MessageError(400, f"Privilege '{priv}' contained in role '{role_id}' not found.")


def list_roles(req: Request) -> Response:
    return Response.json(200, [r.api() for _, r in sorted(_sec(req).roles.items())])


def get_role(req: Request) -> Response:
    return Response.json(200, _role(req).api())


def create_role(req: Request) -> Response:
    sec = _sec(req)
    body = req.body or {}
    if not body.get("id") or not body.get("name"):
        raise BeanValidationError([(f, "must not be empty") for f in ("id", "name") if not body.get(f)])
    if body["id"] in sec.roles:
        raise MessageError(400, f"Role '{body['id']}' already exists, use a unique roleId.")
    check_columns(body, {"id": "ID", "name": "NAME", "description": "DESCRIPTION"}, ROLE_COLUMNS)
    _check_role_refs(sec, body["id"], body)
    role = Role(
        body["id"],
        body["name"],
        # observed on 3.71.0-06 (issue 31): a role created without a description gets its id
        body["id"] if body.get("description") is None else body["description"],
        list(body.get("privileges") or []),
        list(body.get("roles") or []),
    )
    sec.roles[role.id] = role
    return Response.json(200, role.api())


def update_role(req: Request) -> Response:
    sec = _sec(req)
    role = _role(req)
    body = req.body or {}
    if role.read_only:
        raise MessageError(400, f"Role '{role.id}' is internal and cannot be modified or deleted.")
    _check_role_refs(sec, role.id, body)
    role.name = body.get("name") or role.name
    role.description = body.get("description")
    role.privileges = list(body.get("privileges") or [])
    role.roles = list(body.get("roles") or [])
    return Response.no_content(204)


def delete_role(req: Request) -> Response:
    role = _role(req)
    if role.read_only:
        raise MessageError(400, f"Role '{role.id}' is internal and cannot be modified or deleted.")
    del _sec(req).roles[role.id]
    return Response.no_content(204)


# -- privileges ----------------------------------------------------------------------------------------


def _privilege_api(priv: dict[str, Any]) -> dict[str, Any]:
    error = broken_privilege_error(priv)
    if error is not None:
        raise error
    return copy.deepcopy(priv)


def list_privileges(req: Request) -> Response:
    return Response.json(200, [_privilege_api(p) for _, p in sorted(_sec(req).privileges.items())])


def _priv(req: Request) -> dict[str, Any]:
    name = req.params["privilegeName"]
    priv = _sec(req).privileges.get(name)
    if priv is None:
        raise MessageError(404, f"Privilege '{name}' not found.")
    return priv


def get_privilege(req: Request) -> Response:
    return Response.json(200, _privilege_api(_priv(req)))


# Each type's own fields (a field of another type in the body is ignored, observed for wildcard).
PRIVILEGE_FIELDS = {
    "application": ("actions", "domain"),
    "repository-admin": ("actions", "format", "repository"),
    "repository-content-selector": ("actions", "format", "repository", "contentSelector"),
    "repository-view": ("actions", "format", "repository"),
    "script": ("actions", "scriptName"),
    "wildcard": ("pattern",),
}
_BREAD_ALL = ("BROWSE", "READ", "EDIT", "ADD", "DELETE", "ALL")
# Observed on 3.71.0-06: "Privilege of type 'application' cannot use action(s) of type 'BROWSE'."
# (RUN too); the repository types take BREAD and ALL only. Script: unconfirmed (the core has no
# script to name: creating one is disabled, 410).
PRIVILEGE_ACTIONS = {
    "application": ("READ", "EDIT", "ADD", "DELETE", "ALL", "START", "STOP", "ASSOCIATE", "DISASSOCIATE"),
    "repository-admin": _BREAD_ALL,
    "repository-content-selector": _BREAD_ALL,
    "repository-view": _BREAD_ALL,
    "script": (*_BREAD_ALL, "RUN"),
}


def _privilege_from_body(ptype: str, body: dict[str, Any]) -> dict[str, Any]:
    fields = {k: body.get(k) for k in PRIVILEGE_FIELDS[ptype]}
    if "actions" in fields:
        fields["actions"] = [str(a).upper() for a in fields["actions"] or []]
    return _privilege(ptype, body["name"], body.get("description") or "", read_only=False, **fields)


def _check_privilege(req: Request, ptype: str, body: dict[str, Any]) -> None:
    """What the core checks, in its order (observed on 3.71.0-06): blank fields (bean validation),
    the type's actions, then what the fields name must exist."""
    blank = [
        (f, "must not be empty" if f == "actions" else "must not be blank")
        for f in PRIVILEGE_FIELDS[ptype]
        if not body.get(f)
    ]
    if blank:
        raise BeanValidationError(blank)
    refused = [
        a for a in (str(a).upper() for a in body.get("actions") or []) if a not in PRIVILEGE_ACTIONS[ptype]
    ]
    if refused:
        raise MessageError(400, f"Privilege of type '{ptype}' cannot use action(s) of type '{refused[0]}'.")
    if ptype == "script":
        # The emulator stores no scripts, as the core cannot create one (410): every name, * too,
        # is "Invalid script 'x' supplied." (observed on 3.71.0-06).
        raise MessageError(400, f"Invalid script '{body['scriptName']}' supplied.")
    if "format" in body and ptype.startswith("repository-"):
        fmt, name = body["format"], body["repository"]
        offered = {f for segment, f in features.FORMATS.items() if req.state.offers(features.fmt(segment))}
        if fmt != "*" and fmt not in offered:
            raise MessageError(400, f"Invalid format '{fmt}' supplied.")
        if name != "*":
            repo = req.state.store(Repositories).find(name)
            if repo is None:
                raise MessageError(400, f"Invalid repository '{name}' supplied.")
            if fmt not in ("*", repo.format):
                raise MessageError(400, f"Invalid format '{fmt}' supplied for repository '{name}'.")
    selector = body.get("contentSelector")
    if ptype == "repository-content-selector" and selector not in req.state.store(ContentSelectors).selectors:
        raise MessageError(400, f"Invalid selector '{selector}' supplied.")


def create_privilege(req: Request) -> Response:
    sec = _sec(req)
    ptype = req.template.split("/")[4]
    body = req.body or {}
    if not body.get("name"):
        raise BeanValidationError([("name", "must not be blank")])
    _check_privilege(req, ptype, body)
    if body["name"] in sec.privileges:
        raise MessageError(400, f"Privilege '{body['name']}' already exists, use a unique name.")
    sec.privileges[body["name"]] = _privilege_from_body(ptype, body)
    return Response.no_content(201)


def update_privilege(req: Request) -> Response:
    priv = _priv(req)
    ptype = req.template.split("/")[4]
    if priv["readOnly"]:
        raise MessageError(400, f"Privilege '{priv['name']}' is internal and cannot be modified or deleted.")
    body = dict(req.body or {}, name=priv["name"])
    _check_privilege(req, ptype, body)
    changed = _privilege_from_body(ptype, body)
    if priv["type"] != ptype:
        # Observed on 3.71.0-06: a PUT at another type's path is taken (204), keeps the stored
        # type with the new type's fields, and the privilege is broken from then on (below).
        changed["type"] = priv["type"]
    _sec(req).privileges[priv["name"]] = changed
    return Response.no_content(204)


def broken_privilege_error(priv: dict[str, Any]) -> UnexpectedError | None:
    """A privilege without its type's fields (after a PUT at another type's path): reading it, the
    list, and deleting a content selector fail with 500 (observed on 3.71.0-06)."""
    missing = [f for f in PRIVILEGE_FIELDS.get(priv["type"], ()) if priv.get(f) is None]
    if not missing or priv["readOnly"]:
        return None
    if priv["type"] == "wildcard":
        return UnexpectedError("Missing required property: pattern", "java.lang.IllegalStateException")
    return UnexpectedError(
        'Cannot invoke "String.split(String)" because the return value of '
        '"org.sonatype.nexus.security.privilege.Privilege.getPrivilegeProperty(String)" is null',
        "java.lang.NullPointerException",
    )


def delete_privilege(req: Request) -> Response:
    priv = _priv(req)
    error = broken_privilege_error(priv)
    if error is not None and priv["type"] == "wildcard":
        raise error  # observed: a wildcard privilege without its pattern cannot be deleted either
    if priv["readOnly"]:
        raise MessageError(400, f"Privilege '{priv['name']}' is internal and cannot be modified or deleted.")
    del _sec(req).privileges[priv["name"]]
    return Response.no_content(204)


# -- LDAP -----------------------------------------------------------------------------------------------


def _ldap_api(server: dict[str, Any]) -> dict[str, Any]:
    spec = load_spec()
    out: dict[str, Any] = render_with_schema(spec.schema("ReadLdapServerXo"), server)
    return out


def _ldap(req: Request) -> dict[str, Any]:
    name = req.params["name"]
    server = _sec(req).ldap.get(name)
    if server is None:
        # unconfirmed: wording of the LDAP 404.
        raise MessageError(404, f"LDAP server {name} not found")
    return server


def list_ldap(req: Request) -> Response:
    servers = sorted(_sec(req).ldap.values(), key=lambda s: s["order"])
    return Response.json(200, [_ldap_api(s) for s in servers])


def create_ldap(req: Request) -> Response:
    sec = _sec(req)
    body = dict(req.body or {})
    if body["name"] in sec.ldap:
        # unconfirmed: duplicate LDAP server answer.
        raise MessageError(400, f"LDAP server {body['name']} already exists")
    body["id"] = uuid.uuid4().hex
    body["order"] = len(sec.ldap)
    sec.ldap[body["name"]] = body
    return Response.no_content(201)


def get_ldap(req: Request) -> Response:
    return Response.json(200, _ldap_api(_ldap(req)))


def update_ldap(req: Request) -> Response:
    sec = _sec(req)
    server = _ldap(req)
    body = dict(req.body or {})
    body["id"], body["order"] = server["id"], server["order"]
    if not body.get("authPassword"):
        body["authPassword"] = server.get("authPassword")
    if body.get("name", server["name"]) != server["name"]:
        del sec.ldap[server["name"]]
    sec.ldap[body.setdefault("name", server["name"])] = body
    return Response.no_content(204)


def delete_ldap(req: Request) -> Response:
    sec = _sec(req)
    del sec.ldap[_ldap(req)["name"]]
    for i, server in enumerate(sorted(sec.ldap.values(), key=lambda s: s["order"])):
        server["order"] = i
    return Response.no_content(204)


def ldap_change_order(req: Request) -> Response:
    sec = _sec(req)
    names: list[str] = req.body or []
    if sorted(names) != sorted(sec.ldap):
        raise EmptyError(400)  # unconfirmed: answer for an incomplete or unknown order list
    for i, name in enumerate(names):
        sec.ldap[name]["order"] = i
    return Response.no_content(204)


USERS, ROLES, PRIVS, SETTINGS, LDAP = (crud(d) for d in ("users", "roles", "privileges", "settings", "ldap"))

ROUTES = [
    Route("GET", "/v1/security/realms/available", realms_available, SETTINGS),
    Route("GET", "/v1/security/realms/active", realms_active, SETTINGS),
    Route("PUT", "/v1/security/realms/active", set_realms_active, SETTINGS),
    Route("GET", "/v1/security/anonymous", get_anonymous, SETTINGS),
    Route("PUT", "/v1/security/anonymous", put_anonymous, SETTINGS),
    Route("GET", "/v1/security/users", list_users, USERS),
    Route("POST", "/v1/security/users", create_user, USERS),
    Route("PUT", "/v1/security/users/{userId}", update_user, USERS),
    Route("DELETE", "/v1/security/users/{userId}", delete_user, USERS),
    Route("PUT", "/v1/security/users/{userId}/change-password", change_password, "nexus:*"),
    Route("GET", "/v1/security/roles", list_roles, ROLES),
    Route("POST", "/v1/security/roles", create_role, ROLES),
    Route("GET", "/v1/security/roles/{id}", get_role, ROLES),
    Route("PUT", "/v1/security/roles/{id}", update_role, ROLES),
    Route("DELETE", "/v1/security/roles/{id}", delete_role, ROLES),
    Route("GET", "/v1/security/privileges", list_privileges, PRIVS),
    Route("GET", "/v1/security/privileges/{privilegeName}", get_privilege, PRIVS),
    Route("DELETE", "/v1/security/privileges/{privilegeName}", delete_privilege, PRIVS),
    Route("GET", "/v1/security/ldap", list_ldap, LDAP, feature=features.LDAP),
    Route("POST", "/v1/security/ldap", create_ldap, LDAP, feature=features.LDAP),
    Route(
        "POST",
        "/v1/security/ldap/change-order",
        ldap_change_order,
        "nexus:ldap:update",
        feature=features.LDAP,
    ),
    Route("GET", "/v1/security/ldap/{name}", get_ldap, LDAP, feature=features.LDAP),
    Route("PUT", "/v1/security/ldap/{name}", update_ldap, LDAP, feature=features.LDAP),
    Route("DELETE", "/v1/security/ldap/{name}", delete_ldap, LDAP, feature=features.LDAP),
]
for _ptype in PRIVILEGE_FIELDS:
    ROUTES += [
        Route("POST", f"/v1/security/privileges/{_ptype}", create_privilege, PRIVS),
        Route("PUT", f"/v1/security/privileges/{_ptype}/{{privilegeName}}", update_privilege, PRIVS),
    ]


def _new_security(state: ServerState) -> Security:
    start = state.startup
    return Security(start.admin_password, start.admin_status, start.anonymous_enabled, state.offers)


SELECTOR_PRIVILEGES = "/v1/security/privileges/repository-content-selector"
SELECTOR_PRIVILEGE = {
    "name": "raw-team-a-read",
    "description": "",
    "actions": ["BROWSE", "READ"],
    "format": "raw",
    "repository": "*",
    "contentSelector": "team-a",
}
SCRIPT_PRIVILEGES = "/v1/security/privileges/script"
SCRIPT_PRIVILEGE = {"name": "w", "actions": ["RUN"], "scriptName": "cleanup"}
AREA = register(
    Area(
        "security",
        ROUTES,
        store=_new_security,
        # the scenario of test_contract.py covers the rest
        contract=[
            (
                "POST",
                "/v1/security/content-selectors",
                {"name": "team-a", "expression": 'path =^ "/a/"'},
                204,
            ),
            ("POST", SELECTOR_PRIVILEGES, SELECTOR_PRIVILEGE, 201),
            (
                "PUT",
                f"{SELECTOR_PRIVILEGES}/raw-team-a-read",
                {**SELECTOR_PRIVILEGE, "actions": ["ALL"]},
                204,
            ),
            ("DELETE", "/v1/security/privileges/raw-team-a-read", None, 204),
            ("DELETE", "/v1/security/content-selectors/team-a", None, 204),
            # No script can exist on the core (creating one is disabled), so neither can a script
            # privilege: refused with the core's message (test_contract.MESSAGE_REFUSALS).
            ("POST", SCRIPT_PRIVILEGES, SCRIPT_PRIVILEGE, 400),
            ("POST", "/v1/security/privileges/wildcard", {"name": "w", "pattern": "nexus:*"}, 201),
            ("PUT", f"{SCRIPT_PRIVILEGES}/w", SCRIPT_PRIVILEGE, 400),
            ("DELETE", "/v1/security/privileges/w", None, 204),
        ],
    )
)
