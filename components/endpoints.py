"""What users of the registry need to know, derived from the stack config (pure)."""

from __future__ import annotations

from settings import StackSettings


def registry_endpoints(settings: StackSettings) -> dict[str, object]:
    """host:port a Docker client uses: one pull endpoint, and per team its push endpoints; none
    when ``docker.enabled`` is false (HAProxy then listens on no Docker port)."""
    if not settings.docker.enabled:
        return {}
    host = settings.resolved_ui_host
    return {
        "pull": f"{host}:{settings.docker.pull_port}",
        "teams": {
            team.name: {
                "release": f"{host}:{team.release_port}",
                "latest": f"{host}:{team.latest_port}",
            }
            for team in settings.teams
        },
    }


def docker_trust_commands(settings: StackSettings) -> list[str]:
    """Shell commands that make a Docker client trust the stack's CA for every registry port.

    Docker reads a per-registry CA from /etc/docker/certs.d/<host>:<port>/ca.crt; the CA PEM is
    the stack output caPem (`pulumi stack output caPem > nexus-ca.crt`). None when
    ``docker.enabled`` is false (no connectors).
    """
    host = settings.resolved_ui_host
    commands = []
    for connector in settings.connectors:
        directory = f"/etc/docker/certs.d/{host}:{connector.external_port}"
        commands.append(f"sudo install -D -m 0644 nexus-ca.crt {directory}/ca.crt")
    return commands
