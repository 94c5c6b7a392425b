"""Calls a provider the way the Pulumi engine does (check -> diff -> create/update/read/delete).

The real engine runs these under `tests/e2e`; here the providers are called in-process so each
step can be asserted against the emulator's state and request log.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import ResourceProvider

from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator


def connection(emulator: NexusEmulator, password: str = TEST_ADMIN_PASSWORD) -> dict[str, Any]:
    return {"url": emulator.url, "username": "admin", "password": password, "max_retry_seconds": 5}


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
