"""What the stack tells Docker clients (components/endpoints.py): endpoints and trust commands."""

from __future__ import annotations

from typing import Any

from components.endpoints import docker_trust_commands, registry_endpoints
from settings import parse_settings

TEAM = {"name": "platform", "releasePort": 16001, "latestPort": 16002}


def raw(**changes: Any) -> dict[str, Any]:
    return {
        "domain": "example.com",
        "adminPassword": "admin-pw-0123",
        "nexus": {"version": "3.77.1"},
        "teams": [TEAM],
        **changes,
    }


def test_a_docker_stack_advertises_its_pull_and_push_ports_and_how_to_trust_them() -> None:
    settings = parse_settings(raw())
    assert registry_endpoints(settings) == {
        "pull": "nexus.example.com:16000",
        "teams": {"platform": {"release": "nexus.example.com:16001", "latest": "nexus.example.com:16002"}},
    }
    assert docker_trust_commands(settings) == [
        f"sudo install -D -m 0644 nexus-ca.crt /etc/docker/certs.d/nexus.example.com:{port}/ca.crt"
        for port in (16000, 16001, 16002)
    ]


def test_without_docker_no_endpoint_and_no_trust_command() -> None:
    settings = parse_settings(raw(docker={"enabled": False}, teams=[]))
    assert registry_endpoints(settings) == {}  # HAProxy listens on no :16000
    assert docker_trust_commands(settings) == []
