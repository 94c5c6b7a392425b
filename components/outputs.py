"""The stack outputs: declared once here, exported by ``__main__.py`` through :func:`export`, listed
in docs/configuration.md (generated from :data:`STACK_OUTPUTS`; ``tests/test_readme.py`` keeps it in
step).

An output that is not declared here cannot be exported, so the documented list cannot miss one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi


@dataclass(frozen=True)
class StackOutput:
    name: str
    description: str
    #: When it is exported ("always" or the config that asks for it).
    when: str = "always"
    #: Read with `pulumi stack output NAME --show-secrets`.
    secret: bool = False


MANAGED = "`nexus.manageServer` (default)"
DOCKER = "`docker.enabled` (default)"

STACK_OUTPUTS: tuple[StackOutput, ...] = (
    StackOutput("uiUrl", "public URL of the Nexus UI (through HAProxy)"),
    StackOutput("apiUrl", "where the providers reach the Nexus REST API"),
    StackOutput(
        "registryEndpoints",
        "`host:port` of the pull endpoint and, per team, its release and latest push endpoints",
        when=DOCKER,
    ),
    StackOutput(
        "dockerTrustCommands",
        "shell commands that make a Docker client trust `caPem` for every registry port",
        when=DOCKER,
    ),
    StackOutput("repositories", "names of every repository the stack manages"),
    StackOutput("nexusVersion", "the configured `nexus.version`"),
    StackOutput("nexusEdition", "the edition the server reports (COMMUNITY, PRO, OSS)"),
    StackOutput(
        "databaseBackup", "what backs the Nexus database up (the weekly task, or what to do instead)"
    ),
    StackOutput("eulaAccepted", "whether the Community Edition EULA is accepted", when="`nexus.acceptEula`"),
    StackOutput("caPem", "the CA clients must trust (generated, or `certificate.caPem`)", when=MANAGED),
    StackOutput("nexusImage", "the Nexus image by digest", when=MANAGED),
    StackOutput("haproxyConfigPath", "path of `haproxy.cfg` as HAProxy sees it", when=MANAGED),
    StackOutput(
        "haproxyStatsPassword",
        "password of the stats page (`haproxy.statsPassword` or derived from `adminPassword`)",
        when=MANAGED,
        secret=True,
    ),
    StackOutput("deployedVersion", "the Nexus version the last successful `up` deployed", when=MANAGED),
    StackOutput(
        "lastSnapshot", "record of the newest data snapshot taken before a version change", when=MANAGED
    ),
    StackOutput("snapshotDir", "where snapshots are written (`nexus.backupDir`)", when=MANAGED),
)

_DECLARED = {output.name: output for output in STACK_OUTPUTS}


def export(name: str, value: Any) -> None:
    """``pulumi.export`` of a declared output (secret ones are exported as secrets)."""
    if name not in _DECLARED:
        raise KeyError(f"stack output {name!r} is not declared in components/outputs.py (STACK_OUTPUTS)")
    pulumi.export(name, pulumi.Output.secret(value) if _DECLARED[name].secret else value)


def outputs_markdown() -> str:
    """The list of stack outputs in docs/configuration.md."""
    lines = ["| output | exported | what it is |", "|---|---|---|"]
    for output in STACK_OUTPUTS:
        secret = " (secret: `--show-secrets`)" if output.secret else ""
        lines.append(f"| `{output.name}` | {output.when} | {output.description}{secret} |")
    return "\n".join(lines) + "\n"
