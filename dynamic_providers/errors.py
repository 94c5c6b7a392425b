"""One line per provider error: the resource, the Nexus call, and what to do.

The SDK's dynamic provider host (``pulumi/dynamic/__main__.py``, ``_abort_with_traceback``) answers
every exception raised by a provider method with ``traceback.format_exc()``, so each error reached
the user after a ~15-line Python traceback. In that host, :class:`OneLineErrors` wraps the engine's
calls (check, diff, create, read, update, delete) of every provider class derived from it: an
exception becomes one ``OneLineError`` whose message is the line ``exceptions.one_line`` makes (the
error's own words and its class's advice), raised ``from None``; and in the provider host the
traceback frames are left out (``sys.tracebacklimit = 0``, which only ``traceback`` formatting
reads), so the engine prints that line alone. The error classes and that formatter live in
``exceptions.py``; this module is only the wrapper (it needs Pulumi, ``exceptions.py`` does not).

``NEXUS_PLATFORM_DEBUG=1`` in the environment of ``pulumi`` keeps the original exception and the
full traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from pulumi.dynamic import ResourceProvider

from dynamic_providers.exceptions import DEBUG_ENV, OneLineError, one_line

__all__ = ["OneLineErrors", "debug_enabled", "in_provider_host", "one_line_errors"]

#: The engine's calls a provider answers.
ENGINE_METHODS = ("check", "diff", "create", "read", "update", "delete")
#: The module the SDK's dynamic provider host runs as (``python -m pulumi.dynamic``).
PROVIDER_HOST_MODULE = "pulumi.dynamic.__main__"


def debug_enabled() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes")


def in_provider_host() -> bool:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return getattr(spec, "name", None) == PROVIDER_HOST_MODULE


F = TypeVar("F", bound=Callable[..., Any])


def one_line_errors(method: F) -> F:
    """Wrap one engine call (see the module docstring)."""
    if getattr(method, "_one_line_errors", False):
        return method

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            # Elsewhere (the program, tests calling providers directly) the error stays as it is.
            if debug_enabled() or not in_provider_host():
                raise
            sys.tracebacklimit = 0
            raise OneLineError(one_line(error, method.__name__)) from None

    wrapper._one_line_errors = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class OneLineErrors(ResourceProvider):
    """Base of the project's providers: every engine call they define fails with one line."""

    # A provider is its class, pickled by reference (no instance state, nothing secret), so its
    # serialized form need not be a secret: one encrypted value less per resource in every
    # checkpoint of the state (docs/performance.md). The SDK still makes it a secret if it ever
    # captures a secret Output.
    serialize_as_secret_always = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ENGINE_METHODS:
            method = cls.__dict__.get(name)
            if callable(method):
                setattr(cls, name, one_line_errors(method))
