"""The stack configuration: parsed and validated once, here, into typed models.

Every other module receives a :class:`StackSettings`; nothing else reads ``pulumi.Config``.
Keys live under the project namespace ``nexus-platform:`` and are camelCase in the stack
files (``nexus.dataDir``), snake_case in Python. A bad value fails with a :class:`SettingsError`
that names the exact key, before any resource is registered, so nothing is created.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pulumi.runtime import config as runtime_config
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from dynamic_providers.names import key_path
from dynamic_providers.repositories import RepositorySpec

PROJECT = "nexus-platform"

# Sonatype documents 20 Docker connectors per instance as the supported maximum; above it,
# path-based routing (one Nexus port, HAProxy rewrites to /repository/<name>/) is the alternative.
MAX_DOCKER_CONNECTORS = 20
# The Nexus connector port of a Docker repository is its external (HAProxy) port + 2000, as in the seed.
BACKEND_PORT_OFFSET = 2000
NEXUS_UI_PORT = 8081
#: Sonatype's documented minimum open-file limit for the Nexus process.
DEFAULT_NOFILE_LIMIT = 65536
HTTP_PORT = 80
HTTPS_PORT = 443
# Nexus creates these on its first start (all in the blob store `default`).
NEXUS_DEFAULT_REPOSITORIES = ("maven-central", "maven-public", "maven-releases", "maven-snapshots")
NEXUS_DEFAULT_BLOB_STORE = "default"

# Nexus's name rule for repositories and blob stores, narrowed to lowercase because Docker
# repository names must be lowercase since Nexus 3.89 (and a team name becomes part of them).
_TEAM_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# A pinned release tag such as 3.77.1 or 3.77.1-01 (optionally with a suffix like -java17).
_PINNED_TAG = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z][0-9A-Za-z.]*)*$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
_HEAP = re.compile(r"^\d+[mMgG]$")
# Local (robot) user ids: what `docker login -u` accepts without quoting surprises.
_USER_ID = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$")
# An LDAP group name becomes a Nexus role id: no spaces or slashes (they break the role URL).
_LDAP_GROUP = re.compile(r"^[^\s/\\]{1,255}$")
# The HAProxy stats user: written unquoted into `stats auth user:password`.
STATS_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

Port = Annotated[int, Field(ge=1, le=65535)]


class _Model(BaseModel):
    """Base: camelCase keys, unknown keys rejected (a typo must not be silently ignored)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class NexusSettings(_Model):
    version: str = Field(
        description="Pinned sonatype/nexus3 image tag, e.g. 3.77.1. 'latest' is refused: a versioned "
        "release is what makes a rollback possible."
    )
    image: str = Field("sonatype/nexus3", description="Image repository of Nexus.")
    data_dir: str = Field(
        "/data/nexus-data",
        description="Host directory bind-mounted at /nexus-data; owned by UID 200. The unit of backup.",
    )
    heap: str = Field("2703m", description="JVM heap (-Xms and -Xmx), e.g. 2703m or 4g.")
    max_direct_memory: str = Field("2703m", description="JVM -XX:MaxDirectMemorySize.")
    extra_vm_params: str = Field("", description="Appended to INSTALL4J_ADD_VM_PARAMS.")
    url: str | None = Field(
        None,
        description="Base URL the providers use to reach Nexus. Required when manageServer is false; "
        "defaults to http://127.0.0.1:8081 for a local Docker engine, https://<uiHost>[:<haproxy.httpsPort>] "
        "otherwise.",
    )
    manage_server: bool = Field(
        True,
        description="false = configure an existing Nexus at `url`: no container, certificate or HAProxy.",
    )
    accept_eula: bool = Field(
        False,
        description="Community Edition: accept Sonatype's EULA with the text Nexus returns. "
        "The operator's decision; uploads and downloads stay blocked until it is accepted.",
    )
    adopt_existing: bool = Field(
        False,
        description="Manage objects that already exist in Nexus (same name) instead of failing on create.",
    )
    stop_grace_seconds: int = Field(
        120, ge=120, description="Seconds Docker waits for Nexus to stop cleanly (at least 120)."
    )
    backup_dir: str = Field(
        "/data/nexus-backups", description="Where data-directory snapshots are written before an upgrade."
    )
    keep_snapshots: int = Field(3, ge=1, le=100, description="Snapshots kept; older ones are pruned.")
    manage_tasks: bool = Field(
        True,
        description="Manage the scheduled tasks (blob store compaction, Docker clean-up, database "
        "backup). false = leave tasks to the Nexus UI: the open-source core cannot create tasks over REST.",
    )
    nofile_limit: int = Field(
        DEFAULT_NOFILE_LIMIT,
        ge=1024,
        description="Open-file limit (ulimit nofile) of the Nexus container; 65536 is Sonatype's minimum. "
        "A Docker Engine whose own limit is lower cannot start the container (`error setting rlimit "
        "type 7`): lower it there (sandboxes, some CI runners), never in production.",
    )

    @field_validator("version")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not value or value.strip().lower() == "latest":
            raise ValueError("must be a pinned release tag such as 3.77.1, not 'latest' or empty")
        if not _PINNED_TAG.match(value):
            raise ValueError(f"'{value}' is not a pinned release tag such as 3.77.1 or 3.77.1-01")
        return value

    @field_validator("heap", "max_direct_memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not _HEAP.match(value):
            raise ValueError(f"'{value}' is not a JVM memory size such as 2703m or 4g")
        return value

    @field_validator("data_dir", "backup_dir")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/") or value.rstrip("/") == "":
            raise ValueError(f"'{value}' must be an absolute path other than /")
        return value.rstrip("/")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError(f"'{value}' is not an http(s) URL")
        return value.rstrip("/") if value else value

    @property
    def vm_params(self) -> str:
        params = [
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            f"-XX:MaxDirectMemorySize={self.max_direct_memory}",
            "-Djava.util.prefs.userRoot=/nexus-data/javaprefs",
        ]
        if self.extra_vm_params:
            params.append(self.extra_vm_params)
        return " ".join(params)


class DockerSettings(_Model):
    enabled: bool = Field(
        True,
        description="false = a Maven/raw/npm/PyPI-only Nexus: no Docker repositories, connectors, "
        "DockerToken realm or Docker roles (teams must then be empty). The open-source Nexus core "
        "has no Docker format.",
    )
    pull_port: Port = Field(16000, description="External TLS port of the docker-all group (pull).")
    hub_url: str = Field(
        "https://registry-1.docker.io", description="Remote URL of the docker-hub proxy repository."
    )
    routing: Literal["connector", "path"] = Field(
        "connector",
        description="connector = one Nexus Docker connector per repository (the seed's way); path = "
        "HAProxy routes each external port to /repository/<name>/ on 8081, for more than 20 repositories.",
    )


class TeamSettings(_Model):
    name: str = Field(description="Team name; part of repository, blob store and role names (lowercase).")
    release_port: Port = Field(description="External TLS port of docker-<team>-release (push releases).")
    latest_port: Port = Field(description="External TLS port of docker-<team>-latest (push latest builds).")
    deletion_protection: bool = Field(
        True,
        description="Protect the team's hosted repositories and blob store: removing the team then "
        "fails the preview. Set false and run `pulumi up` first to really delete them.",
    )
    ldap_groups: list[str] = Field(
        default_factory=list,
        description="LDAP groups whose members may push to and pull from this team's repositories "
        "(and pull from docker-all). Staff rotation is then a change in the directory, not here.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _TEAM_NAME.match(value):
            raise ValueError(
                f"'{value}' is not a valid team name: lowercase letters, digits and hyphens, starting "
                "with a letter or digit, at most 40 characters (Docker repository names must be "
                "lowercase since Nexus 3.89)"
            )
        return value

    @property
    def release_repository(self) -> str:
        return f"docker-{self.name}-release"

    @property
    def latest_repository(self) -> str:
        return f"docker-{self.name}-latest"


class HaproxySettings(_Model):
    mode: Literal["container", "host"] = Field(
        "container",
        description="container = official haproxy image next to Nexus; host = the seed's way, HAProxy "
        "installed on the host, files written and reloaded with commands (locally or over SSH).",
    )
    image: str = Field("haproxy:2.8.16", description="Pinned HAProxy image for container mode.")
    config_dir: str = Field("/etc/haproxy", description="Host mode: directory of haproxy.cfg and the PEM.")
    http_port: Port = Field(HTTP_PORT, description="Public HTTP port (redirects to HTTPS).")
    https_port: Port = Field(HTTPS_PORT, description="Public HTTPS port of the Nexus UI.")
    stats_port: Port = Field(8404, description="Stats page port, bound to 127.0.0.1 only.")
    stats_user: str = Field("haproxy-stats", description="Stats page user (its password is a secret).")
    stats_password: SecretStr | None = Field(
        None, description="Stats page password (secret). Generated when unset."
    )
    remove_on_destroy: bool = Field(
        False,
        description="Host mode: `destroy` stops and disables HAProxy and deletes the stack's haproxy.cfg, "
        "PEM (private key) and stats password from the host. false: `destroy` leaves them and says so.",
    )

    @field_validator("stats_user")
    @classmethod
    def _stats_user(cls, value: str) -> str:
        if not STATS_USER.match(value):
            raise ValueError(
                f"'{value}' is not a usable stats user: letters, digits, '.', '_' and '-', starting with "
                "a letter or digit, at most 64 characters"
            )
        return value

    @field_validator("image")
    @classmethod
    def _pinned_image(cls, value: str) -> str:
        tag = value.rsplit(":", 1)[1] if ":" in value.rsplit("/", 1)[-1] else ""
        if not tag or tag == "latest":
            raise ValueError(f"'{value}' must name a pinned tag, e.g. haproxy:2.8.16")
        return value


class CertificateSettings(_Model):
    validity_days: int = Field(
        825,
        ge=1,
        le=3650,
        description="Server certificate validity. 825 days: Apple clients reject longer server "
        "certificates even under a private CA.",
    )
    early_renewal_days: int = Field(
        30, ge=1, description="`pulumi up` renews the server certificate this many days before expiry."
    )
    organization: str = Field("nexus-platform", description="Organization in the CA and server subject.")
    certificate_pem: SecretStr | None = Field(
        None, description="Bring your own: server certificate PEM (skips the generated PKI)."
    )
    chain_pem: SecretStr | None = Field(None, description="Bring your own: intermediate chain PEM.")
    private_key_pem: SecretStr | None = Field(None, description="Bring your own: server private key PEM.")
    ca_pem: str | None = Field(
        None, description="Bring your own: the CA that clients must trust (exported as caPem)."
    )

    @model_validator(mode="after")
    def _early_renewal_within_validity(self) -> CertificateSettings:
        if self.early_renewal_days >= self.validity_days:
            raise ValueError("earlyRenewalDays must be smaller than validityDays")
        return self

    @property
    def bring_your_own(self) -> bool:
        return self.certificate_pem is not None or self.private_key_pem is not None


class LdapSettings(_Model):
    """The directory Nexus authenticates people against (the seed's LDAP dialog, as config)."""

    name: str = Field("ldap", description="Name of the LDAP connection in Nexus.")
    protocol: Literal["ldap", "ldaps"] = Field("ldaps", description="ldaps (TLS) or ldap.")
    host: str = Field(description="LDAP server host name, e.g. ldap.example.com.")
    port: Port | None = Field(None, description="LDAP port; default 636 for ldaps, 389 for ldap.")
    search_base: str = Field(description="Search base DN, e.g. dc=example,dc=com.")
    auth_scheme: Literal["NONE", "SIMPLE", "DIGEST_MD5", "CRAM_MD5"] = Field(
        "SIMPLE", description="How Nexus binds: SIMPLE with bindDn and bindPassword, or NONE (anonymous)."
    )
    bind_dn: str | None = Field(None, description="Bind DN, e.g. uid=nexus,ou=services,dc=example,dc=com.")
    bind_password: SecretStr | None = Field(
        None, description="Bind password (secret; write-only in Nexus). Required unless authScheme is NONE."
    )
    auth_realm: str | None = Field(None, description="SASL realm, for DIGEST_MD5 and CRAM_MD5 only.")
    use_trust_store: bool = Field(
        False,
        description="true = trust the certificates in Nexus's own trust store (add a private CA there); "
        "false = the JVM's default trust store.",
    )
    connection_timeout_seconds: int = Field(30, ge=1, le=3600, description="LDAP connection timeout.")
    connection_retry_delay_seconds: int = Field(
        300, ge=0, description="Wait before retrying a failed server."
    )
    max_incidents_count: int = Field(3, ge=0, description="Retries before the server is blacklisted.")
    user_base_dn: str = Field("ou=people", description="Users' DN relative to searchBase.")
    user_subtree: bool = Field(False, description="Users may be below userBaseDn.")
    user_object_class: str = Field("inetOrgPerson", description="Object class of users.")
    user_ldap_filter: str = Field("", description="Extra LDAP filter for users, e.g. (memberOf=...).")
    user_id_attribute: str = Field("uid", description="Attribute holding the login name.")
    user_real_name_attribute: str = Field("cn", description="Attribute holding the full name.")
    user_email_address_attribute: str = Field("mail", description="Attribute holding the e-mail address.")
    group_type: Literal["static", "dynamic"] = Field(
        "static",
        description="static = groups list their members (groupOfNames); dynamic = users list their "
        "groups (memberOf).",
    )
    group_base_dn: str = Field("ou=groups", description="Groups' DN relative to searchBase (static).")
    group_subtree: bool = Field(False, description="Groups may be below groupBaseDn (static).")
    group_object_class: str = Field("groupOfNames", description="Object class of groups (static).")
    group_id_attribute: str = Field("cn", description="Attribute holding the group name (static).")
    group_member_attribute: str = Field("member", description="Attribute listing members (static).")
    group_member_format: str = Field(
        "${dn}", description="How members are written: ${dn} or ${username} (static)."
    )
    user_member_of_attribute: str = Field(
        "memberOf", description="Attribute listing a user's groups (dynamic)."
    )
    ca_pem: str | None = Field(
        None,
        description="ldaps: the CA that signed the directory's certificate, trusted by the directory "
        "check (default: the system's CAs). Nexus itself trusts its own trust store (useTrustStore).",
    )
    verify: Literal["local", "ssh", "skip"] = Field(
        "local",
        description="Where `pulumi up` checks these settings against the directory before Nexus gets "
        "them: local = from where `up` runs; ssh = through the dockerHost ssh:// target (a directory "
        "reachable only from the Nexus host); skip = not checked (see the README's LDAP section).",
    )

    @property
    def resolved_port(self) -> int:
        return self.port or (636 if self.protocol == "ldaps" else 389)


class RobotUserSettings(_Model):
    """A local Nexus user for machines (CI), with a password kept as a stack secret."""

    user_id: str = Field(description="Login name, e.g. ci-platform.")
    password: SecretStr = Field(description="Password (secret).")
    first_name: str | None = Field(None, description="First name shown in Nexus; default the user id.")
    last_name: str = Field("robot", description="Last name shown in Nexus.")
    email_address: str | None = Field(None, description="E-mail; default <userId>@<domain>.")
    teams: list[str] = Field(
        default_factory=list, description="Teams whose repositories it may push to (and pull from)."
    )
    pull: bool = Field(False, description="May pull from docker-all (implied by teams).")
    roles: list[str] = Field(default_factory=list, description="Other Nexus role ids to grant.")
    enabled: bool = Field(True, description="false = the user exists but is disabled.")

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        if not _USER_ID.match(value) or value in {"admin", "anonymous"}:
            raise ValueError(
                f"'{value}' is not a valid robot user id: letters, digits, '.', '_' and '-', starting "
                "with a letter or digit, at most 64 characters, and not admin or anonymous"
            )
        return value


class AccessSettings(_Model):
    """Who may pull and push: anonymous access, LDAP groups and robot users."""

    anonymous_pull: bool = Field(
        False,
        description="true = anyone may pull from docker-all without logging in (and nothing else); "
        "false (default) = anonymous access is off.",
    )
    pull_ldap_groups: list[str] = Field(
        default_factory=list, description="LDAP groups whose members may pull from docker-all."
    )
    admin_ldap_groups: list[str] = Field(
        default_factory=list, description="LDAP groups whose members are Nexus administrators (nx-admin)."
    )
    robots: list[RobotUserSettings] = Field(
        default_factory=list, description="Local users for machines, e.g. CI pushing images."
    )


class RetentionSettings(_Model):
    """How long images are kept. The Docker clean-up tasks run on every edition regardless."""

    release_days: int | None = Field(
        None,
        ge=1,
        description="Release repositories keep everything by default; a number of days removes "
        "release images published longer ago. Needs Nexus Pro (cleanup policy REST API).",
    )
    latest_days: int | None = Field(
        None,
        ge=1,
        description="Remove images from latest repositories not downloaded for this many days. "
        "Needs Nexus Pro (cleanup policy REST API).",
    )


class RepositorySettings(_Model):
    """A Maven, npm, PyPI or raw repository: the other reasons to run Nexus."""

    name: str = Field(description="Repository name, e.g. maven-central.")
    format: Literal["maven2", "npm", "pypi", "raw"] = Field(description="Repository format.")
    type: Literal["hosted", "proxy", "group"] = Field(description="hosted, proxy or group.")
    blob_store: str = Field(
        "default", description="File blob store (created unless `default`, which Nexus has)."
    )
    remote_url: str | None = Field(None, description="Proxy: the remote repository URL.")
    members: list[str] = Field(
        default_factory=list, description="Group: member repositories, in resolution order."
    )
    write_policy: Literal["ALLOW", "ALLOW_ONCE", "DENY"] | None = Field(
        None, description="Hosted: ALLOW (redeploy), ALLOW_ONCE (default: no redeploy) or DENY."
    )
    version_policy: Literal["RELEASE", "SNAPSHOT", "MIXED"] | None = Field(
        None, description="Maven: RELEASE (default), SNAPSHOT or MIXED."
    )
    deletion_protection: bool = Field(
        True, description="Hosted repositories are protected: removing one fails the preview."
    )
    adopt: bool = Field(
        False,
        description="The repository already exists in Nexus (e.g. Nexus's own maven-releases): manage it "
        "instead of failing. Its blobStore must be the one it has (Nexus cannot move a repository); "
        "`destroy` leaves it in Nexus.",
    )

    def to_spec(self) -> RepositorySpec:
        return RepositorySpec(
            name=self.name,
            format=self.format,
            type=self.type,
            blob_store=self.blob_store,
            remote_url=self.remote_url,
            members=tuple(self.members),
            write_policy=self.write_policy,
            version_policy=self.version_policy,
        )


class StackSettings(_Model):
    domain: str = Field(description="DNS domain; the certificate covers *.<domain> and <domain>.")
    ui_host: str | None = Field(None, description="Host name of the Nexus UI; default nexus.<domain>.")
    admin_password: SecretStr | None = Field(
        None, description="Nexus admin password (secret). Required to configure Nexus."
    )
    docker_host: str = Field(
        "unix:///var/run/docker.sock",
        description="Docker engine running Nexus: the local socket, or ssh://user@host for a remote VM.",
    )
    ssh_private_key: SecretStr | None = Field(
        None,
        description="Private key for ssh:// docker hosts and host-mode HAProxy (secret); "
        "when unset, the SSH agent (SSH_AUTH_SOCK) is used.",
    )
    nexus: NexusSettings = Field(description="The Nexus server: image, data, JVM, or an existing Nexus.")
    docker: DockerSettings = Field(
        default_factory=DockerSettings, description="The Docker registry: pull port, Docker Hub, routing."
    )
    teams: list[TeamSettings] = Field(default_factory=list, description="Teams with their push ports.")
    haproxy: HaproxySettings = Field(default_factory=HaproxySettings, description="TLS front end.")
    certificate: CertificateSettings = Field(
        default_factory=CertificateSettings, description="Server certificate: generated PKI or your own."
    )
    ldap: LdapSettings | None = Field(None, description="LDAP server; unset = local users only.")
    access: AccessSettings = Field(
        default_factory=AccessSettings, description="Anonymous pull, LDAP groups and robot users."
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings, description="How long images are kept."
    )
    repositories: list[RepositorySettings] = Field(
        default_factory=list, description="Maven, npm, PyPI and raw repositories besides the Docker ones."
    )

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not _DOMAIN.match(value):
            raise ValueError(f"'{value}' is not a lowercase DNS domain such as example.com")
        return value

    @field_validator("docker_host")
    @classmethod
    def _docker_host(cls, value: str) -> str:
        if not re.match(r"^(unix:///\S+|ssh://[^@\s/]+@[^\s/:]+(:\d+)?|tcp://\S+)$", value):
            raise ValueError(f"'{value}' must be unix:///path/docker.sock or ssh://user@host[:port]")
        return value

    @property
    def resolved_ui_host(self) -> str:
        return self.ui_host or f"nexus.{self.domain}"

    @property
    def ui_url(self) -> str:
        """The public URL of the UI (through HAProxy), with haproxy.httpsPort unless it is 443."""
        port = self.haproxy.https_port
        return f"https://{self.resolved_ui_host}" + ("" if port == HTTPS_PORT else f":{port}")

    @property
    def is_remote_docker(self) -> bool:
        return not self.docker_host.startswith("unix://")

    @property
    def nexus_url(self) -> str:
        """Where the dynamic providers reach the Nexus REST API."""
        if self.nexus.url:
            return self.nexus.url
        if self.is_remote_docker:
            return self.ui_url
        return f"http://127.0.0.1:{NEXUS_UI_PORT}"

    def server_features(self) -> dict[str, str]:
        """What this stack needs the Nexus server to have, each with the config key that asks for it.

        Feature names are those of :mod:`dynamic_providers.capabilities`; the first run checks
        them against the server before anything is written.
        """
        wanted: dict[str, str] = {}
        if self.docker.enabled:
            wanted["format:docker"] = "docker.enabled"
        for index, repo in enumerate(self.repositories):
            wanted.setdefault(f"format:{repo.format}", f"repositories[{index}].format")
        if self.ldap is not None:
            wanted["ldap"] = "ldap"
        if self.nexus.manage_tasks:
            wanted["task-create"] = "nexus.manageTasks"
        if self.retention.release_days is not None:
            wanted["cleanup-policies"] = "retention.releaseDays"
        elif self.retention.latest_days is not None:
            wanted["cleanup-policies"] = "retention.latestDays"
        return wanted

    @property
    def connectors(self) -> list[DockerConnectorPort]:
        """Every Docker connector: the pull port of docker-all, then per team release and latest."""
        if not self.docker.enabled:
            return []
        ports = [DockerConnectorPort("docker-all", self.docker.pull_port, "docker.pullPort")]
        for index, team in enumerate(self.teams):
            ports.append(
                DockerConnectorPort(team.release_repository, team.release_port, f"teams[{index}].releasePort")
            )
            ports.append(
                DockerConnectorPort(team.latest_repository, team.latest_port, f"teams[{index}].latestPort")
            )
        return ports


@dataclass(frozen=True)
class DockerConnectorPort:
    repository: str
    external_port: int
    key: str  # the config key that set it, for error messages

    @property
    def backend_port(self) -> int:
        return self.external_port + BACKEND_PORT_OFFSET


@dataclass(frozen=True)
class SettingsIssue:
    key: str  # dotted path under the namespace, e.g. teams[1].releasePort
    message: str

    def __str__(self) -> str:
        return f"{PROJECT}:{self.key}: {self.message}"


class SettingsError(ValueError):
    """Invalid stack configuration; lists every problem with its key."""

    def __init__(self, issues: Iterable[SettingsIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"invalid stack configuration ({len(self.issues)} problem(s)):\n{lines}")


def _pydantic_issues(error: ValidationError) -> list[SettingsIssue]:
    issues = []
    for item in error.errors():
        loc = tuple(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required"
        elif item["type"] == "extra_forbidden":
            message = "is not a known key (check the spelling against the README)"
        elif item["type"].startswith(("greater_than", "less_than")):  # bounds only: inputs may be secrets
            message = f"{message} (got {item['input']})"
        issues.append(SettingsIssue(key_path(loc) or "(root)", message))
    return issues


def _repository_issues(settings: StackSettings) -> list[SettingsIssue]:
    """Extra repositories: what Nexus would refuse, found before anything is created."""
    issues: list[SettingsIssue] = []
    taken = {c.repository for c in settings.connectors} | {"docker-hub"}
    formats = {repo.name: repo.format for repo in settings.repositories}
    for index, repo in enumerate(settings.repositories):
        key = f"repositories[{index}]"
        try:
            repo.to_spec()
        except ValidationError as error:
            for item in error.errors():
                field = key_path(tuple(item["loc"])) or "type"
                issues.append(
                    SettingsIssue(
                        f"{key}.{to_camel(field)}" if item["loc"] else key,
                        item["msg"].removeprefix("Value error, "),
                    )
                )
        adopted = repo.adopt or settings.nexus.adopt_existing
        if repo.name in NEXUS_DEFAULT_REPOSITORIES and not adopted:
            issues.append(
                SettingsIssue(
                    f"{key}.name",
                    f"Nexus creates '{repo.name}' on its first start: set {key}.adopt: true to manage "
                    "Nexus's own (in blob store `default`), or choose another name",
                )
            )
        if (
            repo.name in NEXUS_DEFAULT_REPOSITORIES
            and adopted
            and repo.blob_store != NEXUS_DEFAULT_BLOB_STORE
        ):
            issues.append(
                SettingsIssue(
                    f"{key}.blobStore",
                    f"Nexus's own '{repo.name}' is in blob store `default` and Nexus cannot move a "
                    f"repository: adopting it needs blobStore: default (or choose another name)",
                )
            )
        if repo.name.lower() in {name.lower() for name in taken}:
            issues.append(SettingsIssue(f"{key}.name", f"repository '{repo.name}' is already defined"))
        taken.add(repo.name)
        for member in repo.members:
            if formats.get(member) != repo.format:
                issues.append(
                    SettingsIssue(
                        f"{key}.members",
                        f"'{member}' is not a {repo.format} repository of this stack's `repositories`",
                    )
                )
    return issues


def _cross_checks(settings: StackSettings) -> list[SettingsIssue]:
    """Rules that span several keys: unique names, unique ports, connector limits."""
    issues: list[SettingsIssue] = _repository_issues(settings)
    seen_names: dict[str, int] = {}
    for index, team in enumerate(settings.teams):
        if team.name in seen_names:
            issues.append(
                SettingsIssue(
                    f"teams[{index}].name",
                    f"team '{team.name}' is already defined by teams[{seen_names[team.name]}]",
                )
            )
        seen_names.setdefault(team.name, index)

    reserved = {
        settings.haproxy.http_port: "haproxy.httpPort",
        settings.haproxy.https_port: "haproxy.httpsPort",
        NEXUS_UI_PORT: "the Nexus UI port 8081",
        settings.haproxy.stats_port: "haproxy.statsPort",
    }
    taken: dict[int, str] = dict(reserved)
    connectors = settings.connectors
    for connector in connectors:
        for port, what in (
            (connector.external_port, connector.key),
            (connector.backend_port, f"{connector.key} (+{BACKEND_PORT_OFFSET}, its Nexus connector)"),
        ):
            if port > 65535:
                issues.append(
                    SettingsIssue(
                        connector.key,
                        f"port {connector.external_port} is out of range: its Nexus connector port "
                        f"{port} (external + {BACKEND_PORT_OFFSET}) exceeds 65535",
                    )
                )
                continue
            if port in taken:
                issues.append(SettingsIssue(connector.key, f"port {port} is already used by {taken[port]}"))
            else:
                taken[port] = what
    if len(connectors) > MAX_DOCKER_CONNECTORS and settings.docker.routing == "connector":
        issues.append(
            SettingsIssue(
                "teams",
                f"{len(connectors)} Docker connectors configured; Sonatype documents "
                f"{MAX_DOCKER_CONNECTORS} per instance as the limit. Remove teams or set "
                "docker.routing to 'path' (HAProxy routes each port to /repository/<name>/)",
            )
        )
    if not settings.nexus.manage_server and not settings.nexus.url:
        issues.append(SettingsIssue("nexus.url", "is required when nexus.manageServer is false"))
    cert = settings.certificate
    if cert.bring_your_own and (cert.certificate_pem is None or cert.private_key_pem is None):
        issues.append(
            SettingsIssue(
                "certificate",
                "bring-your-own needs both certificate.certificatePem and certificate.privateKeyPem",
            )
        )
    issues.extend(_access_checks(settings))
    issues.extend(_docker_disabled_checks(settings))
    return issues


def _docker_disabled_checks(settings: StackSettings) -> list[SettingsIssue]:
    """Without the Docker registry, nothing may ask for a Docker repository."""
    if settings.docker.enabled:
        return []
    why = "needs the Docker registry, but docker.enabled is false"
    issues: list[SettingsIssue] = []
    if settings.teams:
        issues.append(SettingsIssue("teams", f"must be empty: teams are Docker repositories; {why}"))
    if settings.access.anonymous_pull:
        issues.append(SettingsIssue("access.anonymousPull", f"pulls from docker-all, which {why}"))
    if settings.access.pull_ldap_groups:
        issues.append(SettingsIssue("access.pullLdapGroups", f"pull from docker-all, which {why}"))
    issues.extend(
        SettingsIssue(f"access.robots[{index}].pull", f"pulls from docker-all, which {why}")
        for index, robot in enumerate(settings.access.robots)
        if robot.pull
    )
    for key, days in (
        ("retention.releaseDays", settings.retention.release_days),
        ("retention.latestDays", settings.retention.latest_days),
    ):
        if days is not None:
            issues.append(SettingsIssue(key, f"is a Docker image retention; {why}"))
    return issues


def _access_checks(settings: StackSettings) -> list[SettingsIssue]:
    """LDAP groups need an LDAP server; robots name existing teams; user ids are unique."""
    issues: list[SettingsIssue] = []
    ldap = settings.ldap
    if ldap is not None:
        if ldap.auth_scheme != "NONE" and (not ldap.bind_dn or ldap.bind_password is None):
            issues.append(
                SettingsIssue(
                    "ldap.bindPassword", f"bindDn and bindPassword are required for {ldap.auth_scheme}"
                )
            )
        if ldap.auth_scheme in ("DIGEST_MD5", "CRAM_MD5") and not ldap.auth_realm:
            issues.append(SettingsIssue("ldap.authRealm", f"is required for {ldap.auth_scheme}"))
        if ldap.verify == "ssh" and not settings.docker_host.startswith("ssh://"):
            issues.append(
                SettingsIssue("ldap.verify", "ssh needs dockerHost ssh://user@host (the host to check from)")
            )
    group_keys = [
        *((f"teams[{i}].ldapGroups", team.ldap_groups) for i, team in enumerate(settings.teams)),
        ("access.pullLdapGroups", settings.access.pull_ldap_groups),
        ("access.adminLdapGroups", settings.access.admin_ldap_groups),
    ]
    for key, groups in group_keys:
        if groups and ldap is None:
            issues.append(SettingsIssue(key, "names LDAP groups but no ldap server is configured (key ldap)"))
        issues.extend(
            SettingsIssue(key, f"'{group}' is not a usable LDAP group name (no spaces or slashes)")
            for group in groups
            if not _LDAP_GROUP.match(group)
        )
    team_names = {team.name for team in settings.teams}
    seen: dict[str, int] = {}
    for index, robot in enumerate(settings.access.robots):
        key = f"access.robots[{index}]"
        if robot.user_id in seen:
            issues.append(
                SettingsIssue(
                    f"{key}.userId",
                    f"'{robot.user_id}' is already defined by access.robots[{seen[robot.user_id]}]",
                )
            )
        seen.setdefault(robot.user_id, index)
        issues.extend(
            SettingsIssue(f"{key}.teams", f"'{team}' is not a team defined under teams")
            for team in robot.teams
            if team not in team_names
        )
        if not (robot.teams or robot.pull or robot.roles):
            issues.append(SettingsIssue(key, "grants nothing: set teams, pull: true or roles"))
    return issues


def parse_settings(raw: Mapping[str, Any]) -> StackSettings:
    """Validate the un-namespaced config mapping (``{"domain": ..., "nexus": {...}}``)."""
    try:
        settings = StackSettings.model_validate(dict(raw))
    except ValidationError as error:
        raise SettingsError(_pydantic_issues(error)) from None
    issues = _cross_checks(settings)
    if issues:
        raise SettingsError(issues)
    return settings


def _decode(value: Any) -> Any:
    """Pulumi hands structured config over as JSON text; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def namespace_config(config: Mapping[str, Any], namespace: str = PROJECT) -> dict[str, Any]:
    """Keep the keys of one namespace, without the prefix, decoded."""
    prefix = f"{namespace}:"
    return {key[len(prefix) :]: _decode(value) for key, value in config.items() if key.startswith(prefix)}


class _EncryptedPlaceholder(str):
    """Marks a `secure:` value read from a stack file without its passphrase."""


ENCRYPTED = "(encrypted)"  # what a `secure:` value reads as from a stack file without the engine


def _replace_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return _EncryptedPlaceholder(ENCRYPTED)
        return {key: _replace_secure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_secure(item) for item in value]
    return value


def load_stack_file(path: Path) -> StackSettings:
    """Parse a Pulumi.<stack>.yaml without the engine; encrypted values become placeholders."""
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise SettingsError([SettingsIssue("(root)", f"{path.name}: 'config' must be a mapping")])
    return parse_settings(_replace_secure(namespace_config(config)))


def load_from_pulumi() -> StackSettings:
    """Read the stack's config through the Pulumi runtime (inside `pulumi up`/`preview`)."""
    raw: dict[str, Any] = {}
    raw.update(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    return parse_settings(namespace_config(raw))


def _type_name(annotation: Any) -> str:
    """A reader's name for a field type: str, int, bool, secret, list of ..., 'a' / 'b'."""
    origin = get_origin(annotation)
    args = [a for a in get_args(annotation) if a is not type(None)]
    if origin is Literal:
        return " / ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if args and origin is not None and len(args) == 1:  # X | None
        return _type_name(args[0])
    if annotation is SecretStr:
        return "secret"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    return getattr(annotation, "__name__", str(annotation))


def config_reference(
    model: type[BaseModel] = StackSettings, prefix: str = ""
) -> list[tuple[str, str, str, str]]:
    """(key, type, default, description) of every config key, nested keys dotted, lists as [].

    The README's configuration table is generated from this, so it cannot drift from the model.
    """
    rows: list[tuple[str, str, str, str]] = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or to_camel(name)}"
        annotation = info.annotation
        nested = _nested_model(annotation)
        if info.is_required():
            default = "required"
        elif info.default_factory is not None:
            default = "" if nested else json.dumps(info.default_factory())  # type: ignore[call-arg]
        else:
            default = "" if info.default is None else json.dumps(info.default)
        rows.append((key, _type_name(annotation), default, info.description or ""))
        if nested is not None:
            is_list = "list[" in str(annotation)
            rows.extend(config_reference(nested, f"{key}[]." if is_list else f"{key}."))
    return rows


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation, *getattr(annotation, "__args__", ())]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def config_reference_markdown() -> str:
    lines = ["| key (`nexus-platform:` ...) | type | default | what it is |", "|---|---|---|---|"]
    for key, type_name, default, description in config_reference():
        cell = description.replace("|", "\\|")
        lines.append(f"| `{key}` | {type_name} | {default} | {cell} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(config_reference_markdown(), end="")
