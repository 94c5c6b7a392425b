"""The parts of the stack configuration: one pydantic model per config section.

Each model carries the rules of its own keys (``field_validator``/``model_validator``); the rules
that span sections live on :class:`settings.stack.StackSettings`. Keys are camelCase in the stack
files (``nexus.dataDir``), snake_case in Python; unknown keys are refused.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic.alias_generators import to_camel

from dynamic_providers.content_selectors import ContentSelectorSpec
from dynamic_providers.email_server import EmailServerProvider, EmailServerSpec, check_address
from dynamic_providers.http_settings import HttpSettingsSpec
from dynamic_providers.privileges import NAME_PATTERN, PrivilegeSpec, PrivilegeType, type_field_issues
from dynamic_providers.repositories import OtherFormat, RepositorySpec, format_feature
from dynamic_providers.roles import RoleSpec
from dynamic_providers.routing_rules import RoutingRuleSpec
from dynamic_providers.s3_blob_stores import DEFAULT_EXPIRATION_DAYS, S3BlobStoreSpec
from dynamic_providers.truststore import TrustedCertificateSpec
from reach.names import BLOB_STORE_NAME_LIMIT, ID_LIMIT, FieldRuleError, check_length, check_name
from settings.errors import SettingsError, SettingsIssue

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
#: Docker's stop timeout below which Nexus may be killed before its database is closed.
MIN_STOP_GRACE_SECONDS = 120
#: Role ids this stack defines: pull from docker-all, and per team push (see TeamSettings.push_role).
PULL_ROLE = "docker-pull"
#: Prefix of the role ids Nexus itself defines (nx-admin, nx-anonymous, ...).
NEXUS_ROLE_PREFIX = "nx-"

# Nexus's name rule for repositories and blob stores, narrowed to lowercase because Docker
# repository names must be lowercase since Nexus 3.89 (and a team name becomes part of them).
_TEAM_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# A pinned release tag such as 3.77.1 or 3.77.1-01 (optionally with a suffix like -java17).
_PINNED_TAG = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z][0-9A-Za-z.]*)*$")
_HEAP = re.compile(r"^\d+[mMgG]$")
# Local (robot) user ids: what `docker login -u` accepts without quoting surprises; the HAProxy
# stats user follows the same rule (written unquoted into `stats auth user:password`).
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# An LDAP group name becomes a Nexus role id: no spaces or slashes (they break the role URL).
LDAP_GROUP = re.compile(r"^[^\s/\\]{1,255}$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
# A host path written into haproxy.cfg and shell commands: no spaces, quotes or dot segments.
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/@+-]+$")
STATS_USER = USER_NAME

Port = Annotated[int, Field(ge=1, le=65535)]


def revealed(secret: SecretStr | None) -> str | None:
    """The plain text of a secret setting (None when unset), for the one place that passes it on."""
    return secret.get_secret_value() if secret is not None else None


def is_host(value: str) -> bool:
    """A DNS name or an IP address (what HAProxy and certificates accept as a host)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return bool(HOST_NAME.match(value))
    return True


