"""One line per provider error: the resource, the Nexus call, and what to do.

The SDK's dynamic provider host (``pulumi/dynamic/__main__.py``, ``_abort_with_traceback``) answers
every exception raised by a provider method with ``traceback.format_exc()``, so each error reached
the user after a ~15-line Python traceback. In that host, :class:`OneLineErrors` wraps the engine's calls
(check, diff, create, read, update, delete) of every provider class derived from it: an exception
becomes one :class:`OneLineError` whose message is a single line, raised ``from None``; and in
the provider host the traceback frames are left out (``sys.tracebacklimit = 0``, which only
``traceback`` formatting reads), so the engine prints that line alone.

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

from dynamic_providers.exceptions import (
    ForbiddenError,
    NexusConnectionError,
    NexusError,
    NotFoundError,
    ProblemsError,
    ProviderError,
    RefusedError,
    ServerError,
    UnauthorizedError,
)
from reach.errors import NexusPlatformError

__all__ = ["OneLineError", "OneLineErrors", "ProviderError", "one_line"]

DEBUG_ENV = "NEXUS_PLATFORM_DEBUG"
#: The engine's calls a provider answers.
ENGINE_METHODS = ("check", "diff", "create", "read", "update", "delete")
#: The module the SDK's dynamic provider host runs as (``python -m pulumi.dynamic``).
PROVIDER_HOST_MODULE = "pulumi.dynamic.__main__"
_LOGS = "`docker logs --tail 50 nexus` or <dataDir>/log/nexus.log"


class OneLineError(NexusPlatformError):
    """A provider error as the user reads it: one line."""

    # Printed by the provider host as "<module>.<name>: <message>": keep the prefix short.
    __module__ = "nexus-platform"


def debug_enabled() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes")


def what_to_do(error: BaseException) -> str:
    """The advice that goes with an error, by kind."""
    if isinstance(error, NexusConnectionError):
        return "Nexus did not answer: check that it runs (" + _LOGS + "), then run `pulumi up` again"
    if isinstance(error, ServerError):
        return "Nexus failed on this call: its log says why (" + _LOGS + "); run `pulumi up` again once fixed"
    if isinstance(error, UnauthorizedError):
        return (
            "Nexus refused the credentials: nexus-platform:adminPassword must be the admin's current "
            "password (set it with `pulumi config set --secret`)"
        )
    if isinstance(error, ForbiddenError):
        return "the admin user lacks a privilege for this call: give it nx-admin"
    if isinstance(error, NotFoundError):
        return "Nexus no longer has it: run `pulumi refresh`, then `pulumi up`"
    if isinstance(error, RefusedError):
        return "Nexus refused the values: correct them in the stack config and run `pulumi up` again"
    if isinstance(error, NexusError):
        return "run `pulumi up` again once Nexus is fixed"
    return ""


def one_line(error: BaseException, method: str) -> str:
    """The message the user gets for ``error`` raised by the provider's ``method``: one line, or one
    line per problem for a :class:`ProblemsError` (joined, they would run together)."""
    if isinstance(error, ProblemsError) and error.problems:
        return "\n".join(error.problems)
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, NexusError):
        return f"{text}. {what_to_do(error)}" if what_to_do(error) else text
    if isinstance(error, ProviderError | OneLineError):
        return text  # written for the user: names the object and what to do
    return (
        f"unexpected {type(error).__name__} in {method}: {text} "
        f"(set {DEBUG_ENV}=1 and rerun for the Python traceback)"
    )


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
