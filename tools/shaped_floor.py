"""The shaped floor: no-op dynamic resources shaped like a stack the project made.

The plain floor (``bench/run.py``) is one no-op resource per Nexus object with two properties. The
shaped floor copies a stack of the project from its state instead: the same components and parents,
the same dependencies (a property that waited for a resource waits for the same one), the same types
and URNs, the same properties with the same values and secrets, the same outputs of each resource
and the same stack outputs. Its program sends what the project's program sends (the fields not at
their defaults) and its provider's ``check`` fills the rest in, as the kinds do. Its provider makes
no HTTP call and has no pydantic.

So the engine and the SDK do the same work for it as for the project: what remains between the two
is the project's own work (its imports, settings, pydantic models, HTTP calls). Not copied: the
project's ``depends_on`` on components (the state lists the resources they stood for, and those are
what the shaped floor names), and resource options other than parents, dependencies and additional
secret outputs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: How the engine writes a secret in a state exported with ``--show-secrets``.
SECRET_SIGNATURE = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")
#: Properties every Nexus resource sends besides its spec's fields.
RESOURCE_PROPERTIES = ("connection", "adopt")
DYNAMIC_PREFIX = "pulumi-python:"

SHAPED_PULUMI_YAML = """\
name: {project}
description: no-op dynamic resources shaped like a stack of the project (the shaped floor)
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: .venv
"""

# Pickled by reference like the project's providers: one class per type, made from shape.json
# again in the provider process.
SHAPED_PROVIDER = '''\
"""No-op dynamic providers and resources with the types, properties and defaults of shape.json."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult,
)

SHAPE = json.loads((Path(__file__).parent / "shape.json").read_text())
ID_FIELDS = ("name", "role_id", "user_id", "id")


def key(value: Any) -> str:
    """The same text for the same values, whether a number came back from the engine as a float."""

    def whole(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, dict):
            return {k: whole(v) for k, v in item.items()}
        return [whole(v) for v in item] if isinstance(item, list) else item

    return json.dumps(whole(value), sort_keys=True)


#: What each resource recorded as outputs, by its checked inputs (a provider is not told its URN),
#: and the other way round for Read, which gives the engine the inputs back as the kinds do.
RECORDED = {key(entry["checked"]): entry["recorded"] for entry in SHAPE["resources"] if entry["custom"]}
CHECKED = {key(entry["recorded"]): entry["checked"] for entry in SHAPE["resources"] if entry["custom"]}


def recorded(props: dict[str, Any]) -> dict[str, Any]:
    inputs = {k: v for k, v in props.items() if k != "__provider"}
    return dict(RECORDED.get(key(inputs), inputs))