def require_whole_login(
    what: str,
    username: tuple[str, str | None],
    password: tuple[str, SecretStr | None],
    ntlm: tuple[tuple[str, str | None], tuple[str, str | None]] | None = None,
) -> None:
    """A login comes whole: a username with its password, and NTLM's host with its domain and a
    login. Each pair is (config key, value); the error names the key that is missing."""
    (user_key, user), (password_key, secret) = username, password
    if user and secret is None:
        raise FieldRuleError(password_key, f"is required with {user_key} ({what})")
    if secret is not None and not user:
        raise FieldRuleError(user_key, f"is required with {password_key} ({what})")
    if ntlm is not None:
        (host_key, host), (domain_key, domain) = ntlm
        if bool(host) != bool(domain):
            raise FieldRuleError(
                domain_key if host else host_key, f"NTLM needs both {host_key} and {domain_key}"
            )
        if host and not user:
            raise FieldRuleError(user_key, f"NTLM needs {user_key} and {password_key}")


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
        MIN_STOP_GRACE_SECONDS,
        ge=MIN_STOP_GRACE_SECONDS,
        description="Seconds Docker waits for Nexus to stop cleanly (at least 120).",
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
        "type 7`; `up` checks it first and names both numbers): lower it there (sandboxes, some CI "
        "runners), never in production.",
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
    hub_routing_rule: str | None = Field(
        None,
        description="Routing rule of the docker-hub proxy: a name of `routingRules`, e.g. one that allows "
        "only library/ and named organisations.",
    )
    hub_username: str | None = Field(
        None,
        description="Docker Hub account the docker-hub proxy logs in with (Docker Hub limits anonymous "
        "pulls more); with hubPassword.",
    )
    hub_password: SecretStr | None = Field(
        None,
        description="Its password or access token (a stack secret: `pulumi config set --secret --path "
        "'nexus-platform:docker.hubPassword'`); write-only in Nexus.",
    )
    hub_use_trust_store: bool = Field(
        False,
        description="The docker-hub proxy trusts the certificates of Nexus's trust store "
        "(`trustedCertificates`), e.g. for a hubUrl mirror signed by a private CA.",
    )
    shared_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="External TLS port of docker-shared, a hosted repository all teams push to, each "
        "only under its own <team>/ image names (a content selector per team). Needs routing: path.",
    )
    routing: Literal["connector", "path"] = Field(
        "connector",
        description="connector = one Nexus Docker connector per repository (the seed's way); path = "
        "HAProxy routes each external port to /repository/<name>/ on 8081, for more than 20 repositories.",
    )

    @model_validator(mode="after")
    def _hub_login_whole(self) -> DockerSettings:
        login = ("hubUsername", self.hub_username), ("hubPassword", self.hub_password)
        require_whole_login("the Docker Hub login", *login)
        return self


def team_role(team: str) -> str:
    return f"docker-{team}-push"


#: The hosted Docker repository all teams push to, each under its own <team>/ (docker.sharedPort).
SHARED_DOCKER_REPOSITORY = "docker-shared"


