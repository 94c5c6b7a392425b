"""The ordered list of active security realms (``/v1/security/realms/active``), a singleton.

Order matters: Nexus asks the realms in this order, so it is kept as given and a reordering is a
change. Deleting the resource restores Nexus's default, local accounts only.

Nexus before 3.61 has a second local realm, ``NexusAuthorizingRealm`` ("Local Authorizing
Realm"), through which every local permission is checked: a list without it leaves every user, the
admin too, without any privilege (403 on every privileged call, so neither `up` nor `destroy` can
finish). Later releases hide it from both realm lists and keep it installed. So every write asks
the server which realms it has (``GET /v1/security/realms/available``) and, where it lists the
authorizing realm, keeps it right after the local one (where Nexus has it by default); a read
leaves it out again unless the stack names it, so it never shows as a change
(``docs/nexus-behaviour.md``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusResource, SingletonProvider, Spec, calls
from dynamic_providers.client import NexusClient

LOCAL_REALM = "NexusAuthenticatingRealm"
#: Before 3.61 a realm of its own that must stay active (see the module docstring).
AUTHORIZING_REALM = "NexusAuthorizingRealm"
AVAILABLE_PATH = "/v1/security/realms/available"
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
    realms = tuple(body or ())
    if AUTHORIZING_REALM not in (previous.get("realms") or ()):
        # Kept by every write where the server has it (with_authorizing_realm), never a change.
        realms = tuple(realm for realm in realms if realm != AUTHORIZING_REALM)
    return {"realms": realms}


def with_authorizing_realm(realms: tuple[str, ...], available: Collection[str]) -> tuple[str, ...]:
    """The list to write: on a server that lists the authorizing realm (before 3.61), with it right
    after the local realm unless the list already names it."""
    if AUTHORIZING_REALM not in available or AUTHORIZING_REALM in realms:
        return realms
    after = realms.index(LOCAL_REALM) + 1
    return (*realms[:after], AUTHORIZING_REALM, *realms[after:])


def available_realms(client: NexusClient) -> set[str]:
    return {str(realm.get("id")) for realm in client.get_json(AVAILABLE_PATH) or []}


class RealmsProvider(SingletonProvider[RealmsSpec], mappers=(to_api, from_api)):
    kind = "active security realms"
    resource_type = "ActiveRealms"
    api = Api(item="/v1/security/realms/active")
    singleton_id = "active-realms"
    default = RealmsSpec(realms=DEFAULT_REALMS)

    @calls(f"GET {AVAILABLE_PATH}")
    def update_body(self, client: NexusClient, object_id: str, spec: RealmsSpec) -> Any:
        # Every write (create, update, the default put back by delete) keeps the authorizing realm
        # where the server has one: without it the admin loses every privilege.
        return list(with_authorizing_realm(spec.realms, available_realms(client)))


class ActiveRealms(NexusResource[RealmsSpec]):
    """The active security realms, as components declare it."""
