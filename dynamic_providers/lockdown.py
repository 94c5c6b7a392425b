"""Anonymous access switched off once, right after the first run: a one-time step, not a kind.

The anonymous user's roles are the stack's own (created after the repositories whose privileges
they grant), so :class:`AnonymousLockdown` switches anonymous access off once, right after the
first run and before any repository (a fresh Nexus has it on), and never again: a failure in
between must not leave the server open. When the stack wants anonymous access on, it leaves it on
if the anonymous user already has exactly the stack's roles (the stack switched it on before). It
keeps no state of its own and deleting it changes nothing. ``anonymous.py`` manages the setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource

from dynamic_providers.anonymous import ANONYMOUS_REALM, ANONYMOUS_USER, SETTINGS_PATH
from dynamic_providers.client import NexusClient
from dynamic_providers.credentials import AdminCredentials
from dynamic_providers.users import find_user


def read_anonymous_settings(client: NexusClient) -> dict[str, Any]:
    return dict(client.get_json(SETTINGS_PATH) or {})


def switch_anonymous_off(client: NexusClient, settings: Mapping[str, Any]) -> None:
    """``PUT`` the settings just read with ``enabled`` false (same user and realm)."""
    body = {
        "enabled": False,
        "userId": str(settings.get("userId") or ANONYMOUS_USER),
        "realmName": settings.get("realmName") or ANONYMOUS_REALM,
    }
    client.put(SETTINGS_PATH, body, ok=(200, 204))


class AnonymousLockdownProvider(AdminCredentials):
    """Create: anonymous access off if it is on (one GET, at most one PUT). Nothing else, ever."""

    lockdown_id = "anonymous-lockdown"

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = NexusClient(self.connection(props), resource="anonymous access (lockdown)")
        try:
            settings = read_anonymous_settings(client)
            user_id = str(settings.get("userId") or ANONYMOUS_USER)
            if settings.get("enabled") and not self._set_by_the_stack(
                client, user_id, props.get("keep_roles")
            ):
                switch_anonymous_off(client, settings)
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
