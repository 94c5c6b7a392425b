"""The ordered list of active security realms (``/v1/security/realms/active``), a singleton.

Order matters: Nexus asks the realms in this order, so it is kept as given and a reordering is a
change. Deleting the resource restores Nexus's default, local accounts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusResource, SingletonProvider, Spec

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


def to_api(spec: RealmsSpec) -> list[str]:
    return list(spec.realms)


def from_api(body: Any, previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    return {"realms": tuple(body or ())}


class RealmsProvider(SingletonProvider[RealmsSpec], mappers=(to_api, from_api)):
    kind = "active security realms"
    resource_type = "ActiveRealms"
    api = Api(item="/v1/security/realms/active")
    singleton_id = "active-realms"
    default = RealmsSpec(realms=DEFAULT_REALMS)


ActiveRealms = NexusResource
