"""Every error the providers raise on purpose, what to do about each, and the one line it becomes.

The one module to import these classes from. ``NexusPlatformError`` (``reach.errors``) is the
project's root; below it:

- :class:`ProviderError`: a failure written for the user by the providers (names the object and
  what to do); :class:`ProblemsError` when it is several problems, one per line;
- :class:`NexusError`: a failed Nexus call, one subclass per answer (401, 403, 404, 405, 409,
  other 4xx, 5xx, no answer), raised by the HTTP client (``client.py``). Each class carries what
  happened when Nexus's answer says nothing (:attr:`NexusError.reason`) and what to do
  (:attr:`NexusError.advice`);
- :class:`OneLineError`: what a provider's engine call raises in the provider host (``errors.py``).

:func:`one_line` is the one place an error becomes the line the person running `pulumi up` reads.
No class here is called ``ValidationError``: that name is pydantic's.
This module imports only the root from ``reach.errors`` (and no Pulumi): anything may import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from reach.errors import NexusPlatformError

__all__ = [
    "ADOPT_ADVICE",
    "DEBUG_ENV",
    "NOT_SERVING_HINT",
    "ConflictError",
    "ForbiddenError",
    "MethodNotAllowedError",
    "NexusConnectionError",
    "NexusError",
    "NotFoundError",
    "OneLineError",
    "ProblemsError",
    "ProviderError",
    "RefusedError",
    "ServerError",
    "UnauthorizedError",
    "error_class",
    "one_line",
]

#: Set (to 1) in the environment of ``pulumi`` to keep a provider error's Python traceback.
DEBUG_ENV = "NEXUS_PLATFORM_DEBUG"
#: Where a Nexus that does not serve is most often found: stopped (a refresh cannot read then).
NOT_SERVING_HINT = (
    "is it running? (`docker ps -a` on the Docker host; a stack that runs Nexus starts a container "
    "stopped outside Pulumi with `pulumi up` without --refresh)"
)
_LOGS = "`docker logs --tail 50 nexus` or <dataDir>/log/nexus.log"
#: How the stack takes over an object Nexus already has (the settings keys `nexus.adoptExisting`
#: and `repositories[].adopt`).
ADOPT_ADVICE = (
    "To manage the existing object, set the stack config key `nexus.adoptExisting: true` (every "
    "object) or, for a repository, `repositories[].adopt: true`, and run `pulumi up` again"
)


class ProviderError(NexusPlatformError):
    """A provider failure with a message meant for the person running `pulumi up`: it names the
    object and what to do, so the class adds no advice."""

    advice: ClassVar[str] = ""


class ProblemsError(ProviderError):
    """Several problems found at once (e.g. every server feature a stack asks for and lacks): one
    per line, and each stays its own line when the error is shown (:func:`one_line`)."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = [" ".join(problem.split()) for problem in problems if problem.strip()]
        super().__init__("\n".join(self.problems))


class OneLineError(NexusPlatformError):
    """A provider error as the user reads it: the line :func:`one_line` made."""

    # Printed by the provider host as "<module>.<name>: <message>": keep the prefix short.
    __module__ = "nexus-platform"


class NexusError(NexusPlatformError):
    """A failed Nexus call; the message names the resource, the field when Nexus says, and the call."""

    #: What happened, when Nexus's answer has no body to say it (None: the HTTP status line).
    reason: ClassVar[str | None] = None
    #: What the person running `pulumi up` should do about it.
    advice: ClassVar[str] = "run `pulumi up` again once Nexus is fixed"
    status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        resource: str | None = None,
        field: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.resource = resource
        self.field = field
        self.detail = message
        self.method = method
        self.path = path
        where = f"{resource}: " if resource else ""
        what = f"field '{field}': " if field and field != "*" else ""
        call = f" ({self.call})" if self.call else ""
        super().__init__(f"{where}{what}{message}{call}")

    @property
    def call(self) -> str:
        """The failed call as messages name it, e.g. ``POST /v1/blobstores/file -> 400`` ("" unknown)."""
        return f"{self.method} {self.path} -> {self.status}" if self.method and self.path else ""


class UnauthorizedError(NexusError):
    """401: the credentials were refused."""

    reason = "Nexus refused the password in nexus-platform:adminPassword"
    advice = (
        "the stack's admin password must be the admin's current one "
        "(set it with `pulumi config set --secret`)"
    )


class ForbiddenError(NexusError):
    """403: the user lacks a privilege."""

    reason = "the user lacks the privilege for this call"
    advice = "give the admin user nx-admin"


class NotFoundError(NexusError):
    """404."""

    reason = "not found"
    advice = "Nexus no longer has it: run `pulumi refresh`, then `pulumi up`"


class RefusedError(NexusError):
    """400, 415 and other 4xx: Nexus refused the request as invalid."""

    advice = "Nexus refused the values: correct them in the stack config and run `pulumi up` again"


class ConflictError(RefusedError):
    """409: Nexus already holds an object this one conflicts with (it exists already)."""

    advice = f"Nexus already has an object this one conflicts with. {ADOPT_ADVICE}"


class MethodNotAllowedError(NexusError):
    """405: this server has the path but not the method (the open-source core's task create)."""

    reason = "this Nexus does not allow this method on this path"


class ServerError(NexusError):
    """5xx."""

    advice = f"Nexus failed on this call: its log says why ({_LOGS}); run `pulumi up` again once fixed"


class NexusConnectionError(NexusError):
    """No (complete) answer: refused, reset, timed out. A write may or may not have been applied."""

    advice = (
        f"Nexus did not answer: {NOT_SERVING_HINT}; its log says why ({_LOGS}), then run `pulumi up` again"
    )


def error_class(status: int) -> type[NexusError]:
    """The class of a failed call's error, by HTTP status."""
    by_status: dict[int, type[NexusError]] = {
        401: UnauthorizedError,
        403: ForbiddenError,
        404: NotFoundError,
        405: MethodNotAllowedError,
        409: ConflictError,
    }
    if status >= 500:
        return ServerError
    return by_status.get(status, RefusedError)


def one_line(error: BaseException, method: str) -> str:
    """The message the user gets for ``error`` raised by a provider's ``method``: what failed and
    what to do, on one line; one line per problem for a :class:`ProblemsError` (joined, they would
    run together). The one formatter of the project's provider errors."""
    if isinstance(error, ProblemsError) and error.problems:
        return "\n".join(error.problems)
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, NexusError | ProviderError):
        return f"{text}. {error.advice}" if error.advice else text
    if isinstance(error, OneLineError):
        return text
    return (
        f"unexpected {type(error).__name__} in {method}: {text} "
        f"(set {DEBUG_ENV}=1 and rerun for the Python traceback)"
    )
