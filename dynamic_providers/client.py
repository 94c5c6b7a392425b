"""The one HTTP client every Nexus provider uses.

Built inside provider methods from the resource's connection inputs (nothing unpicklable is kept
on a provider). Its session, and so its kept-alive connections, outlive it: each thread of a
provider process keeps the sessions its clients give back (``checkout_session``), so the calls of
a run share a few connections instead of making one per call. Retries are urllib3's and only
where they are safe: connection failures (the request never reached Nexus) and 429/502/503/504 on
idempotent methods, with a bounded backoff that honours Retry-After. A POST that may have been
applied is never blindly retried: the provider layer checks first (see ``base.py``).

A process also keeps whole-collection answers a kind reads from (``get_listing``): a refresh of
a hundred roles sends one GET, not a hundred. It drops them for a server whenever it writes to it.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from dynamic_providers.exceptions import (
    NOT_SERVING_HINT,
    NexusConnectionError,
    NexusError,
    NotFoundError,
    ServerError,
    error_class,
)
from reach.http import RequestEnvironment, ca_file, new_session, request_environment
from reach.nexus import ServerInfo, parse_server_header

if TYPE_CHECKING:
    # Imported when the first request is made, not at import: the program and a preview's
    # provider process load this module and never make a request (about 0.1 s of start-up).
    import requests
    from urllib3.util.retry import Retry

    class BoundedRetry(Retry):  # what _bounded_retry_class() builds, for the type checker
        max_retry_after: float


# The errors it raises are imported from dynamic_providers.exceptions (their one module).
__all__ = ["Connection", "NexusClient", "ServerInfo"]

DEFAULT_TIMEOUT_SECONDS = 30.0
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
#: Who makes the requests, after ``nexus-platform`` in the User-Agent.
CALLER = "(pulumi dynamic provider)"

_PLAIN_VALIDATION = re.compile(r"ValidationErrorXO\{id='(?P<id>[^']*)', message='(?P<message>.*)'\}", re.S)
_UNEXPECTED = re.compile(r"^ERROR: \(ID [^)]*\) (?:[\w.$]+: )?(?P<message>.*)$", re.S)


@dataclass(frozen=True)
class Connection:
    """How to reach Nexus. Travels as a resource input without its password: the providers take
    the admin password from the stack config (``credentials.py``)."""

    url: str
    username: str
    password: str = field(default="", repr=False)
    ca_pem: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    # Upper bound of the time spent in retries of one call (the engine must not hang for ever).
    max_retry_seconds: float = 120.0

    @classmethod
    def from_props(cls, props: Mapping[str, Any], password: str | None = None) -> Connection:
        """The ``connection`` input of a resource; ``password`` if given, else the one the input
        carries (connections made by hand, states written before the password left the inputs)."""
        raw = props.get("connection")
        if not isinstance(raw, Mapping) or not raw.get("url") or not raw.get("username"):
            raise ValueError("connection: url and username are required")
        return cls(
            url=str(raw["url"]).rstrip("/"),
            username=str(raw["username"]),
            password=password if password is not None else str(raw.get("password") or ""),
            ca_pem=raw.get("ca_pem") or None,
            timeout=float(raw.get("timeout") or DEFAULT_TIMEOUT_SECONDS),
            max_retry_seconds=float(raw.get("max_retry_seconds") or 120.0),
        )

    def as_props(self) -> dict[str, Any]:
        """The resource input: everything but the password."""
        return {
            "url": self.url,
            "username": self.username,
            "ca_pem": self.ca_pem,
            "timeout": self.timeout,
            "max_retry_seconds": self.max_retry_seconds,
        }


# ---------------------------------------------------------------- errors (defined in exceptions.py)


def _unquote(message: str) -> str:
    # Nexus often puts literal quotes inside the message: "\"Repository not found\"".
    message = message.strip()
    if len(message) >= 2 and message[0] == message[-1] == '"':
        return message[1:-1]
    return message


def parse_error_body(body: str) -> list[tuple[str | None, str]]:
    """The (field, message) pairs of any of the four error-body shapes Nexus sends."""
    text = body.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    items: list[Any]
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        items = [data]
    else:
        plain = _PLAIN_VALIDATION.search(text)
        if plain:
            return [(_field_of(plain["id"]), _unquote(plain["message"]))]
        unexpected = _UNEXPECTED.match(text)
        if unexpected:
            return [(None, unexpected["message"].strip())]
        if isinstance(data, str):
            return [(None, data)]
        return [(None, text[:500])]
    pairs: list[tuple[str | None, str]] = []
    for item in items:
        if isinstance(item, dict):
            pairs.append((_field_of(str(item.get("id") or "")), _unquote(str(item.get("message") or ""))))
        else:
            pairs.append((None, str(item)))
    return pairs


def _field_of(error_id: str) -> str | None:
    # Bean validation says "PARAMETER storage.blobStoreName"; others "name" or "*".
    error_id = error_id.removeprefix("PARAMETER ").strip()
    return None if error_id in {"", "*"} else error_id


def error_from_response(response: requests.Response, resource: str | None = None) -> NexusError:
    pairs = parse_error_body(response.text)
    status = response.status_code
    kind = error_class(status)
    if pairs:
        field = next((f for f, _ in pairs if f), None)
        message = "; ".join(f"{f}: {m}" if f and len(pairs) > 1 else m for f, m in pairs)
    else:
        field = None
        message = kind.reason or f"HTTP {status} {response.reason or ''}".strip()
    request = response.request
    return kind(
        message,
        status=status,
        resource=resource,
        field=field,
        method=request.method if request is not None else None,
        path=_path_of(request.url) if request is not None and request.url else None,
    )


def _path_of(url: str) -> str:
    return "/" + url.split("/service/rest/", 1)[-1] if "/service/rest/" in url else url


# ---------------------------------------------------------------- retries


@cache
def _bounded_retry_class() -> type[BoundedRetry]:
    from urllib3.util.retry import Retry  # noqa: PLC0415 (see the TYPE_CHECKING import)

    class Bounded(Retry):
        """urllib3 Retry whose Retry-After waits are capped, so one call's total wait is bounded."""

        max_retry_after: float = 30.0

        def get_retry_after(self, response: Any) -> float | None:
            value = super().get_retry_after(response)
            return None if value is None else min(value, self.max_retry_after)

    return cast("type[BoundedRetry]", Bounded)


