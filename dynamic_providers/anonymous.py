"""Anonymous access (``/v1/security/anonymous``) and what the anonymous user may do, a singleton.

Two API objects make one decision: whether anonymous access is on, and the roles of the
``anonymous`` user. The roles are managed even while access is off, so switching it on in the UI
can never expose more than the stack allows. Deleting the resource switches anonymous access off
and gives the user back its built-in role: a destroyed stack must not leave the server open.
(The one-time switch-off right after the first run is ``lockdown.py``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from dynamic_providers.base import (
    NOTHING,
    Api,
    NexusResource,
    SingletonProvider,
    SortedNames,
    Spec,
    calls,
)
from dynamic_providers.client import NexusClient
from dynamic_providers.exceptions import ProviderError
from dynamic_providers.users import USERS, find_user

ANONYMOUS_USER = "anonymous"
# The realm Nexus reports for the anonymous account; hidden from the realm lists but valid here.
ANONYMOUS_REALM = "NexusAuthorizingRealm"
BUILTIN_ANONYMOUS_ROLE = "nx-anonymous"
FIND_USER = f"GET {USERS}?userId={{user_id}}"
#: Setting the anonymous user's roles: it is read, and written when its roles differ.
SET_ROLES = (FIND_USER, f"PUT {USERS}/{{user_id}} (when its roles differ)")
SETTINGS_PATH = "/v1/security/anonymous"


class AnonymousAccessSpec(Spec):
    enabled: bool = False
    user_id: str = ANONYMOUS_USER
    realm_name: str = ANONYMOUS_REALM
    roles: SortedNames = pydantic.Field(min_length=1)  # a set in Nexus


def user_update_body(user: Mapping[str, Any], roles: tuple[str, ...]) -> dict[str, Any]:
    """PUT body for a user with only its roles changed (the API wants the whole user)."""
    keep = ("userId", "firstName", "lastName", "emailAddress", "source", "status", "readOnly")
    return {**{key: user.get(key) for key in keep}, "roles": sorted(roles)}


def to_api(spec: AnonymousAccessSpec) -> dict[str, Any]:
    """The settings' PUT body (the roles are the user's, written apart)."""
    return {"enabled": spec.enabled, "userId": spec.user_id, "realmName": spec.realm_name}


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    """From ``{"settings": <GET settings>, "user": <the anonymous user or None>}``."""
    settings, user = body["settings"], body["user"] or {}
    return {
        "enabled": bool(settings.get("enabled")),
        "user_id": settings.get("userId") or ANONYMOUS_USER,
        "realm_name": settings.get("realmName") or ANONYMOUS_REALM,
        "roles": tuple(user.get("roles") or ()) or (BUILTIN_ANONYMOUS_ROLE,),
    }


class AnonymousAccessProvider(SingletonProvider[AnonymousAccessSpec], mappers=(to_api, from_api)):
    kind = "anonymous access"
    api = Api(item=SETTINGS_PATH)
    singleton_id = "anonymous-access"
    default = AnonymousAccessSpec(enabled=False, roles=(BUILTIN_ANONYMOUS_ROLE,))

    # Two API objects make the setting: the settings and the anonymous user's roles.
    @calls("GET {item}", FIND_USER)
    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        settings = client.get_json(SETTINGS_PATH) or {}
        user = find_user(client, str(settings.get("userId") or previous.get("user_id") or ANONYMOUS_USER))
        return {"settings": settings, "user": user}

    def _set_roles(self, client: NexusClient, user_id: str, roles: tuple[str, ...]) -> None:
        user = find_user(client, user_id)
        if user is None:
            raise ProviderError(
                f"anonymous access: the user '{user_id}' does not exist in Nexus, so its roles cannot "
                "be limited; recreate it (Security > Users) or set access.anonymousPull to false"
            )
        if sorted(user.get("roles") or ()) != sorted(roles):
            client.put(f"/v1/security/users/{user_id}", user_update_body(user, roles), ok=(200, 204))

    @calls(*SET_ROLES, "update_body", "PUT {item}")
    def update_object(self, client: NexusClient, object_id: str, spec: AnonymousAccessSpec) -> None:
        # Limit what anonymous may do before switching it on.
        self._set_roles(client, spec.user_id, spec.roles)
        super().update_object(client, object_id, spec)

    @calls("update_body", "PUT {item}", FIND_USER, *SET_ROLES)
    def restore_default(self, client: NexusClient, props: Mapping[str, Any]) -> None:
        # Off first; the built-in role back only if the user still exists.
        spec = self.default.model_copy(update={"user_id": str(props.get("user_id") or ANONYMOUS_USER)})
        super().update_object(client, self.singleton_id, spec)
        if find_user(client, spec.user_id) is not None:
            self._set_roles(client, spec.user_id, spec.roles)


class AnonymousAccess(NexusResource[AnonymousAccessSpec]):
    """The anonymous access setting, as components declare it."""
