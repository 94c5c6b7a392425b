"""Every error the project raises on purpose, under one root.

``NexusPlatformError`` is the root: catch it to catch anything this project means to say to the
person running it. Below it:

- :class:`ProviderError`: a failure written for the user by the providers (names the object and
  what to do); :class:`ProblemsError` when it is several problems, one per line;
- :class:`NexusError`: a failed Nexus call, one subclass per answer (401, 403, 404, 405, 409,
  other 4xx, 5xx, no answer), raised by the HTTP client (``client.py``).

No class here is called ``ValidationError``: that name is pydantic's.
This module imports only the root from ``reach.errors`` (and no Pulumi): anything may import it.
"""

from __future__ import annotations

from collections.abc import Iterable

# the project's root, in the lowest layer; re-exported for the provider errors' importers
from reach.errors import NexusPlatformError


class ProviderError(NexusPlatformError):
    """A provider failure with a message meant for the person running `pulumi up`."""


class ProblemsError(ProviderError):
    """Several problems found at once (e.g. every server feature a stack asks for and lacks): one
    per line, and each stays its own line when the error is shown (``errors.one_line``)."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = [" ".join(problem.split()) for problem in problems if problem.strip()]
        super().__init__("\n".join(self.problems))


class NexusError(NexusPlatformError):
    """A failed Nexus call; the message names the resource and, when Nexus says, the field."""

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
        call = f" ({method} {path} -> {status})" if method and path else ""
        super().__init__(f"{where}{what}{message}{call}")


class UnauthorizedError(NexusError):
    """401: the credentials were refused."""


class ForbiddenError(NexusError):
    """403: the user lacks a privilege."""


class NotFoundError(NexusError):
    """404."""


class RefusedError(NexusError):
    """400, 415 and other 4xx: Nexus refused the request as invalid."""


class ConflictError(RefusedError):
    """409: the request conflicts with what Nexus holds."""


class MethodNotAllowedError(NexusError):
    """405: this server has the path but not the method (the open-source core's task create)."""


class ServerError(NexusError):
    """5xx."""


class NexusConnectionError(NexusError):
    """No (complete) answer: refused, reset, timed out. A write may or may not have been applied."""


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
