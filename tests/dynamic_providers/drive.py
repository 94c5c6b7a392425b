"""Calls a provider the way the Pulumi engine does (check -> diff -> create/update/read/delete).

The real engine runs these under `tests/e2e`; here the providers are called in-process so each
step can be asserted against the emulator's state and request log.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pulumi.dynamic import ConfigureRequest, ReadResult, ResourceProvider
from pulumi.dynamic.config import Config

from dynamic_providers.client import KEPT_LISTINGS
from dynamic_providers.credentials import ADMIN_PASSWORD_KEY, AdminCredentials
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator

P = TypeVar("P", bound=AdminCredentials)


def connection(emulator: NexusEmulator, password: str | None = TEST_ADMIN_PASSWORD) -> dict[str, Any]:
    """A resource's ``connection`` input. With a password, as made by hand (the providers called
    unconfigured use it); ``password=None``: as the program sends it, for a configured provider."""
    props: dict[str, Any] = {"url": emulator.url, "username": "admin", "max_retry_seconds": 5}
    return props if password is None else {**props, "password": password}


def configured(provider: P, password: str = TEST_ADMIN_PASSWORD) -> P:
    """The provider as the engine configures it: with the stack's whole config (namespaced keys)."""
    stack_config = {ADMIN_PASSWORD_KEY: password, "nexus-platform:domain": "example.com"}
    provider.configure(ConfigureRequest(Config(stack_config, project_name="nexus-platform")))
    return provider


def checked(
    provider: ResourceProvider, props: dict[str, Any], olds: dict[str, Any] | None = None
) -> dict[str, Any]:
    result = provider.check(olds or {}, props)
    assert not result.failures, [(f.property, f.reason) for f in result.failures]
    return dict(result.inputs)


def create(provider: ResourceProvider, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = provider.create(checked(provider, props))
    assert result.outs is not None
    return str(result.id), dict(result.outs)


def apply(
    provider: ResourceProvider, object_id: str, olds: dict[str, Any], props: dict[str, Any]
) -> tuple[str, Any]:
    """One `pulumi up` step for an existing resource: ('same'|'update'|'replace', new outputs)."""
    news = checked(provider, props, olds)
    diff = provider.diff(object_id, olds, news)
    if not diff.changes:
        return "same", olds
    if diff.replaces:
        provider.delete(object_id, olds)
        return "replace", create(provider, news)
    result = provider.update(object_id, olds, news)
    assert result.outs is not None
    return "update", dict(result.outs)


def robot(emulator: NexusEmulator, **fields: Any) -> dict[str, Any]:
    """The props of a robot user ``ci-platform`` on the emulator (``fields`` override)."""
    base = {
        "user_id": "ci-platform",
        "first_name": "ci-platform",
        "last_name": "robot",
        "email_address": "ci-platform@example.com",
        "password": "robot-pw-1",
        "roles": ["docker-pull"],
        "adopt": False,
    }
    return {"connection": connection(emulator), **base, **fields}


#: An LDAP server's fields (all but its name) that pass the kind's check; nothing answers there.
LDAP_SERVER = {
    "protocol": "ldap",
    "host": "ldap.example.test",
    "port": 389,
    "search_base": "dc=example,dc=test",
    "auth_scheme": "NONE",
    "group_type": "dynamic",
    "user_member_of_attribute": "memberOf",
}


def refresh(provider: ResourceProvider, object_id: str, outs: dict[str, Any]) -> ReadResult:
    """A `pulumi refresh` of one resource: a read in a provider process of its own, which keeps no
    listing from before (what was changed since the last read shows)."""
    KEPT_LISTINGS.clear()
    return provider.read(object_id, outs)
