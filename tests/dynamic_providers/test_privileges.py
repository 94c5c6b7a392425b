"""The privilege kind: actions kept as Nexus's set, the content selector only (and always) on a
content-selector privilege, and the PUT at the type's path."""

from __future__ import annotations

from typing import Any

import pytest

from dynamic_providers.privileges import PrivilegeProvider, PrivilegeSpec, from_api, to_api

CONNECTION = {"url": "http://nexus.invalid", "username": "admin"}
SELECTOR_PRIVILEGE: dict[str, Any] = {
    "name": "team-a-push",
    "type": "repository-content-selector",
    "actions": ["add", "READ", "browse", "read"],
    "format": "raw",
    "repository": "shared",
    "content_selector": "team-a",
}


def test_actions_are_upper_case_each_once_sorted_both_ways() -> None:
    spec = PrivilegeSpec(**SELECTOR_PRIVILEGE)
    assert spec.actions == ("ADD", "BROWSE", "READ")
    answered = {**to_api(spec), "type": spec.type, "actions": ["read", "ADD", "BROWSE"]}
    assert from_api(answered) == spec.model_dump()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"content_selector": None}, "names its content selector"),
        ({"type": "repository-view"}, "only a repository-content-selector privilege has one"),
    ],
)
def test_the_content_selector_is_checked_against_the_type(fields: dict[str, Any], reason: str) -> None:
    result = PrivilegeProvider().check({}, {"connection": CONNECTION, **SELECTOR_PRIVILEGE, **fields})
    assert [(f.property, reason in f.reason) for f in result.failures] == [("content_selector", True)]


def test_an_unknown_action_is_refused_naming_it() -> None:
    result = PrivilegeProvider().check(
        {}, {"connection": CONNECTION, **SELECTOR_PRIVILEGE, "actions": ["PUSH"]}
    )
    assert [f.property for f in result.failures] == ["actions[0]"]


def test_no_action_is_refused() -> None:
    result = PrivilegeProvider().check({}, {"connection": CONNECTION, **SELECTOR_PRIVILEGE, "actions": []})
    assert [f.property for f in result.failures] == ["actions"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [("team a", "no spaces or slashes"), ("nx-repository-view-raw-shared-read", "Nexus's own privileges")],
)
def test_a_name_nexus_cannot_take_or_that_is_nexuss_is_refused(name: str, reason: str) -> None:
    result = PrivilegeProvider().check({}, {"connection": CONNECTION, **SELECTOR_PRIVILEGE, "name": name})
    assert [(f.property, reason in f.reason) for f in result.failures] == [("name", True)]
