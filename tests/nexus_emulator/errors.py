"""The error shapes of the Nexus REST API.

Handlers raise one of these exceptions; the server turns them into responses that carry
``X-Siesta-FaultId`` like every error mapped by Siesta's ``ExceptionMapperSupport``.

1. :class:`BeanValidationError`  -> 400 ``[{"id": "PARAMETER <field>", "message": ...}]``
2. :class:`FieldValidationError`   -> 400 ``[{"id": "<field or *>", "message": ...}]``
3. :class:`MessageError`         -> status + ``{"id": "*", "message": ...}`` (or its text/plain
   ``ValidationErrorXO{id='*', message='...'}`` form)
4. :class:`UnexpectedError`      -> 500 text/plain ``ERROR: (ID <uuid>) <exception>: <msg>``

plus :class:`EmptyError` for a bare ``WebApplicationException`` (status, empty body).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    status: int
    body: Any = None
    """JSON body (rendered Jackson-style); ignored when ``text`` is set or ``empty`` is true."""
    text: str | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    empty: bool = False
    compact: bool = False
    """Render the JSON body on one line (Siesta's validation-error writer does not indent)."""

    @classmethod
    def json(cls, status: int, body: Any) -> Response:
        return cls(status=status, body=body)

    @classmethod
    def no_content(cls, status: int = 204) -> Response:
        return cls(status=status, empty=True)

    @classmethod
    def plain(cls, status: int, text: str) -> Response:
        return cls(status=status, text=text, content_type="text/plain")


VALIDATION_MEDIA_TYPE = "application/vnd.siesta-validation-errors-v1+json"
"""Content type of the validation-error lists (shapes 1 and 2), observed on 3.71.0-06."""


def validation_list(errors: list[dict[str, str]]) -> Response:
    return Response(
        status=400,
        body=errors,
        content_type=VALIDATION_MEDIA_TYPE,
        headers={"Vary": "Accept"},
        compact=True,
    )


def new_fault_id() -> str:
    return str(uuid.uuid4())


class ApiError(Exception):
    """Base class: ``to_response`` gives the wire form."""

    status = 500
    fault_id = True
    """Whether the answer carries ``X-Siesta-FaultId`` (the mapped exceptions do)."""

    def to_response(self) -> Response:  # pragma: no cover - overridden
        raise NotImplementedError

    def response(self) -> Response:
        resp = self.to_response()
        if self.fault_id:
            resp.headers.setdefault("X-Siesta-FaultId", new_fault_id())
        return resp


class EmptyError(ApiError):
    """A ``WebApplicationException`` without entity: the status and an empty body.

    ``fault_id=False`` for the call sites whose empty answer has no ``X-Siesta-FaultId`` on the
    real server (e.g. ``DELETE /v1/repositories/{unknown}``, observed on 3.71.0-06).
    """

    def __init__(self, status: int, *, fault_id: bool = True) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.fault_id = fault_id

    def to_response(self) -> Response:
        return Response.no_content(self.status)


class BeanValidationError(ApiError):
    """Shape 1: JSR-303 violation list; ids are ``PARAMETER <field>``."""

    status = 400

    def __init__(self, violations: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in violations))
        self.violations = violations

    def to_response(self) -> Response:
        return validation_list([{"id": f"PARAMETER {f}", "message": m} for f, m in self.violations])


class FieldValidationError(ApiError):
    """Shape 2: ``ValidationErrorsException`` list; ids are field names or ``*``."""

    status = 400

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors

    def to_response(self) -> Response:
        return validation_list([{"id": f, "message": m} for f, m in self.errors])


class MessageError(ApiError):
    """Shape 3: ``WebApplicationMessageException``.

    ``quoted`` reproduces the call sites that put literal quotes into the message
    (``"message" : "\\"Repository not found\\""``).  ``text`` selects the text/plain form.
    These answers carry no ``X-Siesta-FaultId`` (observed on 3.71.0-06).
    """

    fault_id = False

    def __init__(self, status: int, message: str, *, quoted: bool = True, text: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = f'"{message}"' if quoted else message
        self.text = text

    def to_response(self) -> Response:
        if self.text:
            return Response.plain(self.status, f"ValidationErrorXO{{id='*', message='{self.message}'}}")
        return Response.json(self.status, {"id": "*", "message": self.message})


class UnexpectedError(ApiError):
    """Shape 4: an unmapped Java exception, 500 text/plain with the fault id inside."""

    status = 500

    def __init__(self, message: str, exception: str = "java.lang.IllegalArgumentException") -> None:
        super().__init__(message)
        self.message = message
        self.exception = exception

    def to_response(self) -> Response:
        fault = new_fault_id()
        resp = Response.plain(500, f"ERROR: (ID {fault}) {self.exception}: {self.message}")
        resp.headers["X-Siesta-FaultId"] = fault
        return resp


def not_found_empty() -> EmptyError:
    return EmptyError(404)


def value_too_long(column: str, size: int, value: str) -> UnexpectedError:
    """A value longer than its database column: the insert fails in H2 and the exception reaches
    the client as shape 4 (issue 31 on 3.71.0-06: ``Value too long for column "ID CHARACTER
    VARYING(200)"`` in a multi-line SQL dump). unconfirmed: the exception class and the rest of
    the dump (the SQL statement, MyBatis's "### Error updating database" lines)."""
    return UnexpectedError(
        f"\n### Error updating database.  Cause: org.h2.jdbc.JdbcSQLDataException: Value too long "
        f'for column "{column} CHARACTER VARYING({size})": "\'{value[:40]}...\' ({len(value)})"',
        "org.apache.ibatis.exceptions.PersistenceException",
    )
