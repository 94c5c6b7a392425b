"""The one generic resource: the spec picks the kind and its type token; write-only fields are secret."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest

from dynamic_providers.base import NexusResource
from dynamic_providers.realms import RealmsSpec
from dynamic_providers.roles import RoleSpec
from tests.components import mocks as m
from tests.dynamic_providers.kinds import EXAMPLES

CONNECTION = {"url": "http://127.0.0.1:8081", "username": "admin", "password": "admin-secret"}
TYPE = "pulumi-python:dynamic/nexus:"


@pytest.fixture
def mocks() -> m.RecordingMocks:
    return m.install()


def _register(spec: Any, **kwargs: Any) -> None:
    m.deploy(lambda: NexusResource("r", connection=CONNECTION, spec=spec, **kwargs))


def test_the_spec_picks_the_type_token(mocks: m.RecordingMocks) -> None:
    m.deploy(
        lambda: [
            NexusResource("role", connection=CONNECTION, spec=RoleSpec(role_id="readers")),
            NexusResource(
                "realms", connection=CONNECTION, spec=RealmsSpec(realms=("NexusAuthenticatingRealm",))
            ),
        ]
    )
    role, realms = mocks.one(TYPE + "Role"), mocks.one(TYPE + "ActiveRealms")
    assert role.inputs["role_id"] == "readers" and role.inputs["adopt"] is False
    assert "adopt" not in realms.inputs  # a setting always exists: nothing to adopt


@pytest.mark.parametrize(("kind", "field"), [("user", "password"), ("repository", "remote_password")])
def test_every_write_only_field_is_secret(mocks: m.RecordingMocks, kind: str, field: str) -> None:
    example = EXAMPLES[kind]
    value = example.fields[field]
    _register(example.provider.spec_model.model_validate(example.fields), adopt=True)
    (resource,) = mocks.resources
    assert m.is_secret(resource.inputs[field]) and m.plain(resource.inputs[field]) == value
    assert field in mocks.options_of(resource).additional_secret_outputs
    assert resource.inputs["adopt"] is True
    assert not any(m.is_secret(v) for k, v in resource.inputs.items() if k not in (field, "__provider"))


def test_the_serialized_provider_is_its_class_in_plain(mocks: m.RecordingMocks) -> None:
    """Nothing secret is pickled with a provider (its class, by reference), so the engine keeps it
    unencrypted (the connection, which holds the password, is a secret: tests/test_main.py)."""
    _register(RoleSpec(role_id="readers"))
    (resource,) = mocks.resources
    serialized = resource.inputs["__provider"]
    assert not m.is_secret(serialized)
    provider = dill.loads(base64.b64decode(serialized))
    assert type(provider).__module__ == "dynamic_providers.roles" and vars(provider) == {}
    assert CONNECTION["password"].encode() not in base64.b64decode(serialized)


def test_a_spec_of_no_kind_is_refused() -> None:
    with pytest.raises(TypeError, match="not the spec of a Nexus kind"):
        NexusResource("x", connection=CONNECTION, spec=object())  # type: ignore[type-var]
