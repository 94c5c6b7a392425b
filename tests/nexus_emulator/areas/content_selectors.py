"""Content selectors (``/v1/security/content-selectors``): named CSEL expressions over paths.

The real core has these routes (``routes-3.71.0-06-oss.txt``); the expression is stored as sent,
not parsed (unconfirmed: Nexus refuses an expression it cannot parse with a 400).
"""

from __future__ import annotations

import copy
from typing import Any

from ..core import Area, Request, Route, crud, register
from ..errors import MessageError, Response

COLLECTION = "/v1/security/content-selectors"


class ContentSelectors:
    def __init__(self) -> None:
        self.selectors: dict[str, dict[str, Any]] = {}

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(dict(sorted(self.selectors.items())))


def _selectors(req: Request) -> dict[str, dict[str, Any]]:
    return req.state.store(ContentSelectors).selectors


def _api(selector: dict[str, Any]) -> dict[str, Any]:
    return {"type": "csel", "description": "", **selector}


def _selector(req: Request) -> dict[str, Any]:
    selector = _selectors(req).get(req.params["name"])
    if selector is None:
        # unconfirmed: the wording of the 404
        raise MessageError(404, f"Content selector not found: {req.params['name']}", quoted=False)
    return selector


def list_selectors(req: Request) -> Response:
    return Response.json(200, [_api(s) for _, s in sorted(_selectors(req).items())])


def get_selector(req: Request) -> Response:
    return Response.json(200, _api(_selector(req)))


def create_selector(req: Request) -> Response:
    body = req.body or {}
    if body.get("name") in _selectors(req):
        # unconfirmed: the status and wording of a duplicate name
        raise MessageError(400, f"A content selector named {body['name']} already exists", quoted=False)
    _selectors(req)[body["name"]] = {k: body.get(k) or "" for k in ("name", "description", "expression")}
    return Response.no_content(204)


def update_selector(req: Request) -> Response:
    selector = _selector(req)
    body = req.body or {}
    selector.update({k: body.get(k) or "" for k in ("description", "expression")})
    return Response.no_content(204)


def delete_selector(req: Request) -> Response:
    del _selectors(req)[_selector(req)["name"]]
    return Response.no_content(204)


PERM = crud("selectors")
ITEM = COLLECTION + "/{name}"
ROUTES = [
    Route("GET", COLLECTION, list_selectors, PERM),
    Route("POST", COLLECTION, create_selector, PERM),
    Route("GET", ITEM, get_selector, PERM),
    Route("PUT", ITEM, update_selector, PERM),
    Route("DELETE", ITEM, delete_selector, PERM),
]
SELECTOR = {"name": "maven-only", "description": "d", "expression": 'format == "maven2"'}
AREA = register(
    Area(
        "content_selectors",
        ROUTES,
        store=lambda _: ContentSelectors(),
        snapshot_key="contentSelectors",
        contract=[
            ("POST", COLLECTION, SELECTOR, 204),
            ("GET", COLLECTION, None, 200),
            ("GET", f"{COLLECTION}/maven-only", None, 200),
            ("PUT", f"{COLLECTION}/maven-only", {"description": "", "expression": "true"}, 204),
            ("DELETE", f"{COLLECTION}/maven-only", None, 204),
        ],
    )
)