def make_retry(max_retry_seconds: float) -> BoundedRetry:
    # backoff 0.5, 1, 2, 4, 8 (capped at 8): 5 attempts wait at most ~16 s plus capped Retry-After.
    attempts = 5
    retry = _bounded_retry_class()(
        total=attempts,
        connect=attempts,  # the request never reached the server: safe for every method
        read=2,  # a read timeout may follow an applied write: only idempotent methods
        status=attempts,
        other=0,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=0.5,
        # 0.5+1+2+4+8 s at most by default; smaller when the caller allows less.
        backoff_max=min(8.0, max(0.1, max_retry_seconds / attempts)),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.max_retry_after = max(1.0, max_retry_seconds / attempts)
    return retry


# ---------------------------------------------------------------- kept sessions

#: Sessions a thread keeps between clients (distinct servers, users or environments); beyond it,
#: the least recently used one is closed.
KEPT_SESSIONS_PER_THREAD = 4

_kept_sessions = threading.local()


@dataclass(frozen=True)
class SessionKey:
    """What a session is made of: a client may reuse a session only when all of it is the same."""

    connection: Connection
    proxies: tuple[tuple[str, str], ...]
    ca_bundle: str | None


@dataclass(eq=False)
class KeptSession:
    key: SessionKey
    session: requests.Session


def checkout_session(connection: Connection, environment: RequestEnvironment) -> KeptSession:
    """A session for this thread and connection: the one a previous client of the same thread gave
    back (its connections kept alive: one TCP and TLS handshake per provider thread, not per call),
    else a new one. Per thread, because a requests session is not meant to be shared between
    threads, and the engine calls a provider from several."""
    key = SessionKey(connection, tuple(sorted(environment.proxies.items())), environment.ca_bundle)
    kept: OrderedDict[SessionKey, KeptSession] | None = getattr(_kept_sessions, "by_key", None)
    if kept is not None and key in kept:
        return kept.pop(key)  # checked out: a nested client of the same thread gets its own
    return KeptSession(key, _new_session(connection, environment))


def checkin_session(session: KeptSession) -> None:
    kept: OrderedDict[SessionKey, KeptSession] | None = getattr(_kept_sessions, "by_key", None)
    if kept is None:
        kept = _kept_sessions.by_key = OrderedDict()
    previous = kept.pop(session.key, None)
    if previous is not None:
        previous.session.close()  # two clients of one key were open at once: keep the later one
    kept[session.key] = session
    while len(kept) > KEPT_SESSIONS_PER_THREAD:
        _, evicted = kept.popitem(last=False)
        evicted.session.close()


def _new_session(connection: Connection, environment: RequestEnvironment) -> requests.Session:
    # The stack's CA wins over REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE, which otherwise replace the
    # default trust store as in requests.
    return new_session(
        connection.url,
        caller=CALLER,
        verify=ca_file(connection.ca_pem) if connection.ca_pem else True,
        auth=(connection.username, connection.password),
        headers={"Accept": "application/json"},
        retry=make_retry(connection.max_retry_seconds),
        environment=environment,
    )


# ---------------------------------------------------------------- the client


# ---------------------------------------------------------------- kept listings


class KeptListings:
    """Whole-collection GET answers a provider process keeps, by (server, user, path).

    A refresh reads every object of a kind from one answer. Any write this process sends to a
    server drops what it keeps for that server, so a read never hides the process's own change;
    an answer that was on its way while a write went out is not kept. Changes made by others
    show from the next process (the next ``pulumi refresh``) on, as with any snapshot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str, str], Any] = {}
        self._fetching: dict[tuple[str, str, str], threading.Lock] = {}
        self._writes: dict[str, int] = {}  # per server: how often it was written to

    def get(self, key: tuple[str, str, str], fetch: Callable[[], Any]) -> Any:
        """The kept answer for ``key``, else ``fetch()``'s; threads asking at once fetch it once."""
        with self._lock:
            if key in self._answers:
                return self._answers[key]
            gate = self._fetching.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._answers:
                    return self._answers[key]
                writes = self._writes.get(key[0], 0)
            answer = fetch()
            with self._lock:
                if self._writes.get(key[0], 0) == writes:
                    self._answers[key] = answer
            return answer

    def clear(self) -> None:
        """Keep nothing, as a new process starts."""
        with self._lock:
            self._answers.clear()

    def forget(self, server: str) -> None:
        """A write to ``server`` is going out, or has gone: what was kept for it may be stale."""
        with self._lock:
            self._writes[server] = self._writes.get(server, 0) + 1
            for key in [key for key in self._answers if key[0] == server]:
                del self._answers[key]


#: This process's kept listings.
KEPT_LISTINGS = KeptListings()


class NexusClient:
    """Thin JSON client for ``<url>/service/rest``."""

    def __init__(self, connection: Connection, resource: str | None = None) -> None:
        self.connection = connection
        self.resource = resource
        self.base = connection.url.rstrip("/") + "/service/rest"
        self._kept: KeptSession | None = checkout_session(connection, request_environment(self.base))
        self.session = self._kept.session
        # Passed with every request: the stack's CA, else the environment's bundle, else the default.
        self.verify = self.session.verify
        self.server = ServerInfo(None, None)

    def close(self) -> None:
        """Gives the session back for the next client of this thread and connection."""
        if self._kept is not None:
            checkin_session(self._kept)
            self._kept = None

    def __enter__(self) -> NexusClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def for_resource(self, resource: str) -> NexusClient:
        self.resource = resource
        return self

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        text_body: str | None = None,
        params: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        """``auth``: other credentials for this one request (the connection's otherwise)."""
        headers = {}
        data: bytes | None = None
        if text_body is not None:
            headers["Content-Type"] = "text/plain"
            data = text_body.encode()
        elif json_body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(json_body).encode()
        from requests.exceptions import RequestException  # noqa: PLC0415 (loaded with the session)

        writes = method not in ("GET", "HEAD")
        if writes:
            KEPT_LISTINGS.forget(self.base)
        try:
            response = self.session.request(
                method,
                self.base + path,
                data=data,
                headers=headers,
                params=params,
                timeout=self.connection.timeout,
                verify=self.verify,
                auth=auth,
            )
        except RequestException as error:
            raise self._no_answer(error, method, path) from None
        finally:
            if writes:  # and once it is answered: a listing fetched meanwhile is not kept
                KEPT_LISTINGS.forget(self.base)
        self.server = (
            parse_server_header(response.headers.get("Server"))
            if "Server" in response.headers
            else self.server
        )
        if response.status_code not in ok:
            raise error_from_response(response, self.resource)
        return response

    def _no_answer(self, error: requests.exceptions.RequestException, method: str, path: str) -> NexusError:
        from requests.exceptions import RetryError  # noqa: PLC0415 (loaded by the request already)

        if isinstance(error, RetryError):
            return ServerError(
                f"Nexus kept answering with a retryable error; gave up after retries ({error}); "
                f"{NOT_SERVING_HINT}",
                resource=self.resource,
                method=method,
                path=path,
            )
        # What to check is the class's advice (exceptions.py).
        return NexusConnectionError(
            f"no answer from Nexus at {self.connection.url}: {type(error).__name__}: {error}",
            resource=self.resource,
            method=method,
            path=path,
        )

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        response = self.request("GET", path, params=params, ok=(200,))
        return response.json() if response.content else None

    def get_listing(self, path: str, id_key: str) -> Mapping[str, Any]:
        """GET of a whole collection (a list, or Nexus's pages of ``items`` with a
        ``continuationToken``, every page), by each item's ``id_key``, kept by this process until
        it writes to this server (``KeptListings``): for reads only, never to decide a write on."""

        def fetch() -> Mapping[str, Any]:
            by_id: dict[str, Any] = {}
            answer = self.get_json(path)
            while True:
                paged = isinstance(answer, Mapping)
                by_id.update(
                    (str(item.get(id_key)), item) for item in (answer.get("items") if paged else answer) or []
                )
                token = answer.get("continuationToken") if paged else None
                if not token:
                    return by_id
                answer = self.get_json(path, params={"continuationToken": str(token)})

        return cast(Mapping[str, Any], KEPT_LISTINGS.get((self.base, self.connection.username, path), fetch))

    def get_optional(self, path: str) -> Any | None:
        """GET that answers None on 404: how a provider learns an object is gone."""
        try:
            return self.get_json(path)
        except NotFoundError:
            return None

    def post(self, path: str, body: Any, ok: tuple[int, ...] = (200, 201, 204)) -> Any:
        response = self.request("POST", path, json_body=body, ok=ok)
        return response.json() if response.content else None

    def put(self, path: str, body: Any, ok: tuple[int, ...] = (200, 204)) -> Any:
        response = self.request("PUT", path, json_body=body, ok=ok)
        return response.json() if response.content else None

    def delete(self, path: str, missing_ok: bool = True) -> bool:
        """True when deleted, False when it was already gone (404 counts as success)."""
        try:
            self.request("DELETE", path, ok=(200, 204))
        except NotFoundError:
            if missing_ok:
                return False
            raise
        return True

    def server_info(self) -> ServerInfo:
        """Version and edition from the Server header of the (unauthenticated) status call."""
        self.request("GET", "/v1/status", ok=(200,))
        return self.server
