"""The whole stack's config (:class:`StackSettings`) and the rules that span its sections.

Every rule that involves more than one key is a ``model_validator`` here: validating the model is
validating the config, so a :class:`StackSettings` that exists is one that passed every rule.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator

import settings.model as sections
from reach.names import ID_LIMIT, check_length
from settings.errors import SettingsError, SettingsIssue, validation_issues
from settings.model import (
    BACKEND_PORT_OFFSET,
    HTTPS_PORT,
    LDAP_GROUP,
    MAX_DOCKER_CONNECTORS,
    NEXUS_DEFAULT_BLOB_STORE,
    NEXUS_DEFAULT_REPOSITORIES,
    NEXUS_ROLE_PREFIX,
    NEXUS_UI_PORT,
    PULL_ROLE,
    SHARED_DOCKER_REPOSITORY,
    _Model,
    is_host,
    team_paths_name,
)

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
STATS_PASSWORD_CONTEXT = b"nexus-platform/haproxy/stats-password/v1"


def derive_stats_password(admin_password: str) -> str:
    """Deterministic stats password: HMAC-SHA256(admin password, context), 32 hex digits."""
    return hmac.new(admin_password.encode("utf-8"), STATS_PASSWORD_CONTEXT, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class DockerConnectorPort:
    repository: str
    external_port: int
    key: str  # the config key that set it, for error messages

    @property
    def backend_port(self) -> int:
        return self.external_port + BACKEND_PORT_OFFSET


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
    nexus: sections.NexusSettings = Field(
        description="The Nexus server: image, data, JVM, or an existing Nexus."
    )
    docker: sections.DockerSettings = Field(
        default_factory=sections.DockerSettings,
        description="The Docker registry: pull port, Docker Hub, routing.",
    )
    teams: list[sections.TeamSettings] = Field(
        default_factory=list, description="Teams with their push ports."
    )
    haproxy: sections.HaproxySettings = Field(
        default_factory=sections.HaproxySettings, description="TLS front end."
    )
    certificate: sections.CertificateSettings = Field(
        default_factory=sections.CertificateSettings,
        description="Server certificate: generated PKI or your own.",
    )
    ldap: sections.LdapSettings | None = Field(None, description="LDAP server; unset = local users only.")
    access: sections.AccessSettings = Field(
        default_factory=sections.AccessSettings, description="Anonymous pull, LDAP groups and robot users."
    )
    retention: sections.RetentionSettings = Field(
        default_factory=sections.RetentionSettings, description="How long images are kept."
    )
    repositories: list[sections.RepositorySettings] = Field(
        default_factory=list,
        description="Repositories besides the Docker ones: Maven, npm, PyPI, raw, apt, Helm, yum, Go, NuGet, "
        "RubyGems, Cargo, conda, R, Git LFS, CocoaPods and Conan.",
    )
    routing_rules: list[sections.RoutingRuleSettings] = Field(
        default_factory=list,
        description="Routing rules, for docker.hubRoutingRule and repositories[].routingRule.",
    )
    email: sections.EmailSettings | None = Field(
        None,
        description="Nexus's mail server; unset = left as it is in Nexus (removing the key from a "
        "stack that set it disables mail).",
    )
    trusted_certificates: list[sections.TrustedCertificateSettings] = Field(
        default_factory=list,
        description="Certificates Nexus trusts for its outbound connections (its SSL trust store), for "
        "repositories[].useTrustStore and docker.hubUseTrustStore; one dropped from the list is removed.",
    )
    http_proxy: sections.HttpProxySettings | None = Field(
        None,
        description="The proxy servers Nexus goes through to reach remotes (`/v1/http`): only where the "
        "server has the API (Nexus Pro; refused by name elsewhere, before anything is written). Unset: "
        "the stack leaves the server's HTTP settings alone.",
    )
    s3_blob_stores: dict[str, sections.S3BlobStoreSettings] = Field(
        default_factory=dict,
        description="S3 blob stores by name, for teams[].blobStore and repositories[].blobStore "
        "(docs/configuration.md, S3 blob stores).",
    )

    content_selectors: list[sections.ContentSelectorSettings] = Field(
        default_factory=list,
        description="Content selectors (name, description, expression), for privileges of type "
        "repository-content-selector.",
    )
    privileges: list[sections.PrivilegeSettings] = Field(
        default_factory=list, description="Privileges of any type, for `roles` to grant."
    )
    roles: list[sections.RoleSettings] = Field(
        default_factory=list,
        description="Roles of the stack's own (privileges, contained roles, LDAP groups), for robots "
        "and LDAP groups; beside docker-pull and the teams' push roles.",
    )

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not _DOMAIN.match(value):
            raise ValueError(f"'{value}' is not a lowercase DNS domain such as example.com")
        return value

    @field_validator("ui_host")
    @classmethod
    def _ui_host(cls, value: str | None) -> str | None:
        if value is not None and not is_host(value):
            raise ValueError(f"'{value}' is not a DNS name or an IP address")
        return value

    @field_validator("docker_host")
    @classmethod
    def _docker_host(cls, value: str) -> str:
        if not re.match(r"^(unix:///\S+|ssh://[^@\s/]+@[^\s/:]+(:\d+)?|tcp://\S+)$", value):
            raise ValueError(f"'{value}' must be unix:///path/docker.sock or ssh://user@host[:port]")
        return value

    @model_validator(mode="after")
    def _rules_across_keys(self) -> StackSettings:
        """Unique names and ports, connector limits, what needs what: every issue, each keyed."""
        issues = _cross_checks(self)
        if issues:
            raise SettingsError(issues)
        return self

    @property
    def role_ids(self) -> set[str]:
        """The role ids this stack defines (an LDAP group must not take one)."""
        return self.platform_role_ids | {role.id for role in self.roles}

    @property
    def platform_role_ids(self) -> set[str]:
        """docker-pull and the teams' push roles (none without Docker)."""
        if not self.docker.enabled:
            return set()
        return {PULL_ROLE, *(team.push_role for team in self.teams)}

    def haproxy_stats_password(self) -> str:
        """haproxy.statsPassword, or the value derived from adminPassword (stable across runs)."""
        if self.haproxy.stats_password is not None:
            return self.haproxy.stats_password.get_secret_value()
        if self.admin_password is not None:
            return derive_stats_password(self.admin_password.get_secret_value())
        raise SettingsError(
            [
                SettingsIssue(
                    "haproxy.statsPassword",
                    "is required when adminPassword is not set (otherwise it is derived from adminPassword)",
                )
            ]
        )

    def deployment_issues(self) -> list[SettingsIssue]:
        """What `pulumi up`/`preview` needs beyond a valid file: the admin password."""
        if self.admin_password is None:
            return [
                SettingsIssue(
                    "adminPassword", "is required: pulumi config set --secret nexus-platform:adminPassword"
                )
            ]
        return []

    def require_admin_password(self) -> str:
        """The admin password, which configuring Nexus needs (see :meth:`deployment_issues`)."""
        issues = self.deployment_issues()
        if issues or self.admin_password is None:
            raise SettingsError(issues)
        return self.admin_password.get_secret_value()

    def require_managed_server(self, why: str) -> None:
        """Refuse a stack with ``nexus.manageServer: false`` for what needs the server (``why``)."""
        if not self.nexus.manage_server:
            raise SettingsError([SettingsIssue("nexus.manageServer", f"is false: {why}")])

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
            if repo.server_feature is not None:
                wanted.setdefault(repo.server_feature, f"repositories[{index}].format")
        if self.ldap is not None:
            wanted["ldap"] = "ldap"
        if self.nexus.manage_tasks:
            wanted["task-create"] = "nexus.manageTasks"
        if self.http_proxy is not None:
            wanted["http-settings"] = "httpProxy"
        if self.retention.release_days is not None:
            wanted["cleanup-policies"] = "retention.releaseDays"
        elif self.retention.latest_days is not None:
            wanted["cleanup-policies"] = "retention.latestDays"
        return wanted

    @property
    def connectors(self) -> list[DockerConnectorPort]:
        """Every Docker connector: the pull port of docker-all, per team release and latest, then
        docker-shared (docker.sharedPort)."""
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
        if self.docker.shared_port is not None:
            ports.append(
                DockerConnectorPort(SHARED_DOCKER_REPOSITORY, self.docker.shared_port, "docker.sharedPort")
            )
        return ports


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
            issues.extend(validation_issues(error, prefix=key))
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


