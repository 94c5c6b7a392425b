"""Meta-tests: the conventions every Nexus kind follows, checked rather than hoped for.

A kind module declares one kind: its spec model, two pure module-level mappers and a few
declared lines over the generic service in ``base.py``; its one resource class is
:class:`NexusResource` bound to its spec; it has a contract example and a generated page. A failure
names the kind and the file to edit.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import types
from pathlib import Path
from typing import Any

import mypy.api
import pytest
from pulumi.dynamic import Resource, ResourceProvider

import dynamic_providers
from dynamic_providers.base import KINDS, Api, NexusProvider, NexusResource, SingletonProvider, Spec
from dynamic_providers.kinds import KIND_MODULES, kind_of
from reach.errors import NexusPlatformError
from tests.dynamic_providers.kinds import EXAMPLES, source_file, where
from tests.source_tree import parse

ROOT = Path(__file__).resolve().parents[2]
ALL_MODULES = [
    importlib.import_module(f"dynamic_providers.{info.name}")
    for info in pkgutil.iter_modules(dynamic_providers.__path__)
]
KIND_PROVIDERS = [kind_of(module) for module in KIND_MODULES]
ids = [kind.kind for kind in KIND_PROVIDERS]
REGISTRY = "dynamic_providers/kinds.py (KIND_MODULES)"
EXAMPLES_FILE = "tests/dynamic_providers/kinds.py (EXAMPLES)"


def defined_in(module: types.ModuleType) -> list[type[Any]]:
    return [
        obj for obj in vars(module).values() if inspect.isclass(obj) and obj.__module__ == module.__name__
    ]


def test_every_module_that_declares_a_kind_is_listed() -> None:
    declaring = {
        module.__name__
        for module in ALL_MODULES
        if any(
            issubclass(cls, NexusProvider) and cls not in (NexusProvider, SingletonProvider)
            for cls in defined_in(module)
        )
    }
    listed = {module.__name__ for module in KIND_MODULES}
    unlisted = [where(kind) for kind in KINDS.values() if kind.__module__ in declaring - listed]
    assert unlisted == [], f"kinds not registered: add their module to {REGISTRY}: {unlisted}"
    assert listed <= declaring, f"{REGISTRY} lists modules that declare no kind: {sorted(listed - declaring)}"
    of_the_stack = [kind for kind in KINDS.values() if kind.__module__.startswith("dynamic_providers.")]
    assert sorted(of_the_stack, key=id) == sorted(KIND_PROVIDERS, key=id), "one kind per module"


@pytest.mark.parametrize("kind", KIND_PROVIDERS, ids=ids)
def test_a_kind_declares_its_spec_mappers_and_api(kind: type[NexusProvider[Any]]) -> None:
    module = inspect.getmodule(kind)
    assert module is not None
    assert isinstance(kind.__dict__.get("kind"), str) and kind.kind, f"{where(kind)}: declare `kind = ...`"
    assert isinstance(kind.__dict__.get("api"), Api), f"{where(kind)}: declare `api = Api(...)`"
    assert issubclass(kind.spec_model, Spec) and kind.spec_model.__module__ == module.__name__, (
        f"{where(kind)}: the spec model must be the module's own"
    )
    # The mappers are the module's own pure functions, named to_api and from_api.
    assert kind.to_api is module.to_api and kind.from_api is module.from_api, (
        f"{where(kind)}: the mappers must be the module's to_api and from_api"
    )
    assert list(inspect.signature(module.from_api).parameters) == ["body", "previous"], (
        f"{where(kind)}: from_api takes (body, previous)"
    )


@pytest.mark.parametrize("kind", KIND_PROVIDERS, ids=ids)
def test_declared_fields_are_spec_fields(kind: type[NexusProvider[Any]]) -> None:
    fields = kind.spec_model.model_fields
    assert set(kind.replace_fields) <= set(fields), f"{where(kind)}: replace_fields that are not fields"
    assert set(kind.write_only_fields) <= set(fields), f"{where(kind)}: write_only_fields that are not fields"
    if not issubclass(kind, SingletonProvider):
        assert kind.api.id_field in fields, f"{where(kind)}: Api id_field {kind.api.id_field!r} is no field"
        assert "{id}" in kind.api.item and "{id}" in (kind.api.delete or kind.api.item), (
            f"{where(kind)}: the Api's item and delete paths need an {{id}}"
        )


@pytest.mark.parametrize("kind", KIND_PROVIDERS, ids=ids)
def test_secrets_are_write_only_and_hidden(kind: type[NexusProvider[Any]]) -> None:
    """A password field is declared write-only (so it is carried and secret), and never printed."""
    for name in kind.spec_model.model_fields:
        if "password" in name:
            assert name in kind.write_only_fields, f"{where(kind)}: {name} is not declared write-only"
    for name in kind.write_only_fields:
        assert kind.spec_model.model_fields[name].repr is False, (
            f"{where(kind)}: {name} shows in repr: give it pydantic.Field(repr=False)"
        )


@pytest.mark.parametrize("module", KIND_MODULES, ids=ids)
def test_a_kind_module_defines_one_provider_and_one_resource_class_bound_to_its_spec(
    module: types.ModuleType,
) -> None:
    kind, where = kind_of(module), source_file(module)
    classes = defined_in(module)
    resources = [cls for cls in classes if issubclass(cls, Resource)]
    bound = f"NexusResource[{kind.spec_model.__name__}]"
    assert len(resources) == 1, (
        f"{kind.kind}: {where} must define one resource class, `class X({bound})`"
        f" (found {[cls.__name__ for cls in resources]})"
    )
    (resource,) = resources
    assert issubclass(resource, NexusResource) and resource.spec_model is kind.spec_model, (
        f"{kind.kind}: {where}: {resource.__name__} must derive from {bound}"
    )
    providers = [cls for cls in classes if issubclass(cls, ResourceProvider)]
    assert providers == [kind], f"{kind.kind}: {where} must define one provider, the kind's"


@pytest.mark.parametrize("module", KIND_MODULES, ids=ids)
def test_a_resource_class_refuses_another_kinds_spec(module: types.ModuleType) -> None:
    resources: list[type[NexusResource[Any]]] = [
        cls for cls in defined_in(module) if issubclass(cls, NexusResource)
    ]
    (resource,) = resources
    other = next(example for example in EXAMPLES.values() if example.provider is not kind_of(module))
    spec = other.provider.spec_model.model_validate(other.fields)
    expected = f"{resource.__name__} 'x' takes a {kind_of(module).spec_model.__name__}, not a"
    with pytest.raises(TypeError, match=expected):
        resource("x", connection={}, spec=spec)


@pytest.mark.parametrize("module", KIND_MODULES, ids=ids)
def test_no_kind_module_writes_a_path_twice(module: types.ModuleType) -> None:
    """Paths are declared once (in the kind's Api); a literal REST path appears at most once."""
    literals = [
        node.value
        for node in ast.walk(parse(inspect.getsource(module)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/v1/")
    ]
    twice = sorted({literal for literal in literals if literals.count(literal) > 1})
    assert twice == [], f"{where(kind_of(module))}: declare each path once (in its Api): {twice}"


def test_every_kind_has_a_contract_example() -> None:
    without = [
        where(kind)
        for kind in KIND_PROVIDERS
        if getattr(EXAMPLES.get(kind.kind), "provider", None) is not kind
    ]
    assert without == [], f"kinds without an example: add one to {EXAMPLES_FILE}: {without}"
    misfiled = [name for name, example in EXAMPLES.items() if example.provider.kind != name]
    assert misfiled == [], f"{EXAMPLES_FILE}: key each example by its provider's kind: {misfiled}"
    unlisted = [name for name, example in EXAMPLES.items() if example.provider not in KIND_PROVIDERS]
    assert unlisted == [], f"examples of kinds not in {REGISTRY}: {unlisted}"


def test_one_error_root() -> None:
    """Every exception class of dynamic_providers derives from the project's one root."""
    for module in ALL_MODULES:
        for cls in defined_in(module):
            if issubclass(cls, BaseException):
                assert issubclass(cls, NexusPlatformError), f"{module.__name__}.{cls.__name__}"


def test_no_class_is_named_like_pydantics_validation_error() -> None:
    names = []
    for path in ROOT.glob("**/*.py"):
        if ".venv" in path.parts or not path.is_file():
            continue
        tree = parse(path.read_text(), str(path))
        names += [
            f"{path}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and node.name == "ValidationError"
        ]
    assert names == []


def test_mypy_refuses_another_kinds_spec(tmp_path: Path) -> None:
    """``Role("x", spec=UserSpec(...))`` does not type-check (it would create a user)."""
    program = tmp_path / "wrong_spec.py"
    program.write_text(
        "from dynamic_providers.roles import Role, RoleSpec\n"
        "from dynamic_providers.users import UserSpec\n"
        "def declare(role: RoleSpec, user: UserSpec) -> None:\n"
        '    Role("r", connection={}, spec=role)\n'
        '    Role("u", connection={}, spec=user)\n'
    )
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\nplugins = pydantic.mypy\nmypy_path = {ROOT}\nfollow_imports = silent\n")
    out, _, status = mypy.api.run([str(program), "--config-file", str(config), "--cache-dir", str(tmp_path)])
    assert status == 1 and out.count("error:") == 1, out
    assert 'wrong_spec.py:5: error: Argument "spec" to "Role" has incompatible type "UserSpec"' in out, out
