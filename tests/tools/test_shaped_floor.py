"""The shaped floor's description of a stack (tools/shaped_floor.py): what it copies from a state."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest

from tools.shaped_floor import (
    SECRET_SIGNATURE,
    plain,
    project_name,
    sent_fields,
    shape_mismatches,
    stack_shape,
)

STACK_URN = "urn:pulumi:bench::nexus-platform::pulumi:pulumi:Stack::nexus-platform-bench"
COMPONENT_URN = "urn:pulumi:bench::nexus-platform::nexus-platform:components:DockerRegistry::registry"
STORE_URN = (
    "urn:pulumi:bench::nexus-platform::nexus-platform:components:DockerRegistry"
    "$pulumi-python:dynamic/nexus:FileBlobStore::blobstore-a"
)
REPO_URN = (
    "urn:pulumi:bench::nexus-platform::nexus-platform:components:DockerRegistry"
    "$pulumi-python:dynamic/nexus:Repository::repo-a"
)


class RepoSpec(pydantic.BaseModel):
    name: str
    online: bool = True
    blob_store: str = "default"


def secret(value: Any) -> dict[str, str]:
    """A secret as `stack export --show-secrets` writes it."""
    signature, secret_sig = SECRET_SIGNATURE
    return {signature: secret_sig, "plaintext": json.dumps(value)}


CONNECTION = {"url": "http://nexus", "password": "pw"}


def state() -> dict[str, Any]:
    return {
        "deployment": {
            "resources": [
                {
                    "urn": STACK_URN,
                    "type": "pulumi:pulumi:Stack",
                    "outputs": {"uiUrl": "u", "token": secret("t")},
                },
                {
                    "urn": "urn:...::pulumi:providers:pulumi-python::default",
                    "type": "pulumi:providers:pulumi-python",
                },
                {
                    "urn": COMPONENT_URN,
                    "type": "nexus-platform:components:DockerRegistry",
                    "parent": STACK_URN,
                    "outputs": {"repositories": ["a"]},
                },
                {
                    "urn": STORE_URN,
                    "type": "pulumi-python:dynamic/nexus:FileBlobStore",
                    "custom": True,
                    "parent": COMPONENT_URN,
                    "inputs": {"__provider": "x", "name": "a", "connection": secret(CONNECTION)},
                },
                {
                    "urn": REPO_URN,
                    "type": "pulumi-python:dynamic/nexus:Repository",
                    "custom": True,
                    "parent": COMPONENT_URN,
                    "dependencies": [STORE_URN],
                    "propertyDependencies": {"blob_store": [STORE_URN]},
                    "additionalSecretOutputs": ["connection"],
                    "inputs": {
                        "__provider": "x",
                        "name": "a",
                        "online": True,
                        "blob_store": "a",
                        "adopt": False,
                        "connection": secret(CONNECTION),
                    },
                },
            ]
        }
    }


def test_the_shape_keeps_parents_dependencies_and_secrets_and_sends_only_non_defaults() -> None:
    shape = stack_shape(state(), {"dynamic/nexus:Repository": RepoSpec})

    component, store, repo = shape["resources"]
    assert (component["name"], component["custom"], component["parent"]) == ("registry", False, STACK_URN)
    assert component["outputs"] == {"repositories": ["a"]}
    # a type without a spec model is sent whole
    assert store["sent"] == {"name": "a", "connection": CONNECTION}
    assert store["secret"] == ["connection"]
    # online is at its default: check fills it in, as the kind's does
    assert repo["sent"] == {"name": "a", "blob_store": "a", "connection": CONNECTION, "adopt": False}
    assert shape["defaults"]["dynamic/nexus:Repository"] == {"online": True}
    assert (repo["token"], repo["parent"], repo["dependencies"]) == (
        "dynamic/nexus:Repository",
        COMPONENT_URN,
        [STORE_URN],
    )
    assert repo["property_dependencies"] == {"blob_store": [STORE_URN]}
    assert repo["secret_outputs"] == ["connection"]
    assert shape["outputs"] == {"uiUrl": "u", "token": "t"}
    assert shape["secret_outputs"] == ["token"]
    assert project_name(shape) == "nexus-platform"


def test_a_custom_resource_other_than_a_dynamic_one_has_no_stand_in() -> None:
    broken = state()
    broken["deployment"]["resources"].append(
        {
            "urn": "urn:x::docker:index/container:Container::nexus",
            "type": "docker:index/container:Container",
            "custom": True,
            "inputs": {},
        }
    )
    with pytest.raises(ValueError, match="no stand-in for docker:index/container:Container"):
        stack_shape(broken, {})


def test_secrets_are_unwrapped_at_any_depth() -> None:
    assert plain({"a": [secret({"b": secret(1)})]}) == {"a": [{"b": 1}]}


def test_sent_fields_of_a_spec_keep_the_resource_properties() -> None:
    sent = sent_fields({"name": "a", "online": False, "connection": CONNECTION}, RepoSpec)
    assert sent == {"name": "a", "online": False, "connection": CONNECTION}


def test_shape_mismatches_name_the_resources_that_differ_or_are_missing() -> None:
    ours, shaped = state(), state()
    assert shape_mismatches(ours, shaped) == []
    shaped["deployment"]["resources"][4]["inputs"]["online"] = False
    del shaped["deployment"]["resources"][3]
    assert shape_mismatches(ours, shaped) == ["blobstore-a", "repo-a"]


def test_a_serialized_provider_kept_secret_on_one_side_only_is_a_mismatch() -> None:
    ours, shaped = state(), state()
    shaped["deployment"]["resources"][4]["inputs"]["__provider"] = secret("x")
    assert shape_mismatches(ours, shaped) == ["repo-a"]
    shaped = state()
    shaped["deployment"]["resources"][3]["outputs"] = {"__provider": secret("x")}
    assert shape_mismatches(ours, shaped) == ["blobstore-a"]


def test_other_outputs_are_a_mismatch() -> None:
    ours, shaped = state(), state()
    ours["deployment"]["resources"][3]["outputs"] = {"__provider": "x", "edition": "PRO"}
    shaped["deployment"]["resources"][3]["outputs"] = {"__provider": "y", "edition": "PRO"}
    assert shape_mismatches(ours, shaped) == []
    shaped["deployment"]["resources"][3]["outputs"] = {"__provider": "x"}
    assert shape_mismatches(ours, shaped) == ["blobstore-a"]


def test_the_shape_carries_each_resources_checked_inputs_and_recorded_outputs() -> None:
    resources = state()
    resources["deployment"]["resources"][3]["outputs"] = {"__provider": "x", "edition": secret("PRO")}
    store = stack_shape(resources, {})["resources"][1]
    assert store["checked"] == {"name": "a", "connection": CONNECTION}
    assert store["recorded"] == {"edition": "PRO"}
