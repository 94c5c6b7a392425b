"""One error root: every exception class the product defines derives from ``NexusPlatformError``.

So ``except NexusPlatformError`` catches whatever the project means to tell the person running it
(a config error, a Nexus refusal, a failed host command or engine run), and nothing else. Private
control-flow exceptions (a leading underscore) never leave their module and are not counted.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from reach.errors import NexusPlatformError

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("settings", "components", "dynamic_providers", "operations", "reach")


def product_modules() -> list[str]:
    names = []
    for package in PRODUCT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.stem == "__main__":
                continue  # runs on import
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_walk_finds_the_product() -> None:
    found = product_modules()
    assert {"settings.errors", "reach.host", "dynamic_providers.exceptions", "operations.stack"} <= set(found)


@pytest.mark.parametrize("module_name", product_modules())
def test_every_public_exception_class_has_the_one_root(module_name: str) -> None:
    module = importlib.import_module(module_name)
    classes = [cls for _, cls in inspect.getmembers(module, inspect.isclass) if cls.__module__ == module_name]
    own = [cls for cls in classes if issubclass(cls, BaseException) and not cls.__name__.startswith("_")]
    strays = [cls.__name__ for cls in own if not issubclass(cls, NexusPlatformError)]
    assert strays == [], f"{module_name}: derive from reach.errors.NexusPlatformError"
