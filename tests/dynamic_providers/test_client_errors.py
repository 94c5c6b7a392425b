"""The client's error tree: every error-body shape Nexus sends becomes a typed, named error."""

from __future__ import annotations

import pytest
import requests

from dynamic_providers import client as nx
from dynamic_providers.exceptions import (
    ConflictError,
    ForbiddenError,
    MethodNotAllowedError,
    NexusError,
    NotFoundError,
    RefusedError,
    ServerError,
    UnauthorizedError,
    one_line,
)
from reach.errors import NexusPlatformError


def response(status: int, body: str, content_type: str = "application/json") -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body.encode()
    resp.headers["Content-Type"] = content_type
    resp.request = requests.Request(
        "POST", "http://nexus:8081/service/rest/v1/repositories/docker/hosted"
    ).prepare()
    return resp


@pytest.mark.parametrize(
    ("body", "content_type", "field", "message"),
    [
        # 1. bean validation: a list with "PARAMETER <field>"
        (
            '[ {\n  "id" : "PARAMETER storage.blobStoreName",\n  "message" : "must not be empty"\n} ]',
            "application/json",
            "storage.blobStoreName",
            "must not be empty",
        ),
        # 2. ValidationErrorsException: a list with the bare field id
        (
            '[{"id":"name","message":"Name is already used, must be unique (ignoring case)"}]',
            "application/json",
            "name",
            "Name is already used",
        ),
        # 3. WebApplicationMessageException: one object, message in literal quotes
        (
            '{\n  "id" : "*",\n  "message" : "\\"Blob store not found\\""\n}',
            "application/json",
            None,
            "Blob store not found",
        ),
        # 3b. the same as text/plain: Java toString()
        (
            "ValidationErrorXO{id='*', message='\"Unknown realmIds: [x]\"'}",
            "text/plain",
            None,
            "Unknown realmIds: [x]",
        ),
        # 4. unexpected exception: text/plain with the fault id
        (
            "ERROR: (ID 3c6b4a8e-1f2d) java.lang.IllegalArgumentException: Invalid EULA disclaimer",
            "text/plain",
            None,
            "Invalid EULA disclaimer",
        ),
    ],
)
def test_each_error_shape_is_parsed(body: str, content_type: str, field: str | None, message: str) -> None:
    error = nx.error_from_response(response(400, body, content_type), resource="repository 'docker-a'")
    assert isinstance(error, RefusedError)
    assert error.field == field
    assert message in error.detail
    assert '"' + message not in error.detail  # the literal quotes are gone
    assert str(error).startswith("repository 'docker-a': ")
    if field:
        assert f"field '{field}'" in str(error)
    assert "POST /v1/repositories/docker/hosted -> 400" in str(error)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (400, RefusedError),
        (415, RefusedError),
        (405, MethodNotAllowedError),
        (409, ConflictError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_maps_to_error_class(status: int, kind: type[NexusError]) -> None:
    error = nx.error_from_response(response(status, ""))
    assert type(error) is kind
    assert isinstance(error, NexusError)
    assert error.status == status
    assert isinstance(error, NexusPlatformError)  # the project's one root


def test_a_conflict_is_a_refusal() -> None:
    assert issubclass(ConflictError, RefusedError)


def test_empty_401_says_what_to_check_once() -> None:
    error = nx.error_from_response(response(401, ""))
    assert "adminPassword" in str(error)
    line = one_line(error, "create")  # what the user reads: what to do comes with the class, once
    assert line.count("refused") == 1 and line.count("adminPassword") == 1


def test_connection_requires_url_and_user() -> None:
    with pytest.raises(ValueError, match="connection"):
        nx.Connection.from_props({"connection": {"url": "", "username": "admin"}})
    conn = nx.Connection.from_props(
        {"connection": {"url": "http://n:8081/", "username": "admin", "password": "hunter2-secret"}}
    )
    assert conn.url == "http://n:8081"
    assert "hunter2-secret" not in repr(conn)


def test_retry_policy_is_safe() -> None:
    retry = nx.make_retry(60)
    assert retry.allowed_methods is not None
    assert "POST" not in retry.allowed_methods  # a POST may have been applied: never re-sent on read errors
    assert {"GET", "PUT", "DELETE"} <= set(retry.allowed_methods)
    assert set(retry.status_forcelist) == {429, 502, 503, 504}
    assert retry.respect_retry_after_header
    assert retry.max_retry_after <= 60
