"""Local users (``/v1/security/users``), e.g. CI robots, with their roles. Nexus never returns a
password, so the stack's is write-only: sent on create, and on update only when it changed (the
text/plain change-password call). A refresh finds out whether it still logs in: one more GET, as
the user with the stack's password, for an active user; a 401 there (the password was changed
outside Pulumi) is recorded, and the next `up` sets the stack's password again. Not detected:
anything without a refresh (`up` alone reads nothing; `up --refresh` does), the password of a user
that is not active (Nexus refuses a disabled or locked user whatever the password), and a password
changed and changed back between two refreshes.

The password is carried from the inputs into the state (a secret there, as the input is). The
refresh's probe asks ``GET /v1/security/users?userId=<id>`` with the user's own credentials: 200 or
403 (the user may not read users) means the password works, 401 that it does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import pydantic
from pulumi.dynamic import ReadResult, UpdateResult

from dynamic_providers.base import NOTHING, Api, NameSet, NexusProvider, NexusResource, Spec, calls
from dynamic_providers.client import NexusClient
from dynamic_providers.exceptions import ProviderError
from reach.names import ID_LIMIT

_USER_ID = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$")
# Accounts Nexus creates itself: managed elsewhere (first run, anonymous access), never here.
RESERVED_USERS = ("admin", "anonymous")
USERS = "/v1/security/users"
ROLES_PATH = "/v1/security/roles"
CHECK_ROLES = f"GET {ROLES_PATH}"  # roles are checked first: Nexus would take an unknown one
#: What a refresh records in the state instead of the stack's password when that no longer logs
#: in: it differs from every input, so the next `up` shows the change and sets the password again.
PASSWORD_CHANGED_OUTSIDE = "(changed outside Pulumi: the next up sets the stack's password again)"


def change_password(client: NexusClient, user_id: str, password: str) -> None:
    """The text/plain change-password call (the first run's admin takeover uses it too)."""
    client.request("PUT", f"{USERS}/{user_id}/change-password", text_body=password, ok=(204,))


class UserSpec(Spec):
    user_id: str
    first_name: str = pydantic.Field(max_length=ID_LIMIT)
    last_name: str = pydantic.Field(max_length=ID_LIMIT)
    email_address: str = pydantic.Field(max_length=ID_LIMIT)
    password: str = pydantic.Field(min_length=1, repr=False)
    # locked and changepassword are states Nexus puts a user in; declaring active puts it back.
    status: Literal["active", "disabled", "locked", "changepassword"] = "active"
    # Nexus refuses a user without roles ("PARAMETER roles: must not be empty"): said at check.
    roles: NameSet = pydantic.Field((), min_length=1, validate_default=True)

    @pydantic.field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        if not _USER_ID.match(value):
            raise ValueError(f"'{value}' is not a valid user id (letters, digits, '.', '_', '-')")
        if value in RESERVED_USERS:
            raise ValueError(f"'{value}' is created by Nexus itself and is not managed as a user resource")
        return value

    @pydantic.field_validator("email_address")
    @classmethod
    def _email(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"'{value}' is not an e-mail address")
        return value


def password_works(client: NexusClient, user_id: str, password: str) -> bool:
    """Whether Nexus takes this password for this user: one GET as the user (403, not allowed to
    read users, is a successful login too)."""
    params = {"userId": user_id, "source": "default"}
    response = client.request("GET", USERS, params=params, ok=(200, 401, 403), auth=(user_id, password))
    return response.status_code != 401


def find_user(client: NexusClient, user_id: str) -> dict[str, Any] | None:
    """The local user with exactly this id (the API's ``userId`` filter is a prefix match)."""
    users = client.get_json(USERS, params={"userId": user_id, "source": "default"}) or []
    return next((u for u in users if u.get("userId") == user_id), None)


def to_api(spec: UserSpec, *, with_password: bool = True) -> dict[str, Any]:
    """The create's body (with the password); the update's has none (it is changed apart)."""
    body: dict[str, Any] = {
        "userId": spec.user_id,
        "firstName": spec.first_name,
        "lastName": spec.last_name,
        "emailAddress": spec.email_address,
        "status": spec.status,
        "roles": list(spec.roles),
    }
    if with_password:
        body["password"] = spec.password
    else:
        body["source"] = "default"
    return body


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    return {
        "user_id": body.get("userId"),
        "first_name": body.get("firstName") or "",
        "last_name": body.get("lastName") or "",
        "email_address": body.get("emailAddress") or "",
        "status": str(body.get("status") or "active").lower(),
        "roles": tuple(body.get("roles") or ()),
    }


class UserProvider(NexusProvider[UserSpec], mappers=(to_api, from_api)):
    kind = "user"
    # GET is the list, filtered; user ids are exact in every other call (observed on 3.71.0-06).
    api = Api(USERS, id_field="user_id", answer_id="userId", create_ok=(200, 201))
    replace_fields = ("user_id",)
    write_only_fields = ("password",)
    delete_refusals = (
        ("signed in", "{label} is the one these providers log in as and cannot delete itself"),
    )

    @calls("GET {collection}?userId={id}")
    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        return find_user(client, object_id)  # GET /v1/security/users/{id} does not exist

    def check_roles_exist(self, client: NexusClient, spec: UserSpec) -> None:
        """Nexus accepts unknown role ids on a user silently (the user then has no such grant):
        a misspelt role would fail nothing and grant nothing, so it is refused here."""
        known = {str(role.get("id")) for role in client.get_json(ROLES_PATH) or []}
        unknown = [role for role in spec.roles if role not in known]
        if unknown:
            raise ProviderError(
                f"user '{spec.user_id}': field 'roles': no role with id {', '.join(map(repr, unknown))} "
                "exists in Nexus (it would accept the id and grant nothing); check the spelling in "
                "access.robots[].roles. Nothing was changed."
            )

    @calls(CHECK_ROLES, "POST {collection}")
    def create_object(self, client: NexusClient, spec: UserSpec) -> str | None:
        self.check_roles_exist(client, spec)
        return super().create_object(client, spec)

    @calls(CHECK_ROLES)
    def update_body(self, client: NexusClient, object_id: str, spec: UserSpec) -> Any:
        self.check_roles_exist(client, spec)
        return to_api(spec, with_password=False)

    # The password is write-only and changed through its own text/plain call.
    def set_password(self, client: NexusClient, user_id: str, password: str) -> None:
        change_password(client, user_id, password)

    @calls("PUT {item}/change-password (adopted: the stack's password)")
    def create(self, props: dict[str, Any]) -> Any:
        result = super().create(props)
        if props.get("adopt"):
            # An adopted user keeps whatever password it had unless we set ours.
            with self.client(props) as client:
                self.set_password(client, str(result.id), str(props["password"]))
        return result

    @calls("GET {collection}?userId={id} as the user (does the stack's password still log in?)")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        result = super().read(id_, props)
        password = props.get("password")
        outs, inputs = result.outs or {}, result.inputs or {}
        # Only an active user can log in at all; a password already found changed stays so.
        if result.id is None or not password or password == PASSWORD_CHANGED_OUTSIDE:
            return result
        if outs.get("status") != "active":
            return result
        with self.client(props) as client:
            if not password_works(client, id_, str(password)):
                outs["password"] = PASSWORD_CHANGED_OUTSIDE
                if "password" in inputs:
                    inputs["password"] = PASSWORD_CHANGED_OUTSIDE
        return result

    @calls("PUT {item}/change-password (when the password changed)")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        result = super().update(id_, olds, news)
        if olds.get("password") != news.get("password"):
            with self.client(news) as client:
                self.set_password(client, id_, str(news["password"]))
        return result


class User(NexusResource[UserSpec]):
    """A user, as components declare it."""
