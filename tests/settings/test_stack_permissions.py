"""`contentSelectors`, `privileges`, `roles` and the teams' paths (repositories[].teamPaths,
docker.sharedPort): what the access plan and the registry make of them, and every mistake an issue
keyed by its config key, found before anything is created."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.access import access_plan
from components.registry import PULL_GROUP, registry_layout
from settings import SettingsError, parse_settings
from tests.settings.test_stack import LDAP, config

SHARED_RAW: dict[str, Any] = {"name": "shared-raw", "format": "raw", "type": "hosted", "teamPaths": True}
PERMISSIONS: dict[str, Any] = {
    "contentSelectors": [{"name": "maven-org", "expression": 'format == "maven2" and path =^ "/org/"'}],
    "privileges": [
        {
            "name": "org-read",
            "type": "repository-content-selector",
            "actions": ["read", "browse"],
            "format": "maven2",
            "repository": "*",
            "contentSelector": "maven-org",
        },
        {"name": "blobstores-read", "type": "application", "actions": ["READ"], "domain": "blobstores"},
        {"name": "raw-read", "type": "wildcard", "pattern": "nexus:repository-view:raw:*:read"},
    ],
    "roles": [
        {"id": "auditors", "privileges": ["blobstores-read", "raw-read"], "roles": ["readers"]},
        {"id": "readers", "privileges": ["org-read", "nx-search-read"], "ldapGroups": ["cn-readers"]},
    ],
}


def permissions(**changes: Any) -> dict[str, Any]:
    raw = config(**changes)
    for key, value in copy.deepcopy(PERMISSIONS).items():
        raw.setdefault(key, value)
    raw.setdefault("repositories", [dict(SHARED_RAW)])
    raw.setdefault("ldap", dict(LDAP))
    return raw


def test_the_plan_creates_selectors_privileges_and_roles_in_order_and_each_team_gets_its_paths() -> None:
    raw = permissions(**{"docker.routing": "path", "docker.sharedPort": 16010})
    raw["access"] = {"robots": [{"userId": "ci-audit", "password": "pw", "roles": ["auditors"]}]}
    settings = parse_settings(raw)
    plan = access_plan(settings)
    selectors = {s.name: s.expression for s in plan.content_selectors}
    assert selectors == {
        "maven-org": 'format == "maven2" and path =^ "/org/"',
        "shared-raw-platform-paths": 'format == "raw" and path =^ "/platform/"',
        "docker-shared-platform-paths": 'format == "docker" and (path == "/v2/" or path =^ "/v2/platform/")',
        "shared-raw-payments-paths": 'format == "raw" and path =^ "/payments/"',
        "docker-shared-payments-paths": 'format == "docker" and (path == "/v2/" or path =^ "/v2/payments/")',
    }
    privileges = {p.name: p for p in plan.privileges}
    team = privileges["shared-raw-platform-paths"]
    assert (team.type, team.repository, team.content_selector, team.actions) == (
        "repository-content-selector",
        "shared-raw",
        "shared-raw-platform-paths",
        ("ADD", "BROWSE", "EDIT", "READ"),
    )
    assert privileges["blobstores-read"].domain == "blobstores"
    roles = {r.role_id: r for r in plan.roles}
    assert {"shared-raw-platform-paths", "docker-shared-platform-paths"} <= set(
        roles["docker-platform-push"].privileges
    )
    assert not {"shared-raw-platform-paths"} & set(roles["docker-payments-push"].privileges)
    order = [r.role_id for r in plan.roles]
    assert order.index("readers") < order.index("auditors") < order.index("cn-readers")
    assert roles["cn-readers"].roles == ("readers",)
    assert [u.roles for u in plan.users] == [("auditors",)]
    layout = registry_layout(settings)
    repositories = {spec.name: spec for spec, _ in layout.repositories}
    shared = repositories["docker-shared"]
    assert (shared.type, shared.http_port, shared.write_policy) == ("hosted", None, "ALLOW")
    assert "docker-shared" in repositories[PULL_GROUP].members
    assert "docker-shared" in {spec.name for spec, _ in layout.blob_stores}


def test_without_team_paths_nothing_is_added() -> None:
    plan = access_plan(parse_settings(config()))
    assert (plan.content_selectors, plan.privileges) == ([], [])


PRIVILEGE = PERMISSIONS["privileges"][0]
ROLE = PERMISSIONS["roles"][1]


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        (
            {"privileges": [{**PRIVILEGE, "contentSelector": "ghost"}]},
            "privileges[0].contentSelector",
            "'ghost'",
        ),
        (
            {"privileges": [{**PRIVILEGE, "repository": "ghost"}]},
            "privileges[0].repository",
            "not a repository",
        ),
        ({"privileges": [{**PRIVILEGE, "name": "nx-mine"}]}, "privileges[0].name", "Nexus's own"),
        ({"privileges": [{**PRIVILEGE, "name": "a b"}]}, "privileges[0].name", "not a usable privilege name"),
        ({"privileges": [{**PRIVILEGE, "domain": "users"}]}, "privileges[0].domain", "only an application"),
        ({"privileges": [{**PRIVILEGE, "actions": ["RUN"]}]}, "privileges[0].actions", "cannot use RUN"),
        ({"privileges": [{**PRIVILEGE, "actions": ["PUSH"]}]}, "privileges[0].actions[0]", ""),
        ({"privileges": [{"name": "w", "type": "wildcard"}]}, "privileges[0].pattern", "names a permission"),
        ({"privileges": [PRIVILEGE, PRIVILEGE]}, "privileges[1].name", "already defined by privileges[0]"),
        (
            {"privileges": [{**PRIVILEGE, "name": "shared-raw-platform-paths"}]},
            "privileges[0].name",
            "a team's paths",
        ),
        (
            {"roles": [{**ROLE, "privileges": ["ghost"]}]},
            "roles[0].privileges",
            "'ghost' is not a name of privileges",
        ),
        ({"roles": [{**ROLE, "roles": ["ghost"]}]}, "roles[0].roles", "'ghost' is not a role"),
        ({"roles": [{**ROLE, "id": "docker-pull"}]}, "roles[0].id", "defines itself"),
        ({"roles": [{**ROLE, "id": "docker-platform-push"}]}, "roles[0].id", "defines itself"),
        ({"roles": [{**ROLE, "id": "nx-readers"}]}, "roles[0].id", "Nexus's built-in roles"),
        ({"roles": [{**ROLE, "id": "a/b"}]}, "roles[0].id", "not a usable role id"),
        ({"roles": [{**ROLE, "roles": ["readers"]}]}, "roles[0]", "cannot contain itself"),
        (
            {"roles": [{"id": "a", "roles": ["b"]}, {"id": "b", "roles": ["a"]}]},
            "roles[0].roles",
            "contains itself through other roles",
        ),
        ({"roles": [ROLE, ROLE]}, "roles[1].id", "already defined by roles[0]"),
        ({"roles": [{**ROLE, "ldapGroups": ["readers"]}]}, "roles[0].ldapGroups", "has the id of a role"),
        (
            {"roles": [{**ROLE, "ldapGroups": ["cn readers"]}]},
            "roles[0].ldapGroups",
            "not a usable LDAP group",
        ),
        (
            {"contentSelectors": [{"name": "s", "expression": 'path =^ "/a/'}]},
            "contentSelectors[0].expression",
            "a quote is not closed",
        ),
        (
            {"contentSelectors": [{"name": "s", "expression": 'nosuch == "x"'}]},
            "contentSelectors[0].expression",
            "nosuch: Nexus knows only format and path",
        ),
        (
            {"contentSelectors": [{"name": "s", "expression": '(path =^ "/a/"'}]},
            "contentSelectors[0].expression",
            "parentheses",
        ),
        (
            {"contentSelectors": [{"name": "s t", "expression": "path == '/'"}]},
            "contentSelectors[0].name",
            "",
        ),
        (
            {
                "contentSelectors": [
                    *PERMISSIONS["contentSelectors"],
                    {"name": "docker-shared-platform-paths", "expression": "path == '/'"},
                ],
                "docker.sharedPort": 16010,
                "docker.routing": "path",
            },
            "contentSelectors[1].name",
            "a team's paths",
        ),
        (
            {"repositories": [{**SHARED_RAW, "type": "proxy", "remoteUrl": "https://example.com/"}]},
            "repositories[0].teamPaths",
            "hosted raw and maven2",
        ),
        (
            {"repositories": [{**SHARED_RAW, "format": "npm"}]},
            "repositories[0].teamPaths",
            "not npm hosted",
        ),
        ({"teams": []}, "repositories[0].teamPaths", "no team is defined"),
        ({"docker.sharedPort": 16010}, "docker.sharedPort", "needs docker.routing: path"),
        (
            {"docker.sharedPort": 16001, "docker.routing": "path"},
            "docker.sharedPort",
            "already used by teams[0].releasePort",
        ),
    ],
)
def test_each_mistake_is_keyed(changes: dict[str, Any], key: str, words: str) -> None:
    dotted = {k: v for k, v in changes.items() if "." in k}
    raw = permissions(**dotted)
    raw.update({k: v for k, v in changes.items() if "." not in k})
    with pytest.raises(SettingsError) as error:
        parse_settings(raw)
    assert any(issue.key == key and words in issue.message for issue in error.value.issues), (
        error.value.issues
    )
