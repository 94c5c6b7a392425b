"""Local users (``/v1/security/users``), e.g. CI robots, with their roles.

Nexus never returns a password, so it is write-only: carried from the inputs into the state (a
secret there, as the input is), sent on create, and on update only when it changed, through the
text/plain change-password call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import pulumi
import pydantic
from pulumi.dynamic import Resource, UpdateResult

from dynamic_providers.anonymous import find_user
from dynamic_providers.base import NexusProvider, ProviderError, Spec
from dynamic_providers.client import NexusClient, NexusError

_USER_ID = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$")
# Accounts Nexus creates itself: managed elsewhere (first run, anonymous access), never here.
RESERVED_USERS = ("admin", "anonymous")



def change_password(client: NexusClient, user_id: str, password: str) -> None:
    """The text/plain change-password call (the first run's admin takeover uses it too)."""
    client.request("PUT", f"/v1/security/users/{user_id}/change-password", text_body=password, ok=(204,))

class UserSpec(Spec):
    user_id: str
    first_name: str
    last_name: str
    email_address: str
    password: str = pydantic.Field(min_length=1, repr=False)
    # locked and changepassword are states Nexus puts a user in; declaring active puts it back.
    status: Literal["active", "disabled", "locked", "changepassword"] = "active"
    # Nexus refuses a user without roles ("PARAMETER roles: must not be empty"): said at check.
    roles: tuple[str, ...] = pydantic.Field((), min_length=1, validate_default=True)

    @pydantic.field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        if not _USER_ID.match(value):
            raise ValueError(f"'{value}' is not a valid user id (letters, digits, '.', '_', '-')")
        if value in RESERVED_USERS:
            raise ValueError(f"'{value}' is created by Nexus itself and is not managed as a user resource")
        return value

    @pydantic.field_validator("roles", mode="before")
    @classmethod
    def _sorted(cls, value: Any) -> Any:
        return tuple(sorted(set(value))) if isinstance(value, list | tuple) else value

    @pydantic.field_validator("email_address")
    @classmethod
    def _email(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"'{value}' is not an e-mail address")
        return value


def to_api(spec: UserSpec, *, with_password: bool) -> dict[str, Any]:
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


def from_api(body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "user_id": body.get("userId"),
        "first_name": body.get("firstName") or "",
        "last_name": body.get("lastName") or "",
        "email_address": body.get("emailAddress") or "",
        "status": str(body.get("status") or "active").lower(),
        "roles": tuple(body.get("roles") or ()),
    }


class UserProvider(NexusProvider[UserSpec]):
    kind = "user"
    spec_model = UserSpec
    replace_fields = ("user_id",)
    write_only_fields = ("password",)

    def label(self, spec_or_props: UserSpec | Mapping[str, Any]) -> str:
        user_id = (
            spec_or_props.get("user_id") if isinstance(spec_or_props, Mapping) else spec_or_props.user_id
        )
        return f"user '{user_id}'"

    def object_id(self, spec: UserSpec) -> str:
        return spec.user_id

    def find(self, client: NexusClient, spec: UserSpec) -> tuple[str, Any] | None:
        user = find_user(client, spec.user_id)
        return (spec.user_id, user) if user is not None else None

    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        return find_user(client, object_id)

    def from_api(self, body: Any, previous: Mapping[str, Any]) -> dict[str, Any]:
        return from_api(body)

    def check_roles_exist(self, client: NexusClient, spec: UserSpec) -> None:
        """Nexus accepts unknown role ids on a user silently (the user then has no such grant):
        a misspelt role would fail nothing and grant nothing, so it is refused here."""
        known = {str(role.get("id")) for role in client.get_json("/v1/security/roles") or []}
        unknown = [role for role in spec.roles if role not in known]
        if unknown:
            raise ProviderError(
                f"user '{spec.user_id}': field 'roles': no role with id {', '.join(map(repr, unknown))} "
                "exists in Nexus (it would accept the id and grant nothing); check the spelling in "
                "access.robots[].roles. Nothing was changed."
            )

    def create_object(self, client: NexusClient, spec: UserSpec) -> str | None:
        self.check_roles_exist(client, spec)
        client.post("/v1/security/users", to_api(spec, with_password=True), ok=(200, 201))
        return None

    def update_object(self, client: NexusClient, object_id: str, spec: UserSpec) -> None:
        self.check_roles_exist(client, spec)
        client.put(f"/v1/security/users/{object_id}", to_api(spec, with_password=False))

    def set_password(self, client: NexusClient, user_id: str, password: str) -> None:
        change_password(client, user_id, password)

    def create(self, props: dict[str, Any]) -> Any:
        result = super().create(props)
        if props.get("adopt"):
            # An adopted user keeps whatever password it had unless we set ours.
            with self.client(props) as client:
                self.set_password(client, str(result.id), str(props["password"]))
        return result

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        result = super().update(id_, olds, news)
        if olds.get("password") != news.get("password"):
            with self.client(news) as client:
                self.set_password(client, id_, str(news["password"]))
        return result

    def delete_object(self, client: NexusClient, object_id: str, props: Mapping[str, Any]) -> None:
        client.delete(f"/v1/security/users/{object_id}")

    def describe_delete_error(self, error: NexusError, props: Mapping[str, Any]) -> str | None:
        if "signed in" in error.detail:
            return (
                f"user '{props.get('user_id')}' is the one these providers log in as and cannot delete itself"
            )
        return None


class User(Resource, module="nexus", name="User"):
    """A local Nexus user."""

    user_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        connection: pulumi.Input[Mapping[str, Any]],
        spec: UserSpec,
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            **spec.model_dump(),
            # A secret input: ciphertext in the state's inputs, and the output of the same key is
            # re-marked secret by the engine (additional_secret_outputs says so explicitly too).
            "password": pulumi.Output.secret(spec.password),
            "connection": connection,
            "adopt": adopt,
        }
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["password"])
        )
        super().__init__(UserProvider(), resource_name, props, opts)
