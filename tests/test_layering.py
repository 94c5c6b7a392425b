"""The project's import graph: no cycles between modules or between packages, and the layering
rules (``components`` never imports ``operations``, ``dynamic_providers`` never imports
``operations``, ``reach`` imports no other package, ``settings`` imports only ``reach`` (and the
one allowed edge below), no module outside the test suite imports ``tests``; a module run with
``python -m`` is not imported again by what it imports, or it would be loaded twice).

Every import counts: top level, inside functions and under ``TYPE_CHECKING`` (a cycle hidden there
is still a design cycle). The graph is read from the source with :mod:`ast`, nothing is imported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from tests.source_tree import parse

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", "venv", ".git", "build", "node_modules", "__pycache__", ".pulumi-state"}

#: Top-level packages that may import ``tests``: the benchmark drives the test suite's emulator and
#: real-Nexus harness on purpose (it measures what the tests run).
MAY_IMPORT_TESTS = {"bench"}

#: Cycles known and not yet broken, each with who breaks it. A cycle not listed fails the test, and so
#: does a listed one that is gone (take it off the list).
KNOWN_CYCLES: list[list[str]] = []

#: (importer package, imported package) pairs that must not exist.
FORBIDDEN = {
    ("components", "operations"),
    ("dynamic_providers", "operations"),
    ("reach", "operations"),
    ("reach", "components"),
    ("reach", "dynamic_providers"),
    ("reach", "settings"),
    ("settings", "components"),
    ("settings", "dynamic_providers"),
    ("settings", "operations"),
}

#: Imports a FORBIDDEN pair still allows, each with why (the README's layout says it too). One that
#: is gone fails the test: take it off the list.
ALLOWED = {
    # A repository of the config is checked with the repository kind's own spec
    # (RepositorySettings.to_spec), so that Nexus's rules for a repository are written once and a
    # config error names its key before anything is created.
    "settings.model -> dynamic_providers.repositories",
    # The same for an S3 blob store of the config (S3BlobStoreSettings.to_spec).
    "settings.model -> dynamic_providers.s3_blob_stores",
    # The same for a routing rule of the config (RoutingRuleSettings.to_spec: its matchers' check).
    "settings.model -> dynamic_providers.routing_rules",
    # The same for the email server (EmailSettings.to_spec and the kind's validate_extra).
    "settings.model -> dynamic_providers.email_server",
    # The same for a trusted certificate of the config (TrustedCertificateSettings.to_spec: the PEM).
    "settings.model -> dynamic_providers.truststore",
    # The same for the outbound HTTP settings of the config (HttpProxySettings.to_spec).
    "settings.model -> dynamic_providers.http_settings",
    # The same for content selectors, privileges (their types' fields and actions) and roles of the
    # config (ContentSelectorSettings, PrivilegeSettings, RoleSettings .to_spec).
    "settings.model -> dynamic_providers.content_selectors",
    "settings.model -> dynamic_providers.privileges",
    "settings.model -> dynamic_providers.roles",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    modules = {}
    for path in root.rglob("*.py"):
        if SKIP_DIRS.intersection(path.relative_to(root).parts):
            continue
        modules[module_name(path)] = path
    return modules


def _resolve(name: str, modules: Mapping[str, Path]) -> str | None:
    """The project module ``name`` is, or is in (``a.b.c`` -> ``a.b`` when c is a name in a.b)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The project modules ``module`` imports, wherever the import statement is."""
    tree = parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        names: Iterable[str] = ()
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}".strip(".")
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                found.add(target)
    return found


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def top(module: str) -> str:
    return module.split(".", 1)[0]


def package_graph(graph: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        edges = packages.setdefault(top(module), set())
        edges.update(top(t) for t in targets if top(t) != top(module))
    return packages


def edges_between(graph: Mapping[str, Iterable[str]], importer: str, imported: str) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if top(module) == importer
        for target in targets
        if top(target) == imported
    )


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(project_modules())


# ---------------------------------------------------------------- the checker itself


def _write(root: Path, files: Mapping[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {module_name_in(root, path): path for path in root.rglob("*.py")}


def module_name_in(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_the_checker_sees_cycles_in_functions_type_checking_and_relative_imports(tmp_path: Path) -> None:
    modules = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n",
            "pkg/b.py": "def f():\n    from . import a\n",
            "pkg/c.py": "import pkg.d\n",
            "pkg/d.py": "from pkg import e\n",
            "pkg/e.py": "import os\n",
            "other.py": "from pkg.e import thing\n",
        },
    )
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert graph["pkg.b"] == {"pkg.a"}
    assert graph["pkg.d"] == {"pkg.e"}
    assert graph["other"] == {"pkg.e"}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]
    assert cycles(package_graph(graph)) == []
    assert cycles(package_graph({"x.a": {"y.b"}, "y.b": {"x.c"}, "x.c": set()})) == [["x", "y"]]


# ---------------------------------------------------------------- the project


def test_no_import_cycle_between_modules(graph: dict[str, set[str]]) -> None:
    found = cycles(graph)
    assert [cycle for cycle in found if cycle not in KNOWN_CYCLES] == []
    assert [cycle for cycle in KNOWN_CYCLES if cycle not in found] == [], "fixed: remove from KNOWN_CYCLES"


def test_no_import_cycle_between_packages(graph: dict[str, set[str]]) -> None:
    packages = package_graph(graph)
    found = cycles(packages)
    detail = {
        f"{a} <-> {b}": edges_between(graph, a, b) + edges_between(graph, b, a)
        for cycle in found
        for a in cycle
        for b in cycle
        if a < b and b in packages[a] and a in packages[b]
    }
    assert found == [], detail


@pytest.mark.parametrize(("importer", "imported"), sorted(FORBIDDEN))
def test_forbidden_package_imports(graph: dict[str, set[str]], importer: str, imported: str) -> None:
    assert [edge for edge in edges_between(graph, importer, imported) if edge not in ALLOWED] == []


def test_every_allowed_import_still_exists(graph: dict[str, set[str]]) -> None:
    found = {edge for importer, imported in FORBIDDEN for edge in edges_between(graph, importer, imported)}
    assert sorted(ALLOWED - found) == [], "gone: remove from ALLOWED"


def test_nothing_outside_the_test_suite_imports_tests(graph: dict[str, set[str]]) -> None:
    offenders = [
        f"{module} -> {target}"
        for module, targets in sorted(graph.items())
        if top(module) not in {"tests", *MAY_IMPORT_TESTS}
        for target in sorted(targets)
        if top(target) == "tests"
    ]
    assert offenders == []


def run_as_main() -> set[str]:
    """Modules the project's scripts run with ``python -m MODULE``."""
    found = set()
    for script in (ROOT / "scripts").rglob("*"):
        if script.is_file():
            text = script.read_text(encoding="utf-8", errors="replace")
            found.update(re.findall(r"python3?\"? -m \"?([a-z_][\w.]*)", text))
    return found


def reachable(graph: Mapping[str, Iterable[str]], start: str) -> set[str]:
    """Every module ``start``'s imports load, directly or not."""
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_no_module_run_with_python_m_is_loaded_again_by_its_own_imports(graph: dict[str, set[str]]) -> None:
    """``python -m X`` runs X as ``__main__``; if X's imports import X, it is loaded a second time
    (two copies of each class: an ``Outcome`` from one is not the other's)."""
    entry_points = sorted(name for name in run_as_main() if name in graph)
    assert "operations.cli" in entry_points
    assert [name for name in entry_points if name in reachable(graph, name)] == []
