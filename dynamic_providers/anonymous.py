"""Anonymous access (``/v1/security/anonymous``) and what the anonymous user may do, a singleton.

Two API objects make one decision: whether anonymous access is on, and the roles of the
``anonymous`` user. The roles are managed even while access is off, so switching it on in the UI
can never expose more than the stack allows. Deleting the resource switches anonymous access off
and gives the user back its built-in role: a destroyed stack must not leave the server open.

Because those roles are the stack's own (created after the repositories whose privileges they
grant), :class:`AnonymousLockdown` switches anonymous access off once, right after the first run
and before any repository (a fresh Nexus has it on), and never again: a failure in between must
not leave the server open. When the stack wants anonymous access on, it leaves it on if the
anonymous user already has exactly the stack's roles (the stack switched it on before). It keeps
no state of its own and deleting it changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pydantic
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource

from dynamic_providers.base import ProviderError, SingletonProvider, Spec
from dynamic_providers.client import Connection, NexusClient
from dynamic_providers.errors import OneLineErrors

ANONYMOUS_USER = "anonymous"
# The realm Nexus reports for the anonymous account; hidden from the realm lists but valid here.
ANONYMOUS_REALM = "NexusAuthorizingRealm"
BUILTIN_ANONYMOUS_ROLE = "nx-anonymous"


class AnonymousAccessSpec(Spec):
    enabled: bool = False
    user_id: str = ANONYMOUS_USER
    realm_name: str = ANONYMOUS_REALM
    roles: tuple[str, ...] = pydantic.Field(min_length=1)

    @pydantic.field_validator("roles", mode="before")
    @classmethod
    def _sorted(cls, value: Any) -> Any:
        # A set in Nexus: order must not show as a change.
        return tuple(sorted(value)) if isinstance(value, list | tuple) else value


def find_user(client: NexusClient, user_id: str) -> dict[str, Any] | None:
    """The local user with exactly this id (the API's ``userId`` filter is a prefix match)."""
    users = client.get_json("/v1/security/users", params={"userId": user_id, "source": "default"}) or []
    return next((u for u in users if u.get("userId") == user_id), None)


def user_update_body(user: Mapping[str, Any], roles: tuple[str, ...]) -> dict[str, Any]:
    """PUT body for a user with only its roles changed (the API wants the whole user)."""
    keep = ("userId", "firstName", "lastName", "emailAddress", "source", "status", "readOnly")
    return {**{key: user.get(key) for key in keep}, "roles": sorted(roles)}


class AnonymousAccessProvider(SingletonProvider[AnonymousAccessSpec]):
    kind = "anonymous access"
    spec_model = AnonymousAccessSpec
    singleton_id = "anonymous-access"

    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        settings = client.get_json("/v1/security/anonymous") or {}
        user = find_user(client, str(settings.get("userId") or previous.get("user_id") or ANONYMOUS_USER))
        return {"settings": settings, "user": user}

    def from_api(self, body: Any, previous: Mapping[str, Any]) -> dict[str, Any]:
        settings, user = body["settings"], body["user"] or {}
        return {
            "enabled": bool(settings.get("enabled")),
            "user_id": settings.get("userId") or ANONYMOUS_USER,
            "realm_name": settings.get("realmName") or ANONYMOUS_REALM,
            "roles": tuple(user.get("roles") or ()) or (BUILTIN_ANONYMOUS_ROLE,),
        }

    def _set_roles(self, client: NexusClient, user_id: str, roles: tuple[str, ...]) -> None:
        user = find_user(client, user_id)
        if user is None:
            raise ProviderError(
                f"anonymous access: the user '{user_id}' does not exist in Nexus, so its roles cannot "
                "be limited; recreate it (Security > Users) or set access.anonymousPull to false"
            )
        if sorted(user.get("roles") or ()) != sorted(roles):
            client.put(f"/v1/security/users/{user_id}", user_update_body(user, roles), ok=(200, 204))

    def update_object(self, client: NexusClient, object_id: str, spec: AnonymousAccessSpec) -> None:
        # Limit what anonymous may do before switching it on.
        self._set_roles(client, spec.user_id, spec.roles)
        body = {"enabled": spec.enabled, "userId": spec.user_id, "realmName": spec.realm_name}
        client.put("/v1/security/anonymous", body, ok=(200, 204))

    def restore_default(self, client: NexusClient, props: Mapping[str, Any]) -> None:
        user_id = str(props.get("user_id") or ANONYMOUS_USER)
        body = {"enabled": False, "userId": user_id, "realmName": ANONYMOUS_REALM}
        client.put("/v1/security/anonymous", body, ok=(200, 204))
        if find_user(client, user_id) is not None:
            self._set_roles(client, user_id, (BUILTIN_ANONYMOUS_ROLE,))


class AnonymousAccess(Resource, module="nexus", name="AnonymousAccess"):
    """Whether anonymous access is on, and the roles of the anonymous user."""

    enabled: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        connection: pulumi.Input[Mapping[str, Any]],
        spec: AnonymousAccessSpec,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {**spec.model_dump(), "connection": connection}
        super().__init__(AnonymousAccessProvider(), resource_name, props, opts)


class AnonymousLockdownProvider(OneLineErrors):
    """Create: anonymous access off if it is on (one GET, at most one PUT). Nothing else, ever."""

    lockdown_id = "anonymous-lockdown"

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = NexusClient(Connection.from_props(props), resource="anonymous access (lockdown)")
        try:
            settings = client.get_json("/v1/security/anonymous") or {}
            user_id = str(settings.get("userId") or ANONYMOUS_USER)
            if settings.get("enabled") and not self._set_by_the_stack(
                client, user_id, props.get("keep_roles")
            ):
                body = {
                    "enabled": False,
                    "userId": user_id,
                    "realmName": settings.get("realmName") or ANONYMOUS_REALM,
                }
                client.put("/v1/security/anonymous", body, ok=(200, 204))
        finally:
            client.close()
        return CreateResult(self.lockdown_id, {})

    @staticmethod
    def _set_by_the_stack(client: NexusClient, user_id: str, keep_roles: Any) -> bool:
        if not keep_roles:
            return False
        user = find_user(client, user_id) or {}
        return sorted(user.get("roles") or ()) == sorted(keep_roles)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)  # a one-time step: AnonymousAccess manages the setting

    def read(self, id_: str, _props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, {})


class AnonymousLockdown(Resource, module="nexus", name="AnonymousLockdown"):
    """Anonymous access switched off right after the first run (see the module docstring)."""

    def __init__(
        self,
        resource_name: str,
        *,
        connection: pulumi.Input[Mapping[str, Any]],
        keep_roles: tuple[str, ...] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``keep_roles``: leave anonymous access on when its user has exactly these roles."""
        props = {"connection": connection, "keep_roles": list(keep_roles)}
        super().__init__(AnonymousLockdownProvider(), resource_name, props, opts)
