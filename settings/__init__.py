"""The stack configuration: parsed and validated once, here, into typed models. It builds on
`reach/` only, save the kinds' specs: each object it declares (a repository, a privilege, ...)
is checked with its kind's own spec (in `dynamic_providers/`), so Nexus's rules are written once.

Every other module receives a :class:`StackSettings` (or arguments built from one); nothing else
reads ``pulumi.Config`` and nothing else raises a config error. Keys live under the project
namespace ``nexus-platform:`` and are camelCase in the stack files (``nexus.dataDir``), snake_case
in Python. A bad value fails with a :class:`SettingsError` that names the exact key, before any
resource is registered, so nothing is created.

* :mod:`settings.model`: one model per config section, with the rules of its own keys;
* :mod:`settings.stack`: :class:`StackSettings`, with the rules that span sections;
* :mod:`settings.errors`: :class:`SettingsError` and :class:`SettingsIssue`;
* :mod:`settings.loading`: from the Pulumi runtime, a stack file or a mapping;
* :mod:`settings.reference`: the key table of ``docs/configuration.md`` (``python -m settings``).
"""

from settings.errors import PROJECT, SettingsError, SettingsIssue
from settings.loading import (
    ENCRYPTED,
    load_from_pulumi,
    load_stack_file,
    namespace_config,
    parse_settings,
)
from settings.model import (
    BACKEND_PORT_OFFSET,
    DEFAULT_NOFILE_LIMIT,
    HTTP_PORT,
    HTTPS_PORT,
    MAX_DOCKER_CONNECTORS,
    MIN_STOP_GRACE_SECONDS,
    NEXUS_DEFAULT_BLOB_STORE,
    NEXUS_DEFAULT_REPOSITORIES,
    NEXUS_UI_PORT,
    PULL_ROLE,
    SAFE_PATH,
    STATS_USER,
    AccessSettings,
    CertificateSettings,
    DockerSettings,
    EmailSettings,
    HaproxySettings,
    LdapSettings,
    NexusSettings,
    RepositorySettings,
    RetentionSettings,
    RobotUserSettings,
    S3BlobStoreSettings,
    TeamSettings,
    is_host,
    revealed,
    team_role,
)
from settings.reference import config_reference, config_reference_markdown
from settings.stack import DockerConnectorPort, StackSettings, derive_stats_password

__all__ = [
    "BACKEND_PORT_OFFSET",
    "DEFAULT_NOFILE_LIMIT",
    "ENCRYPTED",
    "HTTPS_PORT",
    "HTTP_PORT",
    "MAX_DOCKER_CONNECTORS",
    "MIN_STOP_GRACE_SECONDS",
    "NEXUS_DEFAULT_BLOB_STORE",
    "NEXUS_DEFAULT_REPOSITORIES",
    "NEXUS_UI_PORT",
    "PROJECT",
    "PULL_ROLE",
    "SAFE_PATH",
    "STATS_USER",
    "AccessSettings",
    "CertificateSettings",
    "DockerConnectorPort",
    "DockerSettings",
    "EmailSettings",
    "HaproxySettings",
    "LdapSettings",
    "NexusSettings",
    "RepositorySettings",
    "RetentionSettings",
    "RobotUserSettings",
    "S3BlobStoreSettings",
    "SettingsError",
    "SettingsIssue",
    "StackSettings",
    "TeamSettings",
    "config_reference",
    "config_reference_markdown",
    "derive_stats_password",
    "is_host",
    "load_from_pulumi",
    "load_stack_file",
    "namespace_config",
    "parse_settings",
    "revealed",
    "team_role",
]
