"""The client's error tree: every error-body shape Nexus sends becomes a typed, named error."""

from __future__ import annotations

import pytest
import requests

from dynamic_providers import client as nx
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
    assert isinstance(error, nx.RefusedError)
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
        (401, nx.UnauthorizedError),
        (403, nx.ForbiddenError),
        (404, nx.NotFoundError),
        (400, nx.RefusedError),
        (415, nx.RefusedError),
        (405, nx.MethodNotAllowedError),
        (409, nx.ConflictError),
        (500, nx.ServerError),
        (503, nx.ServerError),
    ],
)
def test_status_maps_to_error_class(status: int, kind: type[nx.NexusError]) -> None:
    error = nx.error_from_response(response(status, ""))
    assert type(error) is kind
    assert isinstance(error, nx.NexusError)
    assert error.status == status
    assert isinstance(error, NexusPlatformError)  # the project's one root


def test_a_conflict_is_a_refusal() -> None:
    assert issubclass(nx.ConflictError, nx.RefusedError)


def test_empty_401_says_what_to_check() -> None:
    assert "adminPassword" in str(nx.error_from_response(response(401, "")))


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
