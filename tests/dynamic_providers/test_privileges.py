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


OTHER_TYPES: dict[str, dict[str, Any]] = {
    "application": {
        "name": "blobstores-read",
        "type": "application",
        "actions": ["read"],
        "domain": "blobstores",
    },
    "script": {"name": "run-cleanup", "type": "script", "actions": ["run", "read"], "script_name": "cleanup"},
    "wildcard": {"name": "raw-read", "type": "wildcard", "pattern": "nexus:repository-view:raw:*:read"},
}


@pytest.mark.parametrize("ptype", sorted(OTHER_TYPES))
def test_each_type_sends_its_own_fields_and_reads_back_as_its_spec(ptype: str) -> None:
    spec = PrivilegeSpec(**OTHER_TYPES[ptype])
    body = to_api(spec)
    own = {"application": {"actions", "domain"}, "script": {"actions", "scriptName"}, "wildcard": {"pattern"}}
    assert set(body) == {"name", "description"} | own[ptype]
    assert PrivilegeProvider().check({}, {"connection": CONNECTION, **OTHER_TYPES[ptype]}).failures == []
    assert from_api({**body, "type": ptype, "readOnly": False}) == spec.model_dump()


@pytest.mark.parametrize(
    ("ptype", "fields", "failures"),
    [
        ("application", {"domain": None}, [("domain", "names an application domain")]),
        ("application", {"actions": ["browse"]}, [("actions", "cannot use BROWSE")]),
        ("application", {"format": "raw"}, [("format", "only a repository-admin or")]),
        ("script", {"script_name": None}, [("script_name", "names a script name")]),
        ("script", {"domain": "users"}, [("domain", "only an application privilege has one")]),
        ("wildcard", {"pattern": ""}, [("pattern", "names a permission pattern")]),
        ("wildcard", {"actions": ["READ"]}, [("actions", "privilege has one")]),
        ("wildcard", {"script_name": "x"}, [("script_name", "only a script privilege has one")]),
    ],
)
def test_a_field_of_another_type_or_a_missing_one_is_refused_naming_it(
    ptype: str, fields: dict[str, Any], failures: list[tuple[str, str]]
) -> None:
    result = PrivilegeProvider().check({}, {"connection": CONNECTION, **OTHER_TYPES[ptype], **fields})
    assert [(f.property, failures[0][1] in f.reason) for f in result.failures] == [(failures[0][0], True)]


def test_a_repository_privilege_refuses_the_actions_nexus_refuses_it() -> None:
    result = PrivilegeProvider().check(
        {}, {"connection": CONNECTION, **SELECTOR_PRIVILEGE, "actions": ["read", "run"]}
    )
    assert [(f.property, "cannot use RUN" in f.reason) for f in result.failures] == [("actions", True)]
