"""Routing rules (``/v1/routing-rules``): which request paths a proxy repository may fetch.

A rule is a list of path regexes and a mode: ``BLOCK`` refuses the paths that match any of them,
``ALLOW`` refuses every other path. Proxy and group repositories name the rule they use
(``routingRule`` in the repository API); Nexus refuses to delete a rule a repository still uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, Spec
from reach.names import check_name


def check_matchers(matchers: tuple[str, ...]) -> tuple[str, ...]:
    """Every matcher compiles; Python's ``re`` stands in for Java's, which agree on common syntax."""
    if not matchers:
        raise ValueError("a routing rule needs at least one matcher (a path regex)")
    for index, matcher in enumerate(matchers):
        try:
            re.compile(matcher)
        except re.error as error:
            raise ValueError(f"[{index}] '{matcher}' is not a valid regular expression: {error}") from None
    return matchers


class RoutingRuleSpec(Spec):
    name: str
    description: str = ""
    mode: Literal["BLOCK", "ALLOW"]  # no default: which of the two is the rule's whole meaning
    # Nexus keeps the list in the order given: order is not normalised away.
    matchers: tuple[str, ...]

    @pydantic.field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value)  # RoutingRuleXO's pattern is the repository name rule

    @pydantic.field_validator("matchers")
    @classmethod
    def _matchers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_matchers(value)


def to_api(spec: RoutingRuleSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "mode": spec.mode,
        "matchers": list(spec.matchers),
    }


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    return {
        "name": body.get("name"),
        "description": body.get("description") or "",
        "mode": body.get("mode"),
        "matchers": tuple(body.get("matchers") or ()),
    }


class RoutingRuleProvider(NexusProvider[RoutingRuleSpec], mappers=(to_api, from_api)):
    kind = "routing rule"
    # POST answers 204; GET, PUT and DELETE take the exact name (RoutingRulesApiResource).
    api = Api("/v1/routing-rules")
    # PUT could rename a rule, but the rule's id in the stack is its name.
    replace_fields = ("name",)
    delete_refusals = (
        (
            "still in use",
            "{label} is still used by a repository and cannot be deleted: remove it from the "
            "repositories that use it first (Nexus said: {detail})",
        ),
    )


class RoutingRule(NexusResource[RoutingRuleSpec]):
    """A routing rule, as components declare it."""
