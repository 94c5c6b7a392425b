"""nexus-platform: wires the validated stack config to the components and the stack outputs.

Everything else lives elsewhere: the config and every rule on it in settings/, parts of the
system in components/, Nexus objects in dynamic_providers/.
"""

from __future__ import annotations

import pulumi

from components import shutdown
from components.access import AccessArgs, AccessControl
from components.backup import DatabaseBackup, DatabaseBackupArgs
from components.endpoints import docker_trust_commands, registry_endpoints
from components.first_run import FirstRun, FirstRunArgs
from components.layout_policy import RetentionArgs, RetentionPolicies
from components.mail import Mail, MailArgs
from components.outputs import export
from components.registry import DockerRegistry, DockerRegistryArgs
from settings import load_from_pulumi

# A failed `up` reads as one line per error, also when the engine stops a registration in flight.
shutdown.install()

# Every config rule runs here: a config error names each bad key before anything is created (its
# message alone, no traceback).
with shutdown.own_errors_as_run_error():
    settings = load_from_pulumi(deployment=True)

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
    haproxy = Haproxy.in_front_of("haproxy", HaproxyArgs.from_settings(settings), pki, nexus)
    ca_pem = pki.ca_pem
    server_revision = nexus.container_id  # a new container (upgrade) is waited for again
    depends_on = [nexus, haproxy]
    export("caPem", pki.ca_pem)
    export("nexusImage", nexus.repo_digest)
    export("haproxyConfigPath", haproxy.config_path)
    # The stats page's password (generated unless haproxy.statsPassword is set): a secret output,
    # read with `pulumi stack output haproxyStatsPassword --show-secrets`.
    export("haproxyStatsPassword", haproxy.stats_password)
    # Read by scripts/upgrade and scripts/rollback: what runs now, and the data taken before it.
    export("deployedVersion", nexus.deployed_version)
    export("lastSnapshot", nexus.last_snapshot)
    export("snapshotDir", settings.nexus.backup_dir)

# The directory agrees with the ldap settings before anything is written to Nexus (ldap.verify).
if settings.ldap is not None and settings.ldap.verify != "skip":
    from operations.ldap_step import LdapDirectoryCheck  # ldap3: only when it is used

    depends_on = [*depends_on, LdapDirectoryCheck("ldap-directory-check", settings)]

# Every Nexus call waits for the first run: Nexus writable, admin password taken over, EULA.
first_run = FirstRun(
    "first-run",
    FirstRunArgs.from_settings(settings),
    server_revision=server_revision,
    ca_pem=ca_pem if settings.nexus_url.startswith("https://") else None,
    opts=pulumi.ResourceOptions(depends_on=depends_on),
)
connection = first_run.connection
# Security first: realms, LDAP and anonymous access right after the first run, before any
# repository, so a failure in the registry never leaves a fresh Nexus open.
access = AccessControl("access", AccessArgs.from_settings(settings), connection=connection)
retention = RetentionPolicies("retention", RetentionArgs.from_settings(settings), connection=connection)
registry = DockerRegistry(
    "registry",
    DockerRegistryArgs.from_settings(settings),
    connection,
    repositories_after=[retention, *access.baseline],
)
access.grant(registry.repositories)  # roles grant the repositories' privileges; users get the roles
if settings.email is not None:  # unset: Nexus's mail settings are not the stack's
    Mail("mail", MailArgs.from_settings(settings), connection=connection)
backup = DatabaseBackup("backup", DatabaseBackupArgs.from_settings(settings), connection)  # first run only

export("nexusVersion", settings.nexus.version)
export("nexusEdition", first_run.edition)
if settings.nexus.accept_eula:  # only where the operator decided it (no `[unknown]` otherwise)
    export("eulaAccepted", first_run.eula_accepted)
export("uiUrl", settings.ui_url)
export("apiUrl", settings.nexus_url)
if settings.docker.enabled:  # a Maven/raw-only Nexus has no registry port to advertise or trust
    export("registryEndpoints", registry_endpoints(settings))
    export("dockerTrustCommands", docker_trust_commands(settings))
export("repositories", registry.repository_names)
export("databaseBackup", backup.summary)