def _routing_rule_issues(settings: StackSettings) -> list[SettingsIssue]:
    """Routing rules: each valid for Nexus (every matcher a regex), named once, and every name a
    proxy gives one of them."""
    issues = _repeated("routingRules", "name", [rule.name for rule in settings.routing_rules], what="rule ")
    for index, rule in enumerate(settings.routing_rules):
        try:
            rule.to_spec()
        except ValidationError as error:
            issues.extend(validation_issues(error, prefix=f"routingRules[{index}]"))
    names = {rule.name for rule in settings.routing_rules}
    # A rule on a hosted or group repository is refused with the other proxy-only fields
    # (repositories[i], from its spec); here: every name given is a rule of this stack.
    users = [
        (f"repositories[{i}].routingRule", repo.routing_rule) for i, repo in enumerate(settings.repositories)
    ]
    if settings.docker.enabled:
        users.append(("docker.hubRoutingRule", settings.docker.hub_routing_rule))
    issues.extend(
        SettingsIssue(key, f"'{name}' is not a rule defined under routingRules")
        for key, name in users
        if name is not None and name not in names
    )
    return issues


def _trusted_certificate_issues(settings: StackSettings) -> list[SettingsIssue]:
    """Trusted certificates: each one PEM certificate that parses, each named once and each given once
    (Nexus keys its trust store by fingerprint: the same certificate twice is one entry)."""
    key = "trustedCertificates"
    issues = _repeated(
        key, "name", [cert.name for cert in settings.trusted_certificates], what="certificate "
    )
    first: dict[str, int] = {}
    for index, cert in enumerate(settings.trusted_certificates):
        try:
            fingerprint = cert.to_spec().fingerprint
        except ValidationError as error:
            issues.extend(validation_issues(error, prefix=f"{key}[{index}]"))
            continue
        if fingerprint in first:
            issues.append(
                SettingsIssue(
                    f"{key}[{index}].pem",
                    f"is the certificate of {key}[{first[fingerprint]}] (fingerprint {fingerprint}): "
                    "give each certificate once",
                )
            )
        first.setdefault(fingerprint, index)
    return issues


