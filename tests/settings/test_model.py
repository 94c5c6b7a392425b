"""The config sections' own models: the Nexus JVM options, the access and retention defaults, an LDAP
server, robots and team groups as parsed."""

from __future__ import annotations

from settings import parse_settings
from tests.settings.test_stack import BASE, LDAP, ROBOT, config


def test_vm_params_carry_heap_settings() -> None:
    parsed = parse_settings(config(**{"nexus.heap": "4g", "nexus.maxDirectMemory": "3g"}))
    assert "-Xms4g -Xmx4g -XX:MaxDirectMemorySize=3g" in parsed.nexus.vm_params


def test_access_defaults_are_locked_down() -> None:
    parsed = parse_settings(BASE)
    assert parsed.ldap is None
    assert parsed.access.anonymous_pull is False
    assert parsed.access.robots == []
    assert (parsed.retention.release_days, parsed.retention.latest_days) == (None, None)


def test_access_config_parses() -> None:
    raw = config(ldap={**LDAP, "protocol": "ldap"}, **{"teams.0.ldapGroups": ["platform-devs"]})
    raw["access"] = {"anonymousPull": True, "pullLdapGroups": ["staff"], "robots": [ROBOT]}
    raw["retention"] = {"releaseDays": 365}
    parsed = parse_settings(raw)
    assert parsed.ldap is not None and parsed.ldap.resolved_port == 389
    assert parsed.ldap.bind_password is not None
    assert parsed.ldap.bind_password.get_secret_value() == "bind-secret"
    assert "bind-secret" not in repr(parsed)
    assert parsed.teams[0].ldap_groups == ["platform-devs"]
    assert parsed.access.robots[0].teams == ["platform"]
    assert parsed.retention.release_days == 365
