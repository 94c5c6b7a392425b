"""The admin password comes from the stack config the engine gives the provider, not from the
resources' inputs (dynamic_providers/credentials.py); against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.credentials import ADMIN_PASSWORD_KEY
from dynamic_providers.exceptions import ProviderError
from dynamic_providers.lockdown import AnonymousLockdownProvider
from settings.errors import PROJECT
from tests.dynamic_providers.drive import apply, configured, connection, create
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator


def blob_store(emulator: NexusEmulator, password: str | None) -> dict[str, Any]:
    return {"connection": connection(emulator, password), "adopt": False, "name": "b1", "path": "b1"}


def test_the_key_is_the_stack_setting() -> None:
    assert f"{PROJECT}:adminPassword" == ADMIN_PASSWORD_KEY


def test_a_configured_provider_calls_nexus_with_the_stack_password(nexus_emulator: NexusEmulator) -> None:
    provider = configured(FileBlobStoreProvider())
    object_id, outs = create(provider, blob_store(nexus_emulator, password=None))
    assert object_id == "b1" and "password" not in outs["connection"]
    assert {r.user for r in nexus_emulator.request_log} == {"admin"}
    assert (provider.read(object_id, outs).outs or {}).get("path") == "b1"


def test_the_stack_password_wins_over_one_an_older_state_holds(nexus_emulator: NexusEmulator) -> None:
    # A state written before the password left the inputs: its connection holds a password, here
    # an outdated one. The configured (current) one is used, and the next `up` stores the
    # connection without it, with no write to Nexus.
    provider = configured(FileBlobStoreProvider())
    object_id, outs = create(provider, blob_store(nexus_emulator, password=None))
    older = {**outs, "connection": connection(nexus_emulator, password="before-the-rotation")}
    assert (provider.read(object_id, older).outs or {}).get("path") == "b1"
    nexus_emulator.clear_log()
    step, migrated = apply(provider, object_id, older, blob_store(nexus_emulator, password=None))
    assert step == "update" and nexus_emulator.count_writes() == 0
    assert "password" not in migrated["connection"]


def test_without_a_password_anywhere_the_error_names_the_config_key(nexus_emulator: NexusEmulator) -> None:
    for provider in (FileBlobStoreProvider(), configured(FileBlobStoreProvider(), password="")):
        with pytest.raises(ProviderError, match=f"{ADMIN_PASSWORD_KEY} is not set"):
            provider.create(blob_store(nexus_emulator, password=None))
    assert nexus_emulator.request_log == []


def test_the_lockdown_takes_the_password_from_the_config_too(nexus_emulator: NexusEmulator) -> None:
    turned_on = nexus_emulator.call("PUT", "/v1/security/anonymous", {"enabled": True, "userId": "anonymous"})
    assert turned_on.status in (200, 204)
    configured(AnonymousLockdownProvider(), TEST_ADMIN_PASSWORD).create(
        {"connection": connection(nexus_emulator, password=None), "keep_roles": []}
    )
    assert nexus_emulator.call("GET", "/v1/security/anonymous").body["enabled"] is False
    assert {r.user for r in nexus_emulator.request_log if r.path.endswith("/anonymous")} >= {"admin"}