def _s3_blob_store_issues(settings: StackSettings) -> list[SettingsIssue]:
    """S3 blob stores: each valid for Nexus, named apart from the file stores (one namespace in
    Nexus, ignoring case), and every teams[].blobStore naming one."""
    issues: list[SettingsIssue] = []
    for name, store in settings.s3_blob_stores.items():
        try:
            store.to_spec(name)
        except ValidationError as error:
            issues.extend(validation_issues(error, prefix=f"s3BlobStores.{name}"))
    file_stores: dict[str, str] = {NEXUS_DEFAULT_BLOB_STORE: "Nexus's own file blob store"}
    if settings.docker.enabled:
        file_stores["docker-hub"] = "the docker-hub proxy's file blob store"
        for index, team in enumerate(settings.teams):
            if team.blob_store is None:
                file_stores[f"docker-{team.name}"] = f"the file blob store of teams[{index}]"
    for index, repo in enumerate(settings.repositories):
        if repo.blob_store not in settings.s3_blob_stores:
            file_stores.setdefault(repo.blob_store, f"the file blob store of repositories[{index}]")
    lowered = {name.lower(): what for name, what in file_stores.items()}
    seen: dict[str, str] = {}
    for name in settings.s3_blob_stores:
        if name.lower() in lowered:
            issues.append(
                SettingsIssue(
                    f"s3BlobStores.{name}",
                    f"'{name}' is also {lowered[name.lower()]}: blob store names are one namespace in "
                    "Nexus (ignoring case): choose another name",
                )
            )
        elif name.lower() in seen:
            issues.append(
                SettingsIssue(
                    f"s3BlobStores.{name}", f"'{name}' and '{seen[name.lower()]}' differ only in case"
                )
            )
        seen.setdefault(name.lower(), name)
    for index, team in enumerate(settings.teams):
        if team.blob_store is not None and team.blob_store not in settings.s3_blob_stores:
            known = ", ".join(sorted(settings.s3_blob_stores)) or "none is defined"
            issues.append(
                SettingsIssue(
                    f"teams[{index}].blobStore",
                    f"'{team.blob_store}' is not a name of s3BlobStores ({known})",
                )
            )
    return issues


