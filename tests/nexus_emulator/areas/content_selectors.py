"""Content selectors (``/v1/security/content-selectors``): named CSEL expressions over paths.

The real core has these routes (``routes-3.71.0-06-oss.txt``). The expression is parsed as the
core parses it (``csel.py``) and stored as sent; the answers below were observed on 3.71.0-06.
"""

from __future__ import annotations

import copy
from typing import Any

from ..core import Area, Request, Route, crud, register
from ..csel import CselError, compile_csel
from ..errors import BeanValidationError, FieldValidationError, MessageError, Response, UnexpectedError

COLLECTION = "/v1/security/content-selectors"


class ContentSelectors:
    def __init__(self) -> None:
        self.selectors: dict[str, dict[str, Any]] = {}

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(dict(sorted(self.selectors.items())))


def _selectors(req: Request) -> dict[str, dict[str, Any]]:
    return req.state.store(ContentSelectors).selectors


def _api(selector: dict[str, Any]) -> dict[str, Any]:
    return {"name": selector["name"], "type": "csel", **selector}


def _selector(req: Request) -> dict[str, Any]:
    selector = _selectors(req).get(req.params["name"])
    if selector is None:
        raise MessageError(404, f"No selector found for {req.params['name']}")
    return selector


def _check_expression(body: dict[str, Any]) -> None:
    if not body.get("expression"):
        raise BeanValidationError([("expression", "must not be blank")])
    try:
        compile_csel(body["expression"])
    except CselError as error:
        raise FieldValidationError([("HelperBean.expression", f"Invalid CSEL: {error}")]) from None


def list_selectors(req: Request) -> Response:
    return Response.json(200, [_api(s) for _, s in sorted(_selectors(req).items())])


def get_selector(req: Request) -> Response:
    return Response.json(200, _api(_selector(req)))


def create_selector(req: Request) -> Response:
    body = req.body or {}
    if not body.get("name"):
        raise BeanValidationError([("name", "must not be blank")])
    _check_expression(body)
    if body["name"] in _selectors(req):
        raise FieldValidationError(
            [("name", "A selector with the same name already exists. Name must be unique.")]
        )
    # A description not sent reads back null (observed); the expression as sent.
    _selectors(req)[body["name"]] = {k: body.get(k) for k in ("name", "description", "expression")}
    return Response.no_content(204)


def update_selector(req: Request) -> Response:
    selector = _selector(req)
    body = req.body or {}
    _check_expression(body)
    selector.update({k: body.get(k) for k in ("description", "expression")})
    return Response.no_content(204)


def delete_selector(req: Request) -> Response:
    name = _selector(req)["name"]
    for privilege in req.state.security.privileges.values():
        # The core reads every privilege to find users of the selector: a broken one fails it.
        broken = req.state.security.broken_privilege(privilege)
        if broken is not None:
            raise broken
        if privilege.get("contentSelector") == name:
            raise UnexpectedError(
                f"Content selector {name} is in use and cannot be deleted", "java.lang.IllegalStateException"
            )
    del _selectors(req)[name]
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
            ("PUT", f"{COLLECTION}/maven-only", {"description": "", "expression": 'format == "raw"'}, 204),
            ("DELETE", f"{COLLECTION}/maven-only", None, 204),
        ],
    )
)
