"""The routing-rules kind: its inputs' checks and the request body."""

from __future__ import annotations

import pydantic
import pytest

from dynamic_providers import routing_rules
from dynamic_providers.routing_rules import RoutingRuleSpec


def test_routing_rule_body_round_trips_and_keeps_the_matchers_order() -> None:
    spec = RoutingRuleSpec(name="docker-hub", mode="ALLOW", matchers=["^/v2/library/.*", "^/v2/acme/.*"])
    body = routing_rules.to_api(spec)
    assert body == {
        "name": "docker-hub",
        "description": "",
        "mode": "ALLOW",
        "matchers": ["^/v2/library/.*", "^/v2/acme/.*"],
    }
    assert RoutingRuleSpec(**routing_rules.from_api(body)) == spec


@pytest.mark.parametrize(
    ("fields", "key", "words"),
    [
        (
            {"matchers": ["^/ok/.*", "^/v2/(library"]},
            "matchers",
            "[1] '^/v2/(library' is not a valid regular expression",
        ),
        ({"matchers": []}, "matchers", "at least one matcher"),
        ({"mode": "DENY"}, "mode", "'BLOCK' or 'ALLOW'"),
        ({"name": "has space"}, "name", "'has space'"),
    ],
)
def test_bad_input_names_the_field(fields: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        RoutingRuleSpec(**{"name": "r", "mode": "BLOCK", "matchers": ["^/a/.*"], **fields})
    (error,) = raised.value.errors()
    assert error["loc"] == (key,)
    assert words in str(raised.value)


def test_the_mode_has_no_default() -> None:
    with pytest.raises(pydantic.ValidationError, match="mode"):
        RoutingRuleSpec(name="r", matchers=["^/a/.*"])  # type: ignore[call-arg]
