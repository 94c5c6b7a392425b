"""Tests mirror the code: each module of the project's packages (the top-level directories with an
``__init__.py``, ``tests`` aside) and each root module has its own test module in the mirrored
place, ``components/haproxy.py`` -> ``tests/components/test_haproxy.py`` (``__main__.py`` ->
``test_main.py``; a package's own code in ``__init__.py`` -> ``test_init.py``). A module tested from
several angles may have ``test_<module>_<aspect>.py`` files instead
(``tests/dynamic_providers/test_client_tls.py``); a file counts for the longest module name it
starts with, so ``test_haproxy_config.py`` tests ``haproxy_config.py``, not ``haproxy.py``. A
package's ``__init__.py`` that only documents and re-exports has nothing of its own to test.

A module tested elsewhere is listed in :data:`TESTED_ELSEWHERE` with where and why; an entry that is
no longer needed (the module is gone or has its own test module now) fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dynamic_providers.kinds import KIND_MODULES
from tests.source_tree import parse

ROOT = Path(__file__).resolve().parent.parent

#: Modules without a mirrored test module: module -> (where it is tested, why there).
TESTED_ELSEWHERE: dict[str, tuple[str, str]] = {
    "components/outputs.py": (
        "tests/test_readme.py",
        "the declared stack outputs are checked against what __main__.py exports and the README lists",
    ),
    "dynamic_providers/capabilities.py": (
        "tests/dynamic_providers/test_conformance.py",
        "what a server offers is read from the emulator and the real core alike, in the two-backend "
        "conformance suite (test_behaviour_pins.py pins the open-source core's task create)",
    ),
    "dynamic_providers/kinds.py": (
        "tests/dynamic_providers/test_kind_conventions.py",
        "the registry of kinds is what the kind tests iterate (test_kind_conventions.py, "
        "test_kind_contract.py, test_kind_docs.py)",
    ),
    "settings/reference.py": (
        "tests/test_readme.py",
        "the configuration reference is checked as the README's generated table (python -m settings "
        "prints it: tests/settings/test_main.py)",
    ),
    "tools/readme_tables.py": (
        "tests/test_readme.py",
        "the README's generated blocks are checked by regenerating them",
    ),
}


def packages() -> list[Path]:
    return sorted(path.parent for path in ROOT.glob("*/__init__.py") if path.parent.name != "tests")


def project_modules() -> list[Path]:
    """Every module that should have a test module, relative to the repository root."""
    found = [path.relative_to(ROOT) for path in ROOT.glob("*.py")]
    for package in packages():
        found += [path.relative_to(ROOT) for path in package.rglob("*.py") if not only_reexports(path)]
    return sorted(found)


def only_reexports(path: Path) -> bool:
    """An ``__init__.py`` of a docstring, imports and ``__all__``: nothing of its own to test."""
    if path.name != "__init__.py":
        return False
    for statement in parse(path.read_text(), str(path)).body:
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        names_all = isinstance(statement, ast.Assign) and all(
            isinstance(target, ast.Name) and target.id == "__all__" for target in statement.targets
        )
        if not (docstring or names_all or isinstance(statement, ast.Import | ast.ImportFrom)):
            return False
    return True


def stem(module: Path) -> str:
    """``haproxy`` for ``haproxy.py``, ``main`` for ``__main__.py``."""
    return module.stem.strip("_")


def mirrored(module: Path) -> Path:
    """Where the test module of ``module`` belongs, relative to the repository root."""
    return Path("tests", *module.parent.parts, f"test_{stem(module)}.py")


def mirroring_tests(module: Path) -> list[Path]:
    """The test modules of ``module``: its mirror, and ``test_<module>_<aspect>.py`` files that do not
    belong to a module with a longer name."""
    here = mirrored(module).parent
    siblings = [stem(path) for path in (ROOT / module.parent).glob("*.py")]
    found = []
    for path in sorted((ROOT / here).glob("test_*.py")):
        tested = path.stem.removeprefix("test_")
        owners = [name for name in siblings if tested == name or tested.startswith(f"{name}_")]
        if owners and max(owners, key=len) == stem(module):
            found.append(path.relative_to(ROOT))
    return found


MODULES = project_modules()

#: Kind modules registered in ``dynamic_providers/kinds.py``: the kind contract and conventions run
#: for each through its ``Example`` (``tests/dynamic_providers/kinds.py``), so a new kind needs no
#: test module of its own (``docs/adding-a-kind.md``); the older kinds have one for their pure logic.
KIND_CONTRACT = "tests/dynamic_providers/test_kind_contract.py"
REGISTERED_KINDS = {Path(*module.__name__.split(".")).with_suffix(".py") for module in KIND_MODULES}


def test_the_project_has_modules_to_mirror() -> None:
    assert Path("__main__.py") in MODULES
    assert {path.parts[0] for path in MODULES} >= {"components", "dynamic_providers", "settings", "reach"}


@pytest.mark.parametrize("module", MODULES, ids=str)
def test_every_module_has_its_test_module(module: Path) -> None:
    if str(module) in TESTED_ELSEWHERE:
        return  # checked by test_tested_elsewhere_is_still_needed_and_true
    if module in REGISTERED_KINDS:
        assert (ROOT / KIND_CONTRACT).is_file()
        return  # a registered kind is tested by the contract, through its example
    assert mirroring_tests(module), (
        f"{module} has no test module: create {mirrored(module)} (or, if it is tested elsewhere, add "
        f"it to TESTED_ELSEWHERE in tests/test_test_layout.py with where and why)"
    )


@pytest.mark.parametrize("module", sorted(TESTED_ELSEWHERE), ids=str)
def test_tested_elsewhere_is_still_needed_and_true(module: str) -> None:
    where, why = TESTED_ELSEWHERE[module]
    entry = f"TESTED_ELSEWHERE[{module!r}] in tests/test_test_layout.py"
    assert Path(module) in MODULES, f"{module} is gone (or re-exports only): remove {entry}"
    own = mirroring_tests(Path(module))
    assert not own, f"{module} has its own test module now ({own[0]}): remove {entry}"
    assert (ROOT / where).is_file(), f"{entry} names {where}, which does not exist"
    assert why.strip(), f"{entry} does not say why"
