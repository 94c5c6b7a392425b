"""``ssh://user@host[:port]`` Docker hosts: parsed here, without the Docker/command SDKs, so the
first run (every mode) can use it without loading what only a managed server needs."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SSH_HOST = re.compile(r"^ssh://(?P<user>[^@\s/]+)@(?P<host>[^\s/:]+)(:(?P<port>\d+))?$")


@dataclass(frozen=True)
class SshTarget:
    user: str
    host: str
    port: int = 22


def parse_ssh_host(docker_host: str) -> SshTarget | None:
    """``ssh://user@host[:port]`` -> :class:`SshTarget`; None for anything else."""
    match = _SSH_HOST.match(docker_host)
    if not match:
        return None
    return SshTarget(match["user"], match["host"], int(match["port"] or 22))
