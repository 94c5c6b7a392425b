"""What every API area builds on: the request context, the route table, the server state the
areas' stores live in, and the registry each area module (``areas/``) adds itself to on import."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import features
from .errors import Response
from .spec import template_regex, template_specificity

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
ACTION_BY_METHOD = {"GET": "read", "HEAD": "read", "POST": "create", "PUT": "update", "DELETE": "delete"}


@dataclass
class Request:
    method: str
    path: str
    """Path below ``/service/rest`` (``/v1/...``)."""
    template: str
    params: dict[str, str]
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: Any
    """Parsed JSON, the text of a text/plain body, or ``None``."""
    content_type: str
    user_id: str
    """Authenticated user id (``anonymous`` for the anonymous subject)."""
    state: ServerState
    base_url: str

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


Handler = Callable[[Request], Response]
Permission = str | Callable[[Request], str | None] | None


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    permission: Permission = None
    """Shiro permission required; a callable may compute it from the request; ``None``: any subject."""
    authenticated: bool = True
    """False for the endpoints Nexus serves without any subject check (``/v1/status*``)."""
    feature: str | None = None
    """The feature (``features.py``) the route belongs to; absent when the server lacks it."""
    unenforced_patterns: frozenset[str] = frozenset()
    """Body properties whose documented ``pattern`` the real server does not enforce."""

    def required_permission(self, req: Request) -> str | None:
        if callable(self.permission):
            return self.permission(req)
        return self.permission


@dataclass
class RouteTable:
    routes: list[Route] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._compiled: list[tuple[Route, Any]] = []
        self._reindex()

    def _reindex(self) -> None:
        ordered = sorted(self.routes, key=lambda r: template_specificity(r.template))
        self._compiled = [(r, template_regex(r.template)) for r in ordered]

    def extend(self, routes: Iterable[Route]) -> None:
        self.routes.extend(routes)
        self._reindex()

    def resolve(
        self, method: str, path: str, offers: Callable[[str], bool] = lambda _: True
    ) -> tuple[Route | None, dict[str, str], bool]:
        """Return ``(route, params, path_known)``; ``path_known`` distinguishes 405 from 404.

        Routes of a feature that ``offers`` denies do not exist.
        """
        known = False
        for route, rx in self._compiled:
            if route.feature is not None and not offers(route.feature):
                continue
            m = rx.match(path)
            if m is None:
                continue
            known = True
            if route.method == method:
                return route, m.groupdict(), True
        return None, {}, known


def crud(domain: str) -> Callable[[Request], str]:
    """Permission ``nexus:<domain>:<action>`` with the action derived from the HTTP method."""

    def perm(req: Request) -> str:
        return f"nexus:{domain}:{ACTION_BY_METHOD.get(req.method, 'read')}"

    return perm


# ---------------------------------------------------------------- the state and the area registry

S = TypeVar("S")

ContractStep = tuple[str, str, Any, int]
"""(method, path below ``/service/rest``, body, expected status) of the contract scenario."""


@dataclass(frozen=True)
class Startup:
    """How the server starts, for the stores that depend on it (the admin user, anonymous access)."""

    admin_password: str
    admin_status: str = "active"
    anonymous_enabled: bool = True


@dataclass(frozen=True)
class Area:
    """One API area: its routes and, when it keeps any, the store holding its objects.

    The store is the state's attribute ``name`` (``state.security``). ``contract`` holds calls
    covering the area's routes for the contract test (``tests/nexus_emulator/test_contract.py``),
    for an area whose routes its base scenario does not cover.
    """

    name: str
    routes: Sequence[Route]
    store: Callable[[ServerState], Any] | None = None
    snapshot_key: str | None = None
    """Key of the store's ``snapshot()`` in the state snapshot (default: ``name``)."""
    contract: Sequence[ContractStep] = ()
    contract_edition: str | None = None
    """The edition the contract runs on, when the default one lacks the area's feature (``PRO``)."""


_AREAS: dict[str, Area] = {}


def register(area: Area) -> Area:
    """Add an area (each module of ``areas/`` calls this once, on import)."""
    if area.name in _AREAS:
        raise RuntimeError(f"emulator area {area.name!r} registered twice")
    _AREAS[area.name] = area
    return area


def registered() -> list[Area]:
    """The areas imported so far, by name (a stable route order, whatever imported them first)."""
    return [_AREAS[name] for name in sorted(_AREAS)]


class ServerState:
    """The whole emulated server: what all areas share, and one store per area that keeps any
    (reached as ``state.<area name>``)."""

    def __init__(
        self,
        areas: Iterable[Area],
        startup: Startup,
        *,
        data_dir: str,
        version: str | None,
        edition: str,
    ) -> None:
        self.lock = threading.RLock()
        self.edition = features.check_edition(edition)
        self.version = version or features.default_version(edition)
        features.parse_version(self.version)
        self.data_dir = data_dir
        self.startup = startup
        self.writable = True
        self.eula_accepted = False
        self._areas = [area for area in areas if area.store is not None]
        self._stores: dict[str, Any] = {}
        for area in self._areas:
            assert area.store is not None
            self._stores[area.name] = area.store(self)

    def __getattr__(self, name: str) -> Any:
        # only called for names that are not plain attributes: the areas' stores
        stores = self.__dict__.get("_stores", {})
        if name in stores:
            return stores[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or area store {name!r}")

    def store(self, kind: type[S]) -> S:
        """The one store of type ``kind`` (typed, unlike ``state.<area name>``)."""
        (found,) = [store for store in self._stores.values() if isinstance(store, kind)]
        return found

    def set_version(self, version: str | None, edition: str | None = None) -> None:
        if edition:
            self.edition = features.check_edition(edition)
        if version:
            features.parse_version(version)
            self.version = version

    def offers(self, feature: str) -> bool:
        """Does this server (its edition and version) offer ``feature`` (see ``features.py``)?"""
        return features.offers(self.edition, self.version, feature)

    def snapshot(self) -> dict[str, Any]:
        """Everything configurable through the REST API, as plain data (no secrets of users)."""
        with self.lock:
            return {
                "eulaAccepted": self.eula_accepted,
                **{
                    area.snapshot_key or area.name: self._stores[area.name].snapshot() for area in self._areas
                },
            }
