"""The emulator's API areas, one module each (``/v1/blobstores``, ``/v1/security``, ...).

Each module serves its routes, keeps its objects in a store of its own and adds both to the
registry on import (``core.register``): a new area is a new module here, nothing lists it.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..core import Area, registered


def load() -> list[Area]:
    """Every area of this package (importing a module registers it)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return registered()
