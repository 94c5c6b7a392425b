"""How the program ends when the engine stops a deployment: one line, not a Python traceback.

When a resource fails in `pulumi up`, the engine stops the deployment, and a registration the
program still has in flight is answered with a gRPC error. The SDK turns UNAVAILABLE (the monitor
already gone) into a ``RunError``, which the language host prints as one line, but CANCELLED
(the engine stopped while that registration was being handled) into a plain ``Exception``, which
the language host prints with its whole traceback: about thirty lines of SDK frames ending in
``Exception: context canceled`` after the error that actually stopped the run. Which of the two a
failed `up` gets depends on timing. :func:`install` makes CANCELLED read like UNAVAILABLE does.

The same holds for an error the program itself raises on purpose, a config error above all:
inside :func:`own_errors_as_run_error` it ends the program as a ``RunError`` with its message alone,
which every language host prints without a traceback (``pulumi-language-python-exec`` prints any
other exception with one; so does the SDK's server behind ``tools/language_host.py``).

``NEXUS_PLATFORM_DEBUG=1`` leaves the SDK as it is (the traceback comes back).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


class GrpcError(Protocol):
    """What the SDK reads of a failed call (``grpc.RpcError`` instances are also ``grpc.Call``)."""

    def code(self) -> grpc.StatusCode: ...

    def details(self) -> str | None: ...


class ErrorMapper(Protocol):
    """The SDK's ``grpc_error_to_exception``."""

    def __call__(self, exn: GrpcError) -> Exception: ...


def stop_aware(sdk_mapper: ErrorMapper) -> ErrorMapper:
    """The SDK's mapping of a failed engine call to an exception, with CANCELLED as a ``RunError``."""

    def to_exception(exn: GrpcError) -> Exception:
        if exn.code() == grpc.StatusCode.CANCELLED:
            return pulumi.RunError(ENGINE_STOPPED)
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
