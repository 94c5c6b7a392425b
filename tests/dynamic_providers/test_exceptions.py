"""One error path: each error class carries its advice, one function makes the line the user reads,
one module defines the classes and is the one they are imported from, and every provider answers
the engine through that line (dynamic_providers/exceptions.py, errors.py).

The source-tree checks read the code with :mod:`ast` (nothing of it runs); the class checks import
the product's modules.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi.dynamic import ResourceProvider

from dynamic_providers import exceptions
from dynamic_providers.errors import OneLineErrors
from dynamic_providers.exceptions import (
    ConflictError,
    ForbiddenError,
    MethodNotAllowedError,
    NexusConnectionError,
    NexusError,
    NotFoundError,
    OneLineError,
    ProviderError,
    RefusedError,
    ServerError,
    UnauthorizedError,
    error_class,
    one_line,
)
from tests.source_tree import parse

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("settings", "components", "dynamic_providers", "operations", "reach")
SKIP_DIRS = {".venv", "venv", ".git", "build", "node_modules", "__pycache__", ".pulumi-state"}
ONE_MODULE = "dynamic_providers.exceptions"
#: The classes (and the formatter) only ``dynamic_providers.exceptions`` may be the source of.
ERROR_NAMES = {
    name
    for name, value in vars(exceptions).items()
    if inspect.isclass(value) and issubclass(value, BaseException) and value.__name__ == name
} - {"NexusPlatformError"}  # the root's own module is reach.errors
FORMATTER = "one_line"

NEXUS_ERRORS: list[type[NexusError]] = [
    UnauthorizedError,
    ForbiddenError,
    NotFoundError,
    MethodNotAllowedError,
    RefusedError,
    ConflictError,
    ServerError,
    NexusConnectionError,
]


def python_files(packages: tuple[str, ...] | None = None) -> Iterator[Path]:
    """The project's Python files: of ``packages``, or all of them (tests, tools, bench included)."""
    roots = [ROOT / package for package in packages] if packages else [ROOT]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
                yield path


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tree(path: Path) -> ast.Module:
    return parse(path.read_text(encoding="utf-8"), str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


# ---------------------------------------------------------------- the classes and their advice


def failed(kind: type[NexusError], message: str = "HTTP 4xx") -> NexusError:
    return kind(message, status=400, resource="repository 'r'", method="POST", path="/v1/repositories")


def repeated_phrases(line: str, length: int = 4) -> set[tuple[str, ...]]:
    """The runs of ``length`` words that occur more than once in ``line``."""
    words = re.findall(r"[\w`'-]+", line.lower())
    runs = [tuple(words[i : i + length]) for i in range(len(words) - length + 1)]
    return {run for run in runs if runs.count(run) > 1}


@pytest.mark.parametrize("kind", NEXUS_ERRORS, ids=lambda kind: kind.__name__)
def test_each_failed_call_carries_its_advice_and_the_line_says_it_once(kind: type[NexusError]) -> None:
    assert "advice" in vars(kind) or kind is MethodNotAllowedError  # a 405 keeps the general advice
    reason = kind.reason or "HTTP 4xx"
    line = one_line(failed(kind, reason), "create")
    assert line == f"repository 'r': {reason} (POST /v1/repositories -> 400). {kind.advice}"
    assert "\n" not in line
    assert repeated_phrases(line) == set(), "the advice repeats what the message already says"


def test_the_repeat_check_sees_the_old_401_line() -> None:
    old = (
        "blob store 'b': Nexus refused the credentials (check adminPassword) (GET /v1/blobstores -> 401). "
        "Nexus refused the credentials: nexus-platform:adminPassword must be the admin's current password"
    )
    assert ("nexus", "refused", "the", "credentials") in repeated_phrases(old)


def test_a_refused_password_is_said_once_with_the_key_to_set() -> None:
    line = one_line(failed(UnauthorizedError, UnauthorizedError.reason or ""), "read")
    assert line.count("refused") == 1 and line.count("nexus-platform:adminPassword") == 1
    assert "must be the admin's current one (set it with `pulumi config set --secret`)" in line


def test_a_missing_privilege_is_said_once_with_what_to_grant() -> None:
    line = one_line(failed(ForbiddenError, ForbiddenError.reason or ""), "update")
    assert line.count("lacks") == 1 and "nx-admin" in line


def test_a_conflict_advises_adopting_the_existing_object() -> None:
    """409: Nexus has it already; the user expects to take it over, not to change the values."""
    conflict = error_class(409)("Name is already used", status=409, resource="cleanup policy 'p'")
    line = one_line(conflict, "create")
    assert "`nexus.adoptExisting: true`" in line and "`repositories[].adopt: true`" in line
    assert "correct them" not in line
    assert RefusedError.advice not in line


def test_a_provider_error_is_its_own_words_and_the_others_say_they_are_unexpected() -> None:
    assert one_line(ProviderError("blob store 'x': in use; delete the repositories first"), "delete") == (
        "blob store 'x': in use; delete the repositories first"
    )
    assert one_line(OneLineError("already a line"), "read") == "already a line"
    assert one_line(ValueError("bad"), "check").startswith("unexpected ValueError in check: bad")


# ---------------------------------------------------------------- one module


def test_every_error_class_is_defined_in_the_one_module() -> None:
    """Any class of the provider error tree, wherever in the product, is one of exceptions.py's."""
    roots = (ProviderError, NexusError, OneLineError)
    strays = []
    for path in python_files(PRODUCT_PACKAGES):
        if path.stem == "__main__":
            continue  # runs on import
        module = importlib.import_module(module_of(path))
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, roots) and getattr(exceptions, cls.__name__, None) is not cls:
                strays.append(f"{module.__name__}.{name}")
    assert strays == [], f"define these in {ONE_MODULE}"


