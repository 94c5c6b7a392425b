"""Content selectors (``/v1/security/content-selectors``): which paths a privilege covers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, Spec


class ContentSelectorSpec(Spec):  # the inputs: snake_case, validated and normalised once
    name: str
    description: str = ""
    expression: str


def to_api(spec: ContentSelectorSpec) -> dict[str, Any]:  # pure: spec -> create body
    return {"name": spec.name, "description": spec.description, "expression": spec.expression}


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    """Pure: GET body -> spec fields. ``previous`` is what was recorded (for what Nexus omits)."""
    return {
        "name": body.get("name"),
        "description": body.get("description") or "",
        "expression": body.get("expression"),
    }


class ContentSelectorProvider(NexusProvider[ContentSelectorSpec], mappers=(to_api, from_api)):
    kind = "content selector"  # how messages name it
    api = Api("/v1/security/content-selectors")  # POST here; GET/PUT/DELETE at {collection}/{id}
    replace_fields = ("name",)  # what Nexus cannot change in place


class ContentSelector(NexusResource[ContentSelectorSpec]):  # the class components use
    """A content selector, as components declare it."""