def team_paths_name(repository: str, team: str) -> str:
    """The name of the content selector, and of the privilege over it, that give a team its own
    path of a shared repository (``repositories[].teamPaths``, ``docker.sharedPort``)."""
    return f"{repository}-{team}-paths"


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
    blob_store: str | None = Field(
        None,
        description="A name of `s3BlobStores`: the team's repositories keep their content in that "
        "S3 bucket. Unset: the file blob store docker-<team> on the Nexus host.",
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

    @property
    def push_role(self) -> str:
        """The role that may push to and pull from the team's repositories."""
        return team_role(self.name)


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

    @field_validator("config_dir")
    @classmethod
    def _safe_dir(cls, value: str) -> str:
        if not SAFE_PATH.match(value) or "/../" in f"{value}/" or value.rstrip("/") == "":
            raise ValueError(
                f"'{value}' must be an absolute path other than / without spaces, quotes or '..'"
            )
        return value

    @field_validator("stats_password")
    @classmethod
    def _single_line(cls, value: SecretStr | None) -> SecretStr | None:
        text = value.get_secret_value() if value is not None else None
        if text is not None and (not text or "\n" in text or "\r" in text):
            raise ValueError("must be a non-empty single line")
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

    name: str = Field("ldap", min_length=1, description="Name of the LDAP connection in Nexus.")
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
        "reachable only from the Nexus host); skip = not checked (see the LDAP section of "
        "docs/architecture.md).",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        # unconfirmed: LDAP is not in the core; the provider (dynamic_providers/ldap.py) takes 200.
        return check_length(value, ID_LIMIT)

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

    @field_validator("first_name", "last_name", "email_address")
    @classmethod
    def _stored(cls, value: str | None) -> str | None:
        return value if value is None else check_length(value, ID_LIMIT)

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        if not USER_NAME.match(value) or value in {"admin", "anonymous"}:
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
    """A repository of any format but Docker (Maven, npm, PyPI, raw, apt, Helm, ...): the other
    reasons to run Nexus."""

    name: str = Field(description="Repository name, e.g. maven-central.")
    format: OtherFormat = Field(
        description="Repository format. The open-source core has maven2, raw and apt; the others need "
        "Nexus Community or Pro (docs/kinds/repositories.md lists each format's types and fields)."
    )
    type: Literal["hosted", "proxy", "group"] = Field(description="hosted, proxy or group.")
    blob_store: str = Field(
        "default",
        description="Blob store: a name of `s3BlobStores`, or a file blob store (created unless "
        "`default`, which Nexus has).",
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
    routing_rule: str | None = Field(
        None,
        description="Proxy: the routing rule that allows or blocks its paths (a name of `routingRules`).",
    )
    remote_username: str | None = Field(
        None, description="Proxy: the account it logs in to the remote with; with remotePassword."
    )
    remote_password: SecretStr | None = Field(
        None,
        description="Proxy: its password (a stack secret: `pulumi config set --secret --path "
        "'nexus-platform:repositories[<i>].remotePassword'`); write-only in Nexus.",
    )
    remote_ntlm_host: str | None = Field(
        None, description="Proxy: NTLM instead of basic authentication, with remoteNtlmDomain."
    )
    remote_ntlm_domain: str | None = Field(None, description="Proxy: the Windows domain of NTLM.")
    use_trust_store: bool = Field(
        False,
        description="Proxy: trust the certificates of Nexus's trust store (`trustedCertificates`) for "
        "the remote, e.g. one signed by a private CA.",
    )
    # Format fields: each refused, naming it, where it does not apply (FORMATS in
    # dynamic_providers/repositories.py says where each does).
    distribution: str | None = Field(
        None, description="apt hosted and proxy (required): the distribution, e.g. bookworm."
    )
    flat: bool | None = Field(None, description="apt proxy: the remote is a flat repository (default false).")
    signing_key: SecretStr | None = Field(
        None,
        description="apt hosted (required), yum proxy and group: the GPG keypair that signs the metadata, "
        "ASCII-armoured (gpg --export-secret-keys --armor); secret, write-only.",
    )
    signing_passphrase: SecretStr | None = Field(
        None, description="The signingKey's passphrase, if it has one; secret, write-only."
    )
    repodata_depth: int | None = Field(
        None, description="yum hosted: the directory depth of the repodata (0-5, default 0)."
    )
    deploy_policy: Literal["STRICT", "PERMISSIVE"] | None = Field(
        None, description="yum hosted: STRICT (default) or PERMISSIVE paths for uploaded RPMs."
    )
    nuget_version: Literal["V2", "V3"] | None = Field(
        None, description="nuget proxy: the API of the remote (default V3)."
    )
    query_cache_item_max_age: int | None = Field(
        None, description="nuget proxy: seconds a cached query result is kept (default 3600)."
    )
    require_authentication: bool | None = Field(
        None, description="cargo proxy and group: clients must authenticate (default false)."
    )
    conan_version: Literal["V1", "V2"] | None = Field(
        None, description="conan proxy: the remote's protocol (default V1)."
    )
    team_paths: bool = Field(
        False,
        description="Hosted raw or maven2: each team's push role may add and change content only under "
        "/<team>/ here (raw: that folder; maven2: groupId <team> and its children, e.g. <team>.tools), "
        "through a content selector and a privilege per team (docs/architecture.md, Permissions).",
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

    @field_validator("blob_store")
    @classmethod
    def _blob_store(cls, value: str) -> str:
        return check_name(value, max_length=BLOB_STORE_NAME_LIMIT)

    @model_validator(mode="after")
    def _login_whole(self) -> RepositorySettings:
        """A proxy's login comes whole (checked here, not in the spec: a login changed in the UI
        must read back as drift)."""
        require_whole_login(
            "the remote's login",
            ("remoteUsername", self.remote_username),
            ("remotePassword", self.remote_password),
            (("remoteNtlmHost", self.remote_ntlm_host), ("remoteNtlmDomain", self.remote_ntlm_domain)),
        )
        return self

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
            routing_rule=self.routing_rule,
            remote_username=self.remote_username,
            remote_password=revealed(self.remote_password),
            remote_ntlm_host=self.remote_ntlm_host,
            remote_ntlm_domain=self.remote_ntlm_domain,
            use_trust_store=self.use_trust_store,
            distribution=self.distribution,
            flat=self.flat,
            signing_key=revealed(self.signing_key),
            signing_passphrase=revealed(self.signing_passphrase),
            repodata_depth=self.repodata_depth,
            deploy_policy=self.deploy_policy,
            nuget_version=self.nuget_version,
            query_cache_item_max_age=self.query_cache_item_max_age,
            require_authentication=self.require_authentication,
            conan_version=self.conan_version,
        )

    @property
    def server_feature(self) -> str | None:
        """What the server shows when it has this format (None: only a create can tell)."""
        return format_feature(self.format)


class RoutingRuleSettings(_Model):
    """A routing rule: which request paths the proxies that name it may fetch from their remote."""

    name: str = Field(description="Rule name, e.g. docker-hub-library.")
    description: str = Field("", description="What the rule is for.")
    mode: Literal["BLOCK", "ALLOW"] = Field(
        description="BLOCK = refuse the paths any matcher matches; ALLOW = refuse every other path."
    )
    matchers: list[str] = Field(
        description="Regular expressions over the request path, e.g. ^/v2/library/.* for Docker Hub's "
        "official images."
    )

    def to_spec(self) -> RoutingRuleSpec:
        return RoutingRuleSpec(
            name=self.name, description=self.description, mode=self.mode, matchers=tuple(self.matchers)
        )


class S3BlobStoreSettings(_Model):
    """An S3 blob store: repositories' content in an S3 (or S3-compatible) bucket, not on the host."""

    bucket: str = Field(description="Bucket name (it must exist, or Nexus must be allowed to create it).")
    region: str = Field("us-east-1", description="The bucket's region.")
    prefix: str = Field("", description="Key prefix of every object Nexus writes (a store per prefix).")
    expiration_days: int = Field(
        DEFAULT_EXPIRATION_DAYS,
        ge=-1,
        description="Days a deleted blob stays in the bucket before Nexus's lifecycle rule removes it "
        "(-1: never removed by Nexus).",
    )
    endpoint: str = Field(
        "", description="URL of an S3-compatible server (http(s)://host:port); empty for AWS itself."
    )
    force_path_style: bool = Field(
        False, description="Path-style requests (host/bucket/key): what most S3-compatible servers need."
    )
    access_key_id: str = Field(
        "", description="Access key id; empty (with the secret) = the AWS credentials of Nexus's host."
    )
    secret_access_key: SecretStr | None = Field(
        None,
        description="Secret access key (a stack secret: `pulumi config set --secret --path "
        "'nexus-platform:s3BlobStores.<name>.secretAccessKey'`); write-only in Nexus.",
    )
    soft_quota_type: Literal["spaceRemainingQuota", "spaceUsedQuota"] | None = Field(
        None, description="Soft quota type (a warning, not a limit), with softQuotaLimitBytes."
    )
    soft_quota_limit_bytes: int | None = Field(None, ge=1, description="Soft quota limit, in bytes.")

    def to_spec(self, name: str) -> S3BlobStoreSpec:
        return S3BlobStoreSpec(
            name=name,
            bucket=self.bucket,
            region=self.region,
            prefix=self.prefix,
            expiration_days=self.expiration_days,
            endpoint=self.endpoint,
            force_path_style=self.force_path_style,
            access_key_id=self.access_key_id,
            secret_access_key=revealed(self.secret_access_key) or "",
            soft_quota_type=self.soft_quota_type,
            soft_quota_limit_bytes=self.soft_quota_limit_bytes,
        )


class EmailSettings(_Model):
    """The SMTP server Nexus sends its mail through (password resets, task alerts)."""

    enabled: bool = Field(True, description="false = the settings are kept in Nexus but no mail is sent.")
    host: str = Field(description="SMTP server host name, e.g. smtp.example.com.")
    port: Port = Field(25, description="SMTP port: 25, 587 (STARTTLS) or 465 (SSL on connect).")
    username: str = Field("", description="SMTP user; empty = no authentication.")
    password: SecretStr | None = Field(
        None,
        description="SMTP password (a stack secret: `pulumi config set --secret --path "
        "'nexus-platform:email.password'`); write-only in Nexus.",
    )
    from_address: str = Field(description="Sender of Nexus's mail, e.g. nexus@example.com.")
    subject_prefix: str = Field("", description="Put before every subject, e.g. [nexus].")
    start_tls_enabled: bool = Field(False, description="Use STARTTLS when the server offers it.")
    start_tls_required: bool = Field(False, description="Refuse a server without STARTTLS.")
    ssl_on_connect_enabled: bool = Field(False, description="TLS from the first byte (port 465).")
    ssl_server_identity_check_enabled: bool = Field(
        False, description="Check that the server's certificate names the host."
    )
    use_trust_store: bool = Field(
        False, description="Trust the certificates of Nexus's own trust store (a private CA)."
    )
    verify_to: str | None = Field(
        None,
        description="Nexus sends a test mail here each time `up` changes these settings (never on "
        "a preview, a refresh or an `up` with no change); a failed send fails the `up` naming this "
        "key, with the settings already written. Unset = no test mail.",
    )

    @field_validator("from_address", "verify_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return value if value is None else check_address(value)

    @model_validator(mode="after")
    def _as_nexus_takes_it(self) -> EmailSettings:
        # The kind's own rules (one place), keyed like the stack file.
        problems = EmailServerProvider().validate_extra(self.to_spec())
        if problems:
            raise SettingsError(
                SettingsIssue(f"email.{to_camel(field)}", reason) for field, reason in problems
            )
        return self

    def to_spec(self) -> EmailServerSpec:
        return EmailServerSpec(
            enabled=self.enabled,
            host=self.host,
            port=self.port,
            username=self.username,
            password=revealed(self.password),
            from_address=self.from_address,
            subject_prefix=self.subject_prefix,
            start_tls_enabled=self.start_tls_enabled,
            start_tls_required=self.start_tls_required,
            ssl_on_connect_enabled=self.ssl_on_connect_enabled,
            ssl_server_identity_check_enabled=self.ssl_server_identity_check_enabled,
            use_trust_store=self.use_trust_store,
            verify_to=self.verify_to,
        )


class TrustedCertificateSettings(_Model):
    """A certificate Nexus trusts for its outbound connections (its SSL trust store)."""

    name: str = Field(
        description="A name for it in the stack, e.g. upstream-ca (Nexus keys it by fingerprint)."
    )
    pem: str = Field(
        description="The certificate in PEM form, e.g. the CA that signed an upstream's server certificate; "
        "proxies with useTrustStore (and docker.hubUseTrustStore) trust it."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value)  # part of the resource's name

    def to_spec(self) -> TrustedCertificateSpec:
        return TrustedCertificateSpec(pem=self.pem)


class ProxyServerSettings(_Model):
    """One proxy server Nexus goes through to reach remotes, and its login."""

    host: str = Field(description="Proxy host name or IP address, e.g. proxy.example.com.")
    port: Port = Field(description="Proxy port, e.g. 3128.")
    username: str | None = Field(None, description="Login to the proxy; with password.")
    password: SecretStr | None = Field(
        None,
        description="Its password (a stack secret: `pulumi config set --secret --path "
        "'nexus-platform:httpProxy.http.password'`); write-only in Nexus.",
    )
    ntlm_host: str | None = Field(None, description="NTLM instead of basic authentication, with ntlmDomain.")
    ntlm_domain: str | None = Field(None, description="The Windows domain of NTLM.")

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not is_host(value):
            raise ValueError(f"'{value}' is not a DNS name or an IP address")
        return value

    @model_validator(mode="after")
    def _login_whole(self) -> ProxyServerSettings:
        require_whole_login(
            "the proxy's login",
            ("username", self.username),
            ("password", self.password),
            (("ntlmHost", self.ntlm_host), ("ntlmDomain", self.ntlm_domain)),
        )
        return self

    def spec_fields(self, scheme: str) -> dict[str, object]:
        """The HTTP settings' fields of this server (``http_proxy_host``, ...)."""
        return {
            f"{scheme}_proxy_host": self.host,
            f"{scheme}_proxy_port": self.port,
            f"{scheme}_proxy_username": self.username,
            f"{scheme}_proxy_password": revealed(self.password),
            f"{scheme}_proxy_ntlm_host": self.ntlm_host,
            f"{scheme}_proxy_ntlm_domain": self.ntlm_domain,
        }


class HttpProxySettings(_Model):
    """The proxy servers Nexus goes through for its outbound HTTP(S) (`/v1/http`, Nexus Pro)."""

    http: ProxyServerSettings | None = Field(None, description="The proxy for http:// remotes.")
    https: ProxyServerSettings | None = Field(
        None, description="The proxy for https:// remotes (unset: https goes direct)."
    )
    non_proxy_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts reached directly, e.g. localhost or *.example.com (Nexus keeps a set).",
    )

    @model_validator(mode="after")
    def _a_server(self) -> HttpProxySettings:
        if self.http is None and self.https is None:
            raise FieldRuleError("http", "set http, https or both (the proxy servers)")
        return self

    def to_spec(self) -> HttpSettingsSpec:
        servers = {
            **(self.http.spec_fields("http") if self.http else {}),
            **(self.https.spec_fields("https") if self.https else {}),
        }
        return HttpSettingsSpec.model_validate({**servers, "non_proxy_hosts": self.non_proxy_hosts})


class ContentSelectorSettings(_Model):
    """A content selector: which paths of which formats a repository-content-selector privilege covers."""

    name: str = Field(description="Selector name: letters, digits, '_', '-' and '.', e.g. team-a-raw.")
    description: str = Field("", description="What it selects.")
    expression: str = Field(
        description='A CSEL expression over format and path, e.g. format == "raw" and path =^ "/team-a/".'
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError(
                f"'{value}' is not a valid selector name: letters, digits, '_', '-' and '.', not starting "
                "with '_' or '.'"
            )
        return check_length(value)

    @field_validator("expression")
    @classmethod
    def _expression(cls, value: str) -> str:
        # The shape only (Nexus parses the rest and its refusal names the selector).
        problem = csel_shape_problem(value)
        if problem:
            raise ValueError(f"is not a CSEL expression: {problem}")
        return value

    def to_spec(self) -> ContentSelectorSpec:
        return ContentSelectorSpec(name=self.name, description=self.description, expression=self.expression)


def csel_shape_problem(expression: str) -> str:
    """Why ``expression`` cannot be CSEL ("" when its shape is fine): empty, an unclosed quote,
    unbalanced parentheses, no comparison, or a name other than format and path."""
    if not expression.strip():
        return "it is empty"
    outside = re.sub(r'"[^"]*"|\'[^\']*\'', " 0 ", expression)
    if '"' in outside or "'" in outside:
        return "a quote is not closed"
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        return "its parentheses do not pair up"
    if not re.search(r"==|!=|=\^|=~", outside):
        return "it compares nothing (==, !=, =^ or =~)"
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", outside)) - {"and", "or", "format", "path"}
    if names:
        return f"{', '.join(sorted(names))}: Nexus knows only format and path"
    return ""


class PrivilegeSettings(_Model):
    """A privilege of any type; the fields are those of its type (docs/kinds/privileges.md)."""

    name: str = Field(description="Privilege name: letters, digits, '_', '-' and '.', not nx-.")
    description: str = Field("", description="What it grants.")
    type: PrivilegeType = Field(
        description="application, repository-admin, repository-content-selector, repository-view, script "
        "or wildcard."
    )
    actions: list[str] = Field(
        default_factory=list,
        description="All but wildcard: BROWSE, READ, EDIT, ADD, DELETE, ALL (application: not BROWSE; "
        "also START, STOP, ASSOCIATE, DISASSOCIATE; script: also RUN).",
    )
    format: str | None = Field(None, description="Repository types: a repository format or *.")
    repository: str | None = Field(None, description="Repository types: a repository name or *.")
    content_selector: str | None = Field(
        None, description="repository-content-selector: a name of `contentSelectors`."
    )
    domain: str | None = Field(None, description="application: e.g. blobstores, users, or *.")
    script_name: str | None = Field(None, description="script: a script's name.")
    pattern: str | None = Field(
        None, description="wildcard: a permission, e.g. nexus:repository-view:raw:*:read."
    )

    def to_spec(self) -> PrivilegeSpec:
        return PrivilegeSpec(**self.model_dump(by_alias=False))

    @staticmethod
    def type_issues(spec: PrivilegeSpec) -> list[tuple[str, str]]:
        """(key under the privilege, reason): a field its type needs and lacks, one of another type."""
        return [(to_camel(field), reason) for field, reason in type_field_issues(spec)]


class RoleSettings(_Model):
    """A role of the stack's own, beside docker-pull and the teams' push roles."""

    id: str = Field(description="Role id, e.g. release-managers; not nx-, nor a role of the stack.")
    name: str = Field("", description="Display name; default the id.")
    description: str = Field("", description="What it is for.")
    privileges: list[str] = Field(
        default_factory=list,
        description="Privileges it grants: names of `privileges` or Nexus's own (nx-...).",
    )
    roles: list[str] = Field(
        default_factory=list,
        description="Roles it contains: ids of `roles`, docker-pull, a team push role, or Nexus's (nx-...).",
    )
    ldap_groups: list[str] = Field(
        default_factory=list, description="LDAP groups whose members get this role."
    )

    def to_spec(self) -> RoleSpec:
        return RoleSpec(
            role_id=self.id,
            name=self.name,
            description=self.description,
            privileges=tuple(self.privileges),
            roles=tuple(self.roles),
        )