def other_modules(module: ast.Module) -> set[str]:
    """The names bound to a ``dynamic_providers`` module other than the one (``client as nx``)."""
    bound = set()
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom) and node.module == "dynamic_providers":
            bound |= {alias.asname or alias.name for alias in node.names if alias.name != "exceptions"}
        elif isinstance(node, ast.Import):
            bound |= {
                alias.asname
                for alias in node.names
                if alias.asname and alias.name.startswith("dynamic_providers.") and alias.name != ONE_MODULE
            }
    return bound


def wrong_imports(path: Path) -> Iterator[str]:
    module = tree(path)
    elsewhere = other_modules(module)
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom) and node.module not in (ONE_MODULE, None):
            for alias in node.names:
                if alias.name in ERROR_NAMES | {FORMATTER}:
                    yield f"{where(path, node)}: {alias.name} from {node.module}"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.attr in ERROR_NAMES and node.value.id in elsewhere:
                yield f"{where(path, node)}: {node.value.id}.{node.attr}"
        elif isinstance(node, ast.Assign) and "__all__" in {getattr(t, "id", None) for t in node.targets}:
            listed = {
                e.value
                for e in ast.walk(node.value)
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
            if module_of(path) != ONE_MODULE:
                yield from (f"{where(path, node)}: __all__ lists {name}" for name in listed & ERROR_NAMES)


def test_error_classes_are_imported_from_the_one_module_only() -> None:
    """No `from dynamic_providers.client import NexusError`, no `client.NexusError`, and no module
    but exceptions.py lists an error class in its ``__all__`` (a re-export)."""
    wrong = [line for path in python_files() for line in wrong_imports(path)]
    assert wrong == [], f"import error classes from {ONE_MODULE}"


def test_the_one_module_says_it_is_the_one() -> None:
    assert {name for name in exceptions.__all__ if name in ERROR_NAMES} == ERROR_NAMES
    assert FORMATTER in exceptions.__all__
    nexus_errors = {getattr(exceptions, name) for name in ERROR_NAMES} - {NexusError}
    assert set(NEXUS_ERRORS) == {cls for cls in nexus_errors if issubclass(cls, NexusError)}


# ---------------------------------------------------------------- one formatter


def test_one_formatter_composes_the_line() -> None:
    """Only ``exceptions.one_line`` reads an error's advice; the engine only gets its line; the
    failed call ("POST /path -> 400") is written by ``NexusError.call`` alone."""
    readers, defined, raw_lines, calls = [], [], [], []
    for path in python_files(PRODUCT_PACKAGES):
        module = module_of(path)
        for function in ast.walk(tree(path)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name == FORMATTER:
                defined.append(f"{module}.{function.name}")
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr == "advice"
                    and isinstance(node.ctx, ast.Load)
                ):
                    readers.append(f"{module}.{function.name}")
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "OneLineError":
                    made = node.args[0] if node.args else None
                    if not (isinstance(made, ast.Call) and getattr(made.func, "id", None) == FORMATTER):
                        raw_lines.append(where(path, node))
                if isinstance(node, ast.JoinedStr) and module != ONE_MODULE:
                    named = {
                        value.value.attr
                        for value in node.values
                        if isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Attribute)
                    }
                    arrow = any(
                        isinstance(value, ast.Constant) and "->" in str(value.value) for value in node.values
                    )
                    if {"method", "path"} <= named and arrow:  # "POST /path -> 400", not a page's call
                        calls.append(where(path, node))
    assert defined == [f"{ONE_MODULE}.{FORMATTER}"]
    assert sorted(set(readers)) == [f"{ONE_MODULE}.{FORMATTER}"], "advice is read by the formatter only"
    assert raw_lines == [], "a provider's engine call fails with OneLineError(one_line(...)) only"
    assert calls == [], "name the failed call with NexusError.call"


# ---------------------------------------------------------------- every provider


def test_every_provider_answers_the_engine_in_one_line() -> None:
    """Each dynamic provider of the product (the LDAP step's included) is a OneLineErrors."""
    providers, outside = [], []
    for path in python_files(PRODUCT_PACKAGES):
        if path.stem == "__main__":
            continue
        module = importlib.import_module(module_of(path))
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ResourceProvider) and cls.__module__ == module.__name__:
                providers.append(cls.__name__)
                if not issubclass(cls, OneLineErrors):
                    outside.append(f"{module.__name__}.{cls.__name__}")
    assert "DirectoryCheckProvider" in providers and "FirstRunProvider" in providers
    assert outside == [], "derive from dynamic_providers.errors.OneLineErrors"
