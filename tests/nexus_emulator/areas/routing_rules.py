"""Routing rules (``/v1/routing-rules``): path regexes that allow or block what a proxy fetches.

The real core has these routes (``routes-3.71.0-06-oss.txt``). Answers follow
``RoutingRulesApiResource``: POST, PUT and DELETE answer 204; an unknown name is 404 with a
quoted message; deleting a rule a repository uses is 400 "Routing rule is still in use by N
repositories.". The store's own checks (duplicate name, no matcher, a regex that does not
compile) answer 400 here; their ids and wording are unconfirmed.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..core import Area, Request, Route, register
from ..errors import FieldValidationError, MessageError, Response
from .repositories import Repositories

COLLECTION = "/v1/routing-rules"
ITEM = COLLECTION + "/{name}"
FIELDS = ("name", "description", "mode", "matchers")


class RoutingRules:
    def __init__(self) -> None:
        self.rules: dict[str, dict[str, Any]] = {}

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(dict(sorted(self.rules.items())))


def _rules(req: Request) -> dict[str, dict[str, Any]]:
    return req.state.store(RoutingRules).rules


def _rule(req: Request) -> dict[str, Any]:
    rule = _rules(req).get(req.params["name"])
    if rule is None:
        raise MessageError(404, f"Did not find a routing rule with the name '{req.params['name']}'")
    return rule


def _validated(req: Request, body: dict[str, Any], replacing: str | None = None) -> dict[str, Any]:
    # unconfirmed: the ids and wording of the store's checks (all answer 400 on the real server)
    errors: list[tuple[str, str]] = []
    name = body.get("name") or ""
    if not name:
        errors.append(("name", "A non-empty value must be specified"))
    elif name != replacing and name in _rules(req):
        errors.append(("name", "A rule with the same name already exists. Name must be unique."))
    if body.get("mode") not in ("BLOCK", "ALLOW"):
        errors.append(("mode", "A mode of BLOCK or ALLOW must be specified"))
    matchers = body.get("matchers") or []
    if not matchers:
        errors.append(("matchers", "At least one rule must be specified"))
    for index, matcher in enumerate(matchers):
        try:
            re.compile(matcher)
        except re.error:
            errors.append((f"matchers[{index}]", "Invalid regex: " + matcher))
    if errors:
        raise FieldValidationError(errors)
    return {
        "name": name,
        "description": body.get("description") or "",
        "mode": body["mode"],
        "matchers": matchers,
    }


def list_rules(req: Request) -> Response:
    return Response.json(200, [rule for _, rule in sorted(_rules(req).items())])


def get_rule(req: Request) -> Response:
    return Response.json(200, _rule(req))


def create_rule(req: Request) -> Response:
    rule = _validated(req, req.body or {})
    _rules(req)[rule["name"]] = rule
    return Response.no_content(204)


def update_rule(req: Request) -> Response:
    old = _rule(req)
    # PUT may rename the rule: the body's name is the one kept.
    rule = _validated(req, req.body or {}, replacing=old["name"])
    del _rules(req)[old["name"]]
    _rules(req)[rule["name"]] = rule
    return Response.no_content(204)


def delete_rule(req: Request) -> Response:
    rule = _rule(req)
    users = req.state.store(Repositories).using_routing_rule(rule["name"])
    if users:
        raise MessageError(400, f"Routing rule is still in use by {len(users)} repositories.")
    del _rules(req)[rule["name"]]
    return Response.no_content(204)


# Writes need nexus:*; reads need a repository-admin read permission (RoutingRuleHelper,
# unconfirmed which one): nx-admin passes either way.
PERM = "nexus:*"
ROUTES = [
    Route("GET", COLLECTION, list_rules, PERM),
    Route("POST", COLLECTION, create_rule, PERM),
    Route("GET", ITEM, get_rule, PERM),
    Route("PUT", ITEM, update_rule, PERM),
    Route("DELETE", ITEM, delete_rule, PERM),
]
RULE = {"name": "docker-library", "description": "d", "mode": "ALLOW", "matchers": ["^/v2/library/.*"]}
AREA = register(
    Area(
        "routing_rules",
        ROUTES,
        store=lambda _: RoutingRules(),
        snapshot_key="routingRules",
        contract=[
            ("POST", COLLECTION, RULE, 204),
            ("GET", COLLECTION, None, 200),
            ("GET", f"{COLLECTION}/docker-library", None, 200),
            ("PUT", f"{COLLECTION}/docker-library", {**RULE, "mode": "BLOCK"}, 204),
            ("DELETE", f"{COLLECTION}/docker-library", None, 204),
        ],
    )
)