def _repeated(key: str, field: str, values: list[str], what: str = "") -> list[SettingsIssue]:
    """``{key}[i].{field}`` for every value an earlier item of the list already has."""
    issues: list[SettingsIssue] = []
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in first:
            issues.append(
                SettingsIssue(
                    f"{key}[{index}].{field}", f"{what}'{value}' is already defined by {key}[{first[value]}]"
                )
            )
        first.setdefault(value, index)
    return issues


def _too_long(value: str, limit: int = ID_LIMIT) -> str:
    """Why Nexus cannot store ``value`` (longer than its column), or ``""``."""
    try:
        check_length(value, limit)
    except ValueError as error:
        return str(error)
    return ""


def _cross_checks(settings: StackSettings) -> list[SettingsIssue]:
    """Rules that span several keys: unique names, unique ports, connector limits."""
    issues: list[SettingsIssue] = _repository_issues(settings) + _s3_blob_store_issues(settings)
    issues += _routing_rule_issues(settings)
    issues += _trusted_certificate_issues(settings)
    issues += _permission_issues(settings)
    issues += _repeated("teams", "name", [team.name for team in settings.teams], what="team ")

    taken: dict[int, str] = {NEXUS_UI_PORT: "the Nexus UI port 8081"}
    for key, port in (
        ("haproxy.httpPort", settings.haproxy.http_port),
        ("haproxy.httpsPort", settings.haproxy.https_port),
        ("haproxy.statsPort", settings.haproxy.stats_port),
    ):
        if port in taken:
            issues.append(SettingsIssue(key, f"port {port} is already used by {taken[port]}"))
        taken.setdefault(port, key)
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
    if (
        settings.nexus.manage_server
        and settings.haproxy.mode == "host"
        and not settings.docker_host.startswith(("unix://", "ssh://"))
    ):
        issues.append(
            SettingsIssue(
                "haproxy.mode",
                f"'host' needs a dockerHost reachable with a shell (unix:// or ssh://), "
                f"got {settings.docker_host}; use 'container'",
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
    if settings.docker.hub_routing_rule is not None:
        issues.append(SettingsIssue("docker.hubRoutingRule", f"is the docker-hub proxy's rule; {why}"))
    if settings.docker.hub_username is not None:
        issues.append(SettingsIssue("docker.hubUsername", f"is the docker-hub proxy's login; {why}"))
    if settings.docker.hub_use_trust_store:
        issues.append(SettingsIssue("docker.hubUseTrustStore", f"is the docker-hub proxy's; {why}"))
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
    role_ids = settings.role_ids
    for key, groups in _ldap_group_keys(settings):
        if groups and ldap is None:
            issues.append(SettingsIssue(key, "names LDAP groups but no ldap server is configured (key ldap)"))
        issues.extend(
            SettingsIssue(key, f"'{group}' is not a usable LDAP group name (no spaces or slashes)")
            for group in groups
            if not LDAP_GROUP.match(group)
        )
        # A group becomes a role whose id and name are the group's name (components/access.py).
        issues.extend(
            SettingsIssue(key, f"LDAP group '{group[:40]}...' becomes a role id and {problem}")
            for group in groups
            if (problem := _too_long(group))
        )
        # A group becomes a role with the group's name (components/access.py): not one of ours.
        issues.extend(
            SettingsIssue(key, f"LDAP group '{group}' has the id of a role this stack or Nexus defines")
            for group in groups
            if group in role_ids or group.startswith(NEXUS_ROLE_PREFIX)
        )
    team_names = {team.name for team in settings.teams}
    issues += _repeated("access.robots", "userId", [robot.user_id for robot in settings.access.robots])
    for index, robot in enumerate(settings.access.robots):
        key = f"access.robots[{index}]"
        issues.extend(
            SettingsIssue(f"{key}.roles", f"role id '{role[:40]}...' {problem}: no such role can exist")
            for role in robot.roles
            if (problem := _too_long(role))
        )
        if robot.email_address is None and (problem := _too_long(f"{robot.user_id}@{settings.domain}")):
            issues.append(
                SettingsIssue(
                    f"{key}.emailAddress",
                    f"is not set and its default <userId>@<domain> {problem}: set a shorter one",
                )
            )
        issues.extend(
            SettingsIssue(f"{key}.teams", f"'{team}' is not a team defined under teams")
            for team in robot.teams
            if team not in team_names
        )
        if not (robot.teams or robot.pull or robot.roles):
            issues.append(SettingsIssue(key, "grants nothing: set teams, pull: true or roles"))
    return issues


def _permission_issues(settings: StackSettings) -> list[SettingsIssue]:
    """contentSelectors, privileges and roles: each valid for Nexus, named once, everything they name
    defined (by the stack, or Nexus's own nx-...); and the teams' paths (teamPaths, sharedPort)."""
    issues = _repeated(
        "contentSelectors", "name", [s.name for s in settings.content_selectors], what="selector "
    )
    issues += _repeated("privileges", "name", [p.name for p in settings.privileges], what="privilege ")
    issues += _repeated("roles", "id", [r.id for r in settings.roles], what="role ")
    issues += _team_paths_issues(settings)
    selectors = {s.name for s in settings.content_selectors}
    generated = {
        team_paths_name(repository, team.name)
        for repository in _team_path_repositories(settings)
        for team in settings.teams
    }
    issues.extend(
        SettingsIssue(
            f"{key}[{index}].name", f"'{name}' is the name the stack gives a team's paths: choose another"
        )
        for key, names in (
            ("contentSelectors", [s.name for s in settings.content_selectors]),
            ("privileges", [p.name for p in settings.privileges]),
        )
        for index, name in enumerate(names)
        if name in generated
    )
    repositories = {c.repository for c in settings.connectors} | {r.name for r in settings.repositories}
    repositories |= {"docker-hub"} if settings.docker.enabled else set()
    for index, privilege in enumerate(settings.privileges):
        key = f"privileges[{index}]"
        try:
            spec = privilege.to_spec()
        except ValidationError as error:
            issues.extend(validation_issues(error, prefix=key))
            continue
        issues.extend(
            SettingsIssue(f"{key}.{field}", reason) for field, reason in privilege.type_issues(spec)
        )
        if spec.content_selector and spec.content_selector not in selectors:
            issues.append(
                SettingsIssue(
                    f"{key}.contentSelector", f"'{spec.content_selector}' is not a name of contentSelectors"
                )
            )
        known = repositories | set(NEXUS_DEFAULT_REPOSITORIES) | {"*"}
        if spec.repository and spec.repository not in known:
            issues.append(
                SettingsIssue(
                    f"{key}.repository",
                    f"'{spec.repository}' is not a repository of this stack (nor Nexus's own, nor *)",
                )
            )
    issues += _role_issues(settings)
    return issues


def _role_issues(settings: StackSettings) -> list[SettingsIssue]:
    issues: list[SettingsIssue] = []
    privileges = {p.name for p in settings.privileges}
    own = {role.id for role in settings.roles}
    containable = own | settings.platform_role_ids
    for index, role in enumerate(settings.roles):
        key = f"roles[{index}]"
        try:
            role.to_spec()
        except ValidationError as error:
            issues.extend(
                SettingsIssue(issue.key.replace(f"{key}.roleId", f"{key}.id"), issue.message)
                for issue in validation_issues(error, prefix=key)
            )
        if role.id in settings.platform_role_ids:
            issues.append(
                SettingsIssue(
                    f"{key}.id",
                    f"'{role.id}' is a role the stack defines itself (docker-pull, docker-<team>-push)",
                )
            )
        issues.extend(
            SettingsIssue(
                f"{key}.privileges", f"'{name}' is not a name of privileges (nor Nexus's own, nx-...)"
            )
            for name in role.privileges
            if name not in privileges and not name.startswith(NEXUS_ROLE_PREFIX)
        )
        issues.extend(
            SettingsIssue(
                f"{key}.roles",
                f"'{name}' is not a role of roles, docker-pull, a team's push role or Nexus's own (nx-...)",
            )
            for name in role.roles
            if name not in containable and not name.startswith(NEXUS_ROLE_PREFIX)
        )
    contains = {role.id: [r for r in role.roles if r in own] for role in settings.roles}
    for index, role in enumerate(settings.roles):
        if role.id not in role.roles and _reaches(contains, role.id, role.id):
            issues.append(
                SettingsIssue(
                    f"roles[{index}].roles", f"role '{role.id}' contains itself through other roles"
                )
            )
    return issues


def _reaches(contains: dict[str, list[str]], start: str, target: str) -> bool:
    seen: set[str] = set()
    pending = list(contains.get(start, []))
    while pending:
        role = pending.pop()
        if role == target:
            return True
        if role not in seen:
            seen.add(role)
            pending.extend(contains.get(role, []))
    return False


def _ldap_group_keys(settings: StackSettings) -> list[tuple[str, list[str]]]:
    return [
        *((f"teams[{i}].ldapGroups", team.ldap_groups) for i, team in enumerate(settings.teams)),
        *((f"roles[{i}].ldapGroups", role.ldap_groups) for i, role in enumerate(settings.roles)),
        ("access.pullLdapGroups", settings.access.pull_ldap_groups),
        ("access.adminLdapGroups", settings.access.admin_ldap_groups),
    ]


def _team_path_repositories(settings: StackSettings) -> list[str]:
    """The repositories whose paths are shared out among the teams."""
    names = [repo.name for repo in settings.repositories if repo.team_paths]
    if settings.docker.enabled and settings.docker.shared_port is not None:
        names.append(SHARED_DOCKER_REPOSITORY)
    return names


def _team_paths_issues(settings: StackSettings) -> list[SettingsIssue]:
    issues: list[SettingsIssue] = []
    for index, repo in enumerate(settings.repositories):
        if not repo.team_paths:
            continue
        key = f"repositories[{index}].teamPaths"
        if repo.type != "hosted" or repo.format not in ("raw", "maven2"):
            issues.append(
                SettingsIssue(
                    key, f"is for hosted raw and maven2 repositories, not {repo.format} {repo.type}"
                )
            )
        if not settings.teams:
            issues.append(SettingsIssue(key, "gives each team its path, but no team is defined (teams)"))
    if settings.docker.shared_port is not None and settings.docker.routing != "path":
        issues.append(
            SettingsIssue(
                "docker.sharedPort",
                "needs docker.routing: path (HAProxy routes the port to /repository/docker-shared/, where "
                "each team's content selector covers /v2/<team>/)",
            )
        )
    return issues
