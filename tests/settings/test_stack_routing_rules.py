"""`routingRules` and the keys that name them (docker.hubRoutingRule, repositories[].routingRule):
every mistake is an issue keyed by its config key, found before anything is created."""

from __future__ import annotations

from typing import Any

import pytest

from components.registry import HUB_PROXY, registry_layout
from settings import SettingsError, parse_settings
from tests.settings.test_stack import config

LIBRARY_ONLY: dict[str, Any] = {
    "name": "hub-library",
    "mode": "ALLOW",
    "matchers": ["^/v2/library/.*", "^/v2/acme/.*"],
}
PROXY: dict[str, Any] = {
    "name": "raw-proxy",
    "format": "raw",
    "type": "proxy",
    "remoteUrl": "https://example.com/",
}


def test_the_hub_proxy_and_a_proxy_name_a_rule_of_the_stack() -> None:
    raw = config(**{"routingRules": [LIBRARY_ONLY], "docker.hubRoutingRule": "hub-library"})
    raw["repositories"] = [{**PROXY, "routingRule": "hub-library"}]
    layout = registry_layout(parse_settings(raw))
    assert [(r.name, r.mode, r.matchers) for r in layout.routing_rules] == [
        ("hub-library", "ALLOW", ("^/v2/library/.*", "^/v2/acme/.*"))
    ]
    rules = {spec.name: spec.routing_rule for spec, _ in layout.repositories}
    assert rules[HUB_PROXY] == "hub-library" and rules["raw-proxy"] == "hub-library"
    assert {name for name, rule in rules.items() if rule is None} == set(rules) - {HUB_PROXY, "raw-proxy"}


@pytest.mark.parametrize(
    ("changes", "repository", "key", "words"),
    [
        ({"docker.hubRoutingRule": "nowhere"}, {}, "docker.hubRoutingRule", "'nowhere' is not a rule"),
        ({}, {"routingRule": "nowhere"}, "repositories[0].routingRule", "'nowhere' is not a rule"),
        (
            {},
            {"type": "hosted", "remoteUrl": None, "routingRule": "hub-library"},
            "repositories[0]",
            "routing_rule apply to proxies, not hosted",
        ),
        (
            {"routingRules": [{**LIBRARY_ONLY, "matchers": ["^/v2/(library"]}]},
            {},
            "routingRules[0].matchers",
            "'^/v2/(library' is not a valid regular expression",
        ),
        (
            {"routingRules": [{**LIBRARY_ONLY, "matchers": []}]},
            {},
            "routingRules[0].matchers",
            "at least one",
        ),
        (
            {"routingRules": [{**LIBRARY_ONLY, "mode": "DENY"}]},
            {},
            "routingRules[0].mode",
            "'BLOCK' or 'ALLOW'",
        ),
        ({"routingRules": [LIBRARY_ONLY, LIBRARY_ONLY]}, {}, "routingRules[1].name", "already defined"),
        ({"routingRules": [{**LIBRARY_ONLY, "name": "a b"}]}, {}, "routingRules[0].name", "'a b'"),
        (
            {"docker.enabled": False, "teams": [], "docker.hubRoutingRule": "hub-library"},
            {},
            "docker.hubRoutingRule",
            "docker.enabled is false",
        ),
    ],
)
def test_a_routing_rule_mistake_names_its_key(
    changes: dict[str, Any], repository: dict[str, Any], key: str, words: str
) -> None:
    raw = config(**{"routingRules": [LIBRARY_ONLY], **changes})
    raw["repositories"] = [{**PROXY, **repository}]
    with pytest.raises(SettingsError) as error:
        parse_settings(raw)
    assert any(issue.key == key and words in issue.message for issue in error.value.issues), (
        error.value.issues
    )
