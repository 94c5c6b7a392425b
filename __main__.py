"""nexus-platform: wires the validated stack config to the components and the stack outputs.

Everything else lives elsewhere: config in settings.py, parts of the system in components/,
Nexus objects in dynamic_providers/.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.endpoints import docker_trust_commands, registry_endpoints
from components.haproxy import Haproxy, HaproxyArgs
from components.nexus_server import NexusServer, NexusServerArgs
from components.pki import Pki, PkiArgs
from components.registry import DockerRegistry
from settings import SettingsError, SettingsIssue, load_from_pulumi

settings = load_from_pulumi()  # raises SettingsError (naming the key) before anything is created

if settings.admin_password is None:
    raise SettingsError(
        [
            SettingsIssue(
                "adminPassword", "is required: pulumi config set --secret nexus-platform:adminPassword"
            )
        ]
    )

ca_pem: pulumi.Output[str] | None = None
depends_on: list[pulumi.Resource] = []
if settings.nexus.manage_server:
    pki = Pki("pki", PkiArgs.from_settings(settings))
    nexus = NexusServer("nexus", NexusServerArgs.from_settings(settings))
    haproxy = Haproxy("haproxy", HaproxyArgs.from_components(settings, pki, nexus))
    ca_pem = pki.ca_pem
    depends_on = [nexus, haproxy]
    pulumi.export("caPem", pki.ca_pem)
    pulumi.export("nexusImage", nexus.repo_digest)
    pulumi.export("haproxyConfigPath", haproxy.config_path)

admin_password = settings.admin_password.get_secret_value()


def connection_props(ca: str) -> dict[str, Any]:
    return {
        "url": settings.nexus_url,
        "username": "admin",
        "password": admin_password,
        # The stack's own CA, when the providers reach Nexus through HAProxy.
        "ca_pem": ca if settings.nexus_url.startswith("https://") and ca else None,
    }


connection: pulumi.Output[dict[str, Any]] = pulumi.Output.secret(
    pulumi.Output.from_input(ca_pem or "").apply(connection_props)
)

registry = DockerRegistry("registry", settings, connection, depends_on=depends_on)


pulumi.export("nexusVersion", settings.nexus.version)
pulumi.export("uiUrl", f"https://{settings.resolved_ui_host}")
pulumi.export("apiUrl", settings.nexus_url)
pulumi.export("registryEndpoints", registry_endpoints(settings))
pulumi.export("dockerTrustCommands", docker_trust_commands(settings))
pulumi.export("repositories", registry.repository_names)
