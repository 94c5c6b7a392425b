"""How the program ends when the engine stops a deployment: one line, not a Python traceback.

When a resource fails in `pulumi up`, the engine stops the deployment, and a registration the
program still has in flight is answered with a gRPC error. The SDK turns UNAVAILABLE (the monitor
already gone) into a ``RunError``, which the language host prints as one line, but CANCELLED
(the engine stopped while that registration was being handled) into a plain ``Exception``, which
the language host prints with its whole traceback: about thirty lines of SDK frames ending in
``Exception: context canceled`` after the error that actually stopped the run. Which of the two a
failed `up` gets depends on timing. :func:`install` makes CANCELLED read like UNAVAILABLE does.

Where to look. The engine reports a failed resource with its provider's error alone (for a
container that did not become healthy: "the container is not healthy", nothing about why); the
program never sees that error, only that its registration of the resource was stopped. A
registration made between :func:`begin_hint` and :func:`end_hint` (the registration task keeps the
context it was created in) carries a hint, and when the engine stops it, the program's line ends
with it: "... ; if haproxy-container failed: `docker logs --tail 50 haproxy` says why".

The same holds for an error the program itself raises on purpose, a config error above all:
inside :func:`own_errors_as_run_error` it ends the program as a ``RunError`` with its message alone,
which every language host prints without a traceback (``pulumi-language-python-exec`` prints any
other exception with one; so does the SDK's server behind ``tools/language_host.py``).

``NEXUS_PLATFORM_DEBUG=1`` leaves the SDK as it is (the traceback comes back).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Protocol

import grpc
import pulumi
from pulumi.runtime import settings as runtime_settings

from dynamic_providers.errors import debug_enabled
from reach.errors import NexusPlatformError

#: What the program reports when the engine stopped it; the engine reports the cause itself.
ENGINE_STOPPED = (
    "the deployment stopped before every resource was registered (another resource failed or the "
    "run was interrupted: its error is reported with it)"
)


#: The hint of the registrations being made (see the module docstring).
_HINT: ContextVar[str | None] = ContextVar("nexus_platform_stop_hint", default=None)


def begin_hint(hint: str) -> Token[str | None]:
    """Registrations made from now until :func:`end_hint` end the program's line, when the engine
    stops them, with ``hint`` (e.g. where to read why the resource failed)."""
    return _HINT.set(hint)


def end_hint(token: Token[str | None]) -> None:
    _HINT.reset(token)


@contextmanager
def hint_when_stopped(hint: str) -> Iterator[None]:
    """:func:`begin_hint` ... :func:`end_hint` around the registrations made inside."""
    token = begin_hint(hint)
    try:
        yield
    finally:
        end_hint(token)


def container_hint(resource: str, container: str, wait_seconds: int, also: str = "") -> str:
    """Where to look when a container resource fails (e.g. not healthy within its wait)."""
    more = f" (and {also})" if also else ""
    return (
        f"if {resource} failed (e.g. not healthy within {wait_seconds} s), "
        f"`docker logs --tail 50 {container}`{more} says why"
    )


def stopped_message() -> str:
    """The program's line for a registration the engine stopped, with the hint it carries."""
    hint = _HINT.get()
    return f"{ENGINE_STOPPED}; {hint}" if hint else ENGINE_STOPPED


class GrpcError(Protocol):
    """What the SDK reads of a failed call (``grpc.RpcError`` instances are also ``grpc.Call``)."""

    def code(self) -> grpc.StatusCode: ...

    def details(self) -> str | None: ...


class ErrorMapper(Protocol):
    """The SDK's ``grpc_error_to_exception``."""

    def __call__(self, exn: GrpcError) -> Exception: ...


def stop_aware(sdk_mapper: ErrorMapper) -> ErrorMapper:
    """The SDK's mapping of a failed engine call to an exception, with CANCELLED as a ``RunError``
    (and UNAVAILABLE too when the registration carries a hint: the SDK's own line would drop it)."""

    def to_exception(exn: GrpcError) -> Exception:
        code = exn.code()
        if code == grpc.StatusCode.CANCELLED or (code == grpc.StatusCode.UNAVAILABLE and _HINT.get()):
            return pulumi.RunError(stopped_message())
        return sdk_mapper(exn)

    to_exception.sdk_mapper = sdk_mapper  # type: ignore[attr-defined]  # marks it installed
    return to_exception


def sdk_mapper() -> ErrorMapper:
    """The SDK's own ``grpc_error_to_exception``, whether or not :func:`install` wrapped it."""
    current = runtime_settings.grpc_error_to_exception
    own: ErrorMapper = getattr(current, "sdk_mapper", current)
    return own


def installed() -> bool:
    return runtime_settings.grpc_error_to_exception is not sdk_mapper()


def install() -> None:
    """Makes the SDK's ``handle_grpc_error`` (every registration calls it) use :func:`stop_aware`.

    It looks ``grpc_error_to_exception`` up in its module on every call, so replacing it there is
    enough. Once per process: a language host may run the program more than once."""
    if not debug_enabled() and not installed():
        runtime_settings.grpc_error_to_exception = stop_aware(sdk_mapper())


@contextmanager
def own_errors_as_run_error() -> Iterator[None]:
    """An error of the project's (:class:`NexusPlatformError`: a config error, a provider error, ...)
    raised inside ends the program as a ``RunError`` with the same message: printed as that message
    alone (one line per problem), without the Python traceback. Not with ``NEXUS_PLATFORM_DEBUG=1``."""
    try:
        yield
    except NexusPlatformError as error:
        if debug_enabled():
            raise
        raise pulumi.RunError(str(error)) from None
