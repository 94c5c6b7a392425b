"""Routing primitives shared by every API area: the request context and the route table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import Response
from .spec import template_regex, template_specificity

if TYPE_CHECKING:
    from .state import NexusState

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
    state: NexusState
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
