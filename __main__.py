"""nexus-platform: wires the validated stack config to the components and the stack outputs.

Everything else lives elsewhere: config in settings.py, parts of the system in components/,
Nexus objects in dynamic_providers/.
"""

from __future__ import annotations

import pulumi

from components.access import AccessControl
from components.backup import DatabaseBackup
from components.endpoints import docker_trust_commands, registry_endpoints
from components.first_run import FirstRun
from components.layout_policy import RetentionPolicies
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
server_revision: pulumi.Output[str] | None = None
depends_on: list[pulumi.Resource] = []
if settings.nexus.manage_server:
    # Imported here: the Docker, TLS and command SDKs cost about a second at every program start
    # and an existing-Nexus stack needs none of them (docs/performance.md).
    from components.haproxy import Haproxy, HaproxyArgs
    from components.nexus_server import NexusServer, NexusServerArgs
    from components.pki import Pki, PkiArgs

    pki = Pki("pki", PkiArgs.from_settings(settings))
    nexus = NexusServer("nexus", NexusServerArgs.from_settings(settings))
    haproxy = Haproxy("haproxy", HaproxyArgs.from_components(settings, pki, nexus))
    ca_pem = pki.ca_pem
    server_revision = nexus.container_id  # a new container (upgrade) is waited for again
    depends_on = [nexus, haproxy]
    pulumi.export("caPem", pki.ca_pem)
    pulumi.export("nexusImage", nexus.repo_digest)
    pulumi.export("haproxyConfigPath", haproxy.config_path)
    # The stats page's password (generated unless haproxy.statsPassword is set): a secret output,
    # read with `pulumi stack output haproxyStatsPassword --show-secrets`.
    pulumi.export("haproxyStatsPassword", haproxy.stats_password)
    # Read by scripts/upgrade and scripts/rollback: what runs now, and the data taken before it.
    pulumi.export("deployedVersion", nexus.deployed_version)
    pulumi.export("lastSnapshot", nexus.last_snapshot)
    pulumi.export("snapshotDir", settings.nexus.backup_dir)

# The directory agrees with the ldap settings before anything is written to Nexus (ldap.verify).
if settings.ldap is not None and settings.ldap.verify != "skip":
    from operations.ldap_step import LdapDirectoryCheck  # ldap3: only when it is used

    depends_on = [*depends_on, LdapDirectoryCheck("ldap-directory-check", settings)]

# Every Nexus call waits for the first run: Nexus writable, admin password taken over, EULA.
first_run = FirstRun(
    "first-run",
    settings,
    server_revision=server_revision,
    ca_pem=ca_pem if settings.nexus_url.startswith("https://") else None,
    opts=pulumi.ResourceOptions(depends_on=depends_on),
)
connection = first_run.connection
# Security first: realms, LDAP and anonymous access right after the first run, before any
# repository, so a failure in the registry never leaves a fresh Nexus open.
access = AccessControl("access", settings, connection=connection)
retention = RetentionPolicies("retention", settings, connection=connection)
registry = DockerRegistry(
    "registry", settings, connection, opts=pulumi.ResourceOptions(depends_on=[retention, *access.baseline])
)
access.grant(registry.repositories)  # roles grant the repositories' privileges; users get the roles
backup = DatabaseBackup("backup", settings, connection)  # needs the first run only

pulumi.export("nexusVersion", settings.nexus.version)
pulumi.export("nexusEdition", first_run.edition)
if settings.nexus.accept_eula:  # only where the operator decided it (no `[unknown]` otherwise)
    pulumi.export("eulaAccepted", first_run.eula_accepted)
pulumi.export("uiUrl", settings.ui_url)
pulumi.export("apiUrl", settings.nexus_url)
pulumi.export("registryEndpoints", registry_endpoints(settings))
pulumi.export("dockerTrustCommands", docker_trust_commands(settings))
pulumi.export("repositories", registry.repository_names)
pulumi.export("databaseBackup", backup.summary)
