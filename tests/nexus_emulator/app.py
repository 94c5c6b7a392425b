"""Request pipeline shared by the HTTP server and in-process (out-of-band) calls.

Order of checks, as in Nexus: startup phase (503, empty) -> injected faults -> route lookup
(404/405, empty) -> authentication (401) -> read-only mode for writes (503) -> request body
media type (415) and schema validation (400, shape 1) -> permission (403, empty) -> handler.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from requests.structures import CaseInsensitiveDict

from . import areas
from .areas import content
from .control_api import handle_control
from .controls import Controls, RequestRecord
from .core import WRITE_METHODS, Request, Route, RouteTable
from .errors import (
    VALIDATION_MEDIA_TYPE,
    ApiError,
    BeanValidationError,
    EmptyError,
    FieldValidationError,
    Response,
    UnexpectedError,
)
from .spec import Spec, canonical_enums, load_spec, violation_for
from .state import NexusState

API_PREFIX = "/service/rest"
CONTROL_PREFIX = "/__emulator"
REALM_CHALLENGE = 'BASIC realm="Sonatype Nexus Repository Manager"'
NO_SUBJECT = ""
"""The unauthenticated subject when anonymous access is off: no user, no permission."""
ALL_ROUTES: list[Route] = [route for area in areas.load() for route in area.routes]


@dataclass
class Outcome:
    response: Response | None
    """``None`` means: close the connection without answering (dropped response)."""
    record: RequestRecord | None


@dataclass
class _Trace:
    user: str | None = None
    dispatched: bool = False


def negotiated(resp: Response, accept: str | None) -> Response:
    """Validation lists come as JSON when the client asks for ``application/json`` (observed on
    3.71.0-06, issue 31); with ``*/*`` or no ``Accept``, as Siesta's own media type."""
    accepted = {_media_type(part) for part in (accept or "").split(",")}
    if resp.content_type == VALIDATION_MEDIA_TYPE and "application/json" in accepted:
        resp.content_type = "application/json"
    return resp


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


class NexusApp:
    def __init__(
        self,
        state_factory: Callable[[], NexusState],
        controls: Controls | None = None,
        spec: Spec | None = None,
        validate: bool = True,
    ) -> None:
        self._state_factory = state_factory
        # False only for the benchmark (bench/run.py): request bodies are not checked against the
        # OpenAPI schema, so the figures measure the project rather than this server.
        self.validate = validate
        self.state = state_factory()
        self.controls = controls or Controls()
        self.spec = spec or load_spec()
        self.routes = RouteTable(list(ALL_ROUTES))
        missing = [r.template for r in ALL_ROUTES if self.spec.operation(r.method, r.template) is None]
        if missing:
            raise RuntimeError(f"routes not in the OpenAPI document: {missing}")

    def reset_state(self) -> None:
        """Restore the state the server started with (knobs such as version are kept)."""
        old = self.state
        new = self._state_factory()
        new.version, new.edition, new.writable = old.version, old.edition, old.writable
        self.state = new

    # -- entry points ------------------------------------------------------------------------------
    def handle(
        self, method: str, target: str, headers: Mapping[str, str], raw: bytes, base_url: str
    ) -> Outcome:
        url = urlsplit(target)
        path = url.path
        method = method.upper()
        if path.startswith(CONTROL_PREFIX):
            return Outcome(handle_control(self, method, path[len(CONTROL_PREFIX) :], raw), None)
        started = time.perf_counter()
        try:
            return self._handle(method, path, query=url.query, headers=headers, raw=raw, base_url=base_url)
        finally:
            self.controls.add_busy(time.perf_counter() - started)

    def _handle(
        self, method: str, path: str, *, query: str, headers: Mapping[str, str], raw: bytes, base_url: str
    ) -> Outcome:
        write = method in WRITE_METHODS
        if self.controls.latency:
            time.sleep(self.controls.latency)
        trace = _Trace()
        response = self._pipeline(
            method,
            path,
            query=parse_qs(query),
            headers=headers,
            raw=raw,
            base_url=base_url,
            trace=trace,
        )
        user = trace.user
        # Only a write that reached its resource is "applied, then the answer lost".
        if write and trace.dispatched and self.controls.take_drop(method, path):
            rec = RequestRecord(method, path, response.status, write, dropped=True, user=user)
            self.controls.record(rec)
            return Outcome(None, rec)
        rec = RequestRecord(method, path, response.status, write, user=user)
        self.controls.record(rec)
        return Outcome(response, rec)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user_id: str = "admin",
        content_type: str = "application/json",
        base_url: str = "http://localhost:8081",
    ) -> Response:
        """Out-of-band call of an API operation as ``user_id``: no auth, faults, phase or log."""
        raw = b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        url = urlsplit(path if path.startswith(API_PREFIX) else API_PREFIX + path)
        return self._dispatch(
            method.upper(),
            url.path[len(API_PREFIX) :],
            query=parse_qs(url.query),
            headers=CaseInsensitiveDict({"Content-Type": content_type}),
            raw=raw,
            base_url=base_url,
            user_id=user_id,
        )

    # -- pipeline ----------------------------------------------------------------------------------
    def _pipeline(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        raw: bytes,
        base_url: str,
        trace: _Trace,
    ) -> Response:
        if self.controls.starting:
            return Response.no_content(503)
        injected = self.controls.take_failure(method, path)
        if injected is not None and injected.status == 503:
            return EmptyError(503).response()
        if injected is not None:
            return UnexpectedError(injected.message, "java.lang.RuntimeException").response()
        if path.startswith(content.PREFIX):
            subject = self._authenticate(headers)
            if subject is None:
                return self._challenge()
            trace.user, trace.dispatched = subject, True
            with self.state.lock:
                return content.serve(self.state, content.ContentRequest(method, path, query, raw), subject)
        if not path.startswith(API_PREFIX + "/"):
            return Response.no_content(404)
        api_path = path[len(API_PREFIX) :]
        route, _, known = self.routes.resolve(method, api_path, self.state.offers)
        if route is None:
            return EmptyError(405 if known else 404).response()
        user_id = "anonymous"
        if route.authenticated:
            authed = self._authenticate(headers)
            if authed is None:
                return self._challenge()
            user_id = authed
        trace.user = user_id
        if method in WRITE_METHODS and not self.state.writable:
            fault = str(uuid.uuid4())
            resp = Response.plain(503, f"Nexus Repository Manager is in read-only mode: (ID {fault})")
            resp.headers["X-Siesta-FaultId"] = fault
            return resp
        trace.dispatched = True
        return self._dispatch(
            method, api_path, query=query, headers=headers, raw=raw, base_url=base_url, user_id=user_id
        )

    def _authenticate(self, headers: Mapping[str, str]) -> str | None:
        """The subject's user id; ``None`` for bad credentials (401).

        Without credentials the subject is the anonymous user, or with anonymous access off a
        subject with no permission at all: Nexus then answers 403 (and 200 ``[]`` on
        ``GET /v1/repositories``), never 401 (observed on 3.71.0-06).
        """
        auth = headers.get("Authorization")
        if not auth:
            sec = self.state.security
            return str(sec.anonymous["userId"]) if sec.anonymous["enabled"] else NO_SUBJECT
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        with self.state.lock:
            return user if self.state.security.authenticate(user, password) else None

    @staticmethod
    def _challenge() -> Response:
        return Response(status=401, empty=True, headers={"WWW-Authenticate": REALM_CHALLENGE})

    def _dispatch(
        self,
        method: str,
        api_path: str,
        *,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        raw: bytes,
        base_url: str,
        user_id: str,
    ) -> Response:
        route, params, known = self.routes.resolve(method, api_path, self.state.offers)
        if route is None:
            return EmptyError(405 if known else 404).response()
        try:
            content_type = _media_type(headers.get("Content-Type"))
            body = self._parse_body(route, raw, content_type)
            with self.state.lock:
                req = Request(
                    method,
                    api_path,
                    route.template,
                    {k: unquote(v) for k, v in params.items()},
                    query,
                    headers,
                    body,
                    content_type,
                    user_id,
                    self.state,
                    base_url,
                )
                permission = route.required_permission(req)
                if permission and not self.state.security.permits(user_id, permission):
                    return EmptyError(403).response()
                return route.handler(req)
        except ApiError as exc:
            return negotiated(exc.response(), headers.get("Accept"))
        except Exception as exc:  # an emulator bug surfaces like an unexpected server exception
            traceback.print_exc(file=sys.stderr)
            return UnexpectedError(f"{type(exc).__name__}: {exc}", "java.lang.RuntimeException").response()

    def _parse_body(self, route: Route, raw: bytes, content_type: str) -> Any:
        op = self.spec.operation(route.method, route.template)
        assert op is not None
        accepted = op.request_content_types
        if not accepted:
            return None
        if "*/*" not in accepted and content_type not in accepted and (raw or content_type):
            # RESTEasy answers 415 (empty, with a fault id) when the resource does not consume the
            # media type, e.g. JSON sent to the text/plain-only change-password (observed, 3.71.0-06).
            raise EmptyError(415)
        if content_type == "text/plain" or accepted == ["text/plain"]:
            return raw.decode("utf-8")
        if not raw.strip():
            body: Any = None
        else:
            try:
                body = json.loads(raw)
            except ValueError as exc:
                # unconfirmed: Jackson parse errors; the exact body of this 400 is not documented.
                raise FieldValidationError([("*", f"Unable to process JSON: {exc}")]) from exc
        schema = op.request_schema(content_type if content_type in accepted else accepted[0])
        if schema is None or not self.validate:
            return body
        if body is None:
            # unconfirmed: a missing body reaches the resource as null and fails @NotNull/@Valid.
            if self.spec.deref(schema).get("type") in ("object", None) and route.method in ("POST", "PUT"):
                raise BeanValidationError([("arg0", "must not be null")])
            return body
        errors = [
            e
            for e in self.spec.request_errors(schema, body)
            if not (
                e.validator == "pattern"
                and e.absolute_path
                and e.absolute_path[-1] in route.unenforced_patterns
            )
        ]
        if errors:
            raise BeanValidationError([violation_for(e) for e in errors])
        return canonical_enums(schema, body)