class ShapedProvider(ResourceProvider):
    # As the project's providers (dynamic_providers/errors.py): the serialized provider in plain.
    serialize_as_secret_always = False
    defaults: dict[str, Any] = {}

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult({**self.defaults, **news}, [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        object_id = next((props[f] for f in ID_FIELDS if isinstance(props.get(f), str)), "singleton")
        return CreateResult(id_=object_id, outs=recorded(props))

    def diff(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Changed when the new inputs are not those the old outputs were recorded for.
        old_outputs = {k: v for k, v in olds.items() if k != "__provider"}
        return DiffResult(changes=key(recorded(news)) != key(old_outputs))

    def update(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=recorded(news))

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        inputs = CHECKED.get(key({k: v for k, v in props.items() if k != "__provider"}))
        return ReadResult(id, props, dict(inputs) if inputs is not None else None)

    def delete(self, id: str, props: dict[str, Any]) -> None:
        return None


PROVIDERS: dict[str, type[ShapedProvider]] = {}
for _token, _defaults in SHAPE["defaults"].items():
    _name = "Shaped" + "".join(c for c in _token if c.isalnum())
    PROVIDERS[_token] = type(_name, (ShapedProvider,), {"defaults": _defaults, "__module__": __name__})
    globals()[_name] = PROVIDERS[_token]


class Shaped(Resource):
    def __init__(self, token: str, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        self._resource_type_name = token  # the type token's part after "pulumi-python:"
        super().__init__(PROVIDERS[token](), name, props, opts)
'''

SHAPED_MAIN = '''\
from __future__ import annotations

from typing import Any

import pulumi

from floorprov import SHAPE, Shaped

made: dict[str, pulumi.Resource] = {}


def waited(value: Any, urns: list[str], secret: bool) -> Any:
    """The value as the project's program gives it: after the resources it came from, secret or not."""
    after = [made[urn] for urn in urns if urn in made]
    if after:
        ready = [r.id if isinstance(r, pulumi.CustomResource) else r.urn for r in after]
        return pulumi.Output.all(*ready).apply(lambda _: pulumi.Output.secret(value) if secret else value)
    return pulumi.Output.secret(value) if secret else value


for entry in SHAPE["resources"]:
    opts = pulumi.ResourceOptions(
        parent=made.get(entry["parent"]),
        depends_on=[made[urn] for urn in entry["dependencies"] if urn in made],
        additional_secret_outputs=entry.get("secret_outputs") or None,
    )
    if entry["custom"]:
        props = {
            key: waited(value, entry["property_dependencies"].get(key, []), key in entry["secret"])
            for key, value in entry["sent"].items()
        }
        made[entry["urn"]] = Shaped(entry["token"], entry["name"], props, opts)
    else:
        component = pulumi.ComponentResource(entry["type"], entry["name"], None, opts)
        component.register_outputs(entry["outputs"])
        made[entry["urn"]] = component

for key, value in SHAPE["outputs"].items():
    pulumi.export(key, waited(value, [], key in SHAPE["secret_outputs"]))
'''


def is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SECRET_SIGNATURE[0]) == SECRET_SIGNATURE[1]


def plain(value: Any) -> Any:
    """A state value with its secrets (shown with ``--show-secrets``) as their plain values."""
    if is_secret(value):
        return plain(json.loads(value["plaintext"]))
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def sent_fields(inputs: Mapping[str, Any], spec_model: Any | None) -> dict[str, Any]:
    """What the project's program sent for a resource whose checked inputs are ``inputs``: the spec's
    fields not at their defaults, and the resource's own properties (``check`` filled in the rest)."""
    if spec_model is None:  # a resource of its own (first run, lockdown): sent whole
        return dict(inputs)
    spec = spec_model.model_validate({k: v for k, v in inputs.items() if k not in RESOURCE_PROPERTIES})
    sent: dict[str, Any] = spec.model_dump(exclude_defaults=True, mode="json")
    return {**sent, **{k: inputs[k] for k in RESOURCE_PROPERTIES if k in inputs}}


def stack_shape(state: Mapping[str, Any], spec_models: Mapping[str, Any]) -> dict[str, Any]:
    """The shaped floor's description of a stack, from its ``stack export --show-secrets``.

    ``spec_models``: the spec model of each dynamic type token (``dynamic/nexus:Repository``).
    """
    resources: list[dict[str, Any]] = []
    defaults: dict[str, dict[str, Any]] = {}
    outputs: dict[str, Any] = {}
    for resource in state["deployment"]["resources"]:
        resource_type: str = resource["type"]
        if resource_type.startswith("pulumi:providers:"):
            continue
        if resource_type == "pulumi:pulumi:Stack":
            outputs = dict(resource.get("outputs") or {})
            continue
        entry: dict[str, Any] = {
            "urn": resource["urn"],
            "type": resource_type,
            "name": resource["urn"].rpartition("::")[2],
            "parent": resource.get("parent"),
            "custom": bool(resource.get("custom")),
            "dependencies": list(resource.get("dependencies") or []),
            "property_dependencies": dict(resource.get("propertyDependencies") or {}),
        }
        if entry["custom"]:
            if not resource_type.startswith(DYNAMIC_PREFIX + "dynamic/"):
                raise ValueError(f"the shaped floor has no stand-in for {resource_type} ({resource['urn']})")
            token = resource_type.removeprefix(DYNAMIC_PREFIX)
            inputs = {k: v for k, v in resource["inputs"].items() if k != "__provider"}
            full = plain(inputs)
            sent = sent_fields(full, spec_models.get(token))
            defaults.setdefault(token, {}).update({k: v for k, v in full.items() if k not in sent})
            entry.update(
                token=token,
                sent=sent,
                checked=full,
                recorded=plain(
                    {k: v for k, v in (resource.get("outputs") or {}).items() if k != "__provider"}
                ),
                secret=sorted(k for k, v in inputs.items() if is_secret(v)),
                secret_outputs=list(resource.get("additionalSecretOutputs") or []),
            )
        else:
            entry["outputs"] = plain(resource.get("outputs") or {})
        resources.append(entry)
    return {
        "resources": resources,
        "defaults": defaults,
        "outputs": plain(outputs),
        "secret_outputs": sorted(k for k, v in outputs.items() if is_secret(v)),
    }


def project_name(shape: Mapping[str, Any]) -> str:
    """The project name in the shape's URNs (``urn:pulumi:<stack>::<project>::...``), so the shaped
    floor's URNs are as long as the project's."""
    first = shape["resources"][0]["urn"]
    return str(first.split("::")[1])


def write_project(directory: Path, shape: Mapping[str, Any]) -> None:
    """The shaped floor's Pulumi project in ``directory``."""
    package = directory / "floorprov"
    package.mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text(SHAPED_PULUMI_YAML.format(project=project_name(shape)))
    (directory / "__main__.py").write_text(SHAPED_MAIN)
    (package / "__init__.py").write_text(SHAPED_PROVIDER)
    (package / "shape.json").write_text(json.dumps(shape))


def shape_mismatches(ours: Mapping[str, Any], shaped: Mapping[str, Any]) -> list[str]:
    """URN names of the custom resources recorded differently in two exported states
    (``--show-secrets``): other input or output values (the serialized provider aside), or other
    inputs or outputs kept as secrets (the serialized provider included). The shaped floor's
    self-check."""

    def recorded(state: Mapping[str, Any]) -> dict[str, Any]:
        return {
            r["urn"].rpartition("::")[2]: (
                plain({k: v for k, v in r["inputs"].items() if k != "__provider"}),
                plain({k: v for k, v in (r.get("outputs") or {}).items() if k != "__provider"}),
                sorted(k for k, v in r["inputs"].items() if is_secret(v)),
                sorted(k for k, v in (r.get("outputs") or {}).items() if is_secret(v)),
            )
            for r in state["deployment"]["resources"]
            if r.get("custom") and r["type"].startswith(DYNAMIC_PREFIX + "dynamic/")
        }

    mine, theirs = recorded(ours), recorded(shaped)
    return sorted(name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name))
