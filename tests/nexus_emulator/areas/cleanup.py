"""Cleanup policies. The public ``/v1`` API is Pro-only."""

from __future__ import annotations

import copy
from typing import Any

from .. import features
from ..core import Area, Request, Route, register
from ..errors import MessageError, Response
from ..spec import load_spec, render_with_schema


class CleanupPolicies:
    def __init__(self) -> None:
        self.policies: dict[str, dict[str, Any]] = {}

    def find(self, name: str) -> dict[str, Any] | None:
        return self.policies.get(name)

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(dict(sorted(self.policies.items())))


def _api(policy: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = render_with_schema(load_spec().schema("CleanupPolicyResourceXO"), policy)
    return out


def _stored(body: dict[str, Any]) -> dict[str, Any]:
    policy = {k: v for k, v in body.items() if v is not None}
    if policy.get("format") == "*":
        policy["format"] = "ALL_FORMATS"  # unconfirmed: "all formats" stored as ALL_FORMATS
    return policy


def _policy(req: Request, key: str) -> dict[str, Any]:
    policy = req.state.store(CleanupPolicies).find(req.params[key])
    if policy is None:
        raise MessageError(404, f"Cleanup policy {req.params[key]} not found")  # unconfirmed: wording
    return policy


def list_policies(req: Request) -> Response:
    return Response.json(200, [_api(p) for _, p in sorted(req.state.store(CleanupPolicies).policies.items())])


def get_policy(req: Request) -> Response:
    return Response.json(200, _api(_policy(req, "name")))


def create_policy(req: Request) -> Response:
    body = req.body or {}
    if body["name"] in req.state.store(CleanupPolicies).policies:
        raise MessageError(409, f"Cleanup policy {body['name']} already exists", quoted=False)
    req.state.store(CleanupPolicies).policies[body["name"]] = _stored(body)
    return Response.no_content(201)


def update_policy(req: Request) -> Response:
    policy = _policy(req, "policyName")
    body = dict(req.body or {}, name=policy["name"])
    req.state.store(CleanupPolicies).policies[policy["name"]] = _stored(body)
    return Response.no_content(204)


def delete_policy(req: Request) -> Response:
    policy = _policy(req, "name")
    del req.state.store(CleanupPolicies).policies[policy["name"]]
    # Nexus detaches the policy from repositories asynchronously; the emulator does it at once.
    for repo in req.state.repositories.using_cleanup_policy(policy["name"]):
        repo.config["cleanup"]["policyNames"] = [
            n for n in repo.config["cleanup"]["policyNames"] if n != policy["name"]
        ]
    return Response.no_content(204)


# unconfirmed: the permission guarding /v1/cleanup-policies; nx-admin passes either way.
PERM = "nexus:*"
# unconfirmed: whether Community Edition answers 404 or 402/403 on /v1/cleanup-policies; the
# resource is not installed there, so it answers like an unknown path (404, as the OSS core does).
FEATURE = features.CLEANUP_API

ROUTES = [
    Route("GET", "/v1/cleanup-policies", list_policies, PERM, feature=FEATURE),
    Route("POST", "/v1/cleanup-policies", create_policy, PERM, feature=FEATURE),
    Route("GET", "/v1/cleanup-policies/{name}", get_policy, PERM, feature=FEATURE),
    Route("PUT", "/v1/cleanup-policies/{policyName}", update_policy, PERM, feature=FEATURE),
    Route("DELETE", "/v1/cleanup-policies/{name}", delete_policy, PERM, feature=FEATURE),
]

AREA = register(Area("cleanup", ROUTES, store=lambda _: CleanupPolicies(), snapshot_key="cleanupPolicies"))
