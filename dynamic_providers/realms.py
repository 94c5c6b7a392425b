"""The ordered list of active security realms (``/v1/security/realms/active``), a singleton.

Order matters: Nexus asks the realms in this order, so it is kept as given and a reordering is a
change. Deleting the resource restores Nexus's default, local accounts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pydantic
from pulumi.dynamic import Resource

from dynamic_providers.base import SingletonProvider, Spec
from dynamic_providers.client import NexusClient

LOCAL_REALM = "NexusAuthenticatingRealm"
DOCKER_TOKEN_REALM = "DockerToken"
LDAP_REALM = "LdapRealm"
DEFAULT_REALMS: tuple[str, ...] = (LOCAL_REALM,)


def active_realms(*, ldap: bool, docker: bool = True) -> tuple[str, ...]:
    """The platform's realms: local accounts first (admin and robots never wait on LDAP), then
    LDAP when configured, then the Docker Bearer Token realm that `docker login` needs (only with
    the Docker registry: a Nexus without the Docker format refuses the unknown realm)."""
    return (LOCAL_REALM, *((LDAP_REALM,) if ldap else ()), *((DOCKER_TOKEN_REALM,) if docker else ()))


class RealmsSpec(Spec):
    realms: tuple[str, ...] = pydantic.Field(min_length=1)

    @pydantic.field_validator("realms")
    @classmethod
    def _valid(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each realm may appear once")
        if LOCAL_REALM not in value:
            # Without it the admin account (and these providers) could no longer log in.
            raise ValueError(f"must include {LOCAL_REALM}: without it the admin account cannot log in")
        return value


class RealmsProvider(SingletonProvider[RealmsSpec]):
    kind = "active security realms"
    spec_model = RealmsSpec
    singleton_id = "active-realms"

    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        return client.get_json("/v1/security/realms/active")

    def from_api(self, body: Any, previous: Mapping[str, Any]) -> dict[str, Any]:
        return {"realms": tuple(body or ())}

    def update_object(self, client: NexusClient, object_id: str, spec: RealmsSpec) -> None:
        client.put("/v1/security/realms/active", list(spec.realms))

    def restore_default(self, client: NexusClient, props: Mapping[str, Any]) -> None:
        client.put("/v1/security/realms/active", list(DEFAULT_REALMS))


class ActiveRealms(Resource, module="nexus", name="ActiveRealms"):
    """The active security realms of Nexus, in order."""

    realms: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        connection: pulumi.Input[Mapping[str, Any]],
        spec: RealmsSpec,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {**spec.model_dump(), "connection": connection}
        super().__init__(RealmsProvider(), resource_name, props, opts)
