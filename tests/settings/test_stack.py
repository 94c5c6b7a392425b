"""The stack configuration as a whole (StackSettings): defaults, derived URLs and ports, the rules
across sections, and one table of invalid configs each failing with its key (a section's own rules
included)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import settings
from settings import SettingsError, parse_settings

BASE: dict[str, Any] = {
    "domain": "example.com",
    "adminPassword": "s3cret-admin",
    "nexus": {"version": "3.77.1"},
    "teams": [
        {"name": "platform", "releasePort": 16001, "latestPort": 16002},
        {"name": "payments", "releasePort": 16003, "latestPort": 16004},
    ],
}


def config(**changes: Any) -> dict[str, Any]:
    """BASE with dotted-path changes applied, e.g. config(**{"nexus.version": "latest"})."""
    raw = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        target: Any = raw
        parts = dotted.split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        last = parts[-1]
        if value is _DELETE:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return raw


_DELETE = object()
LDAP: dict[str, Any] = {
    "host": "ldap.example.com",
    "searchBase": "dc=example,dc=com",
    "bindDn": "uid=nexus,ou=services,dc=example,dc=com",
    "bindPassword": "bind-secret",
}
ROBOT: dict[str, Any] = {"userId": "ci-platform", "password": "robot-secret", "teams": ["platform"]}


def test_defaults_follow_the_seed() -> None:
    parsed = parse_settings(BASE)
    assert parsed.resolved_ui_host == "nexus.example.com"
    assert parsed.nexus.data_dir == "/data/nexus-data"
    assert parsed.nexus.manage_server is True
    assert parsed.docker.pull_port == 16000
    assert parsed.haproxy.mode == "container"
    assert parsed.certificate.validity_days == 825
    assert parsed.nexus_url == "http://127.0.0.1:8081"
    assert [(c.repository, c.external_port, c.backend_port) for c in parsed.connectors] == [
        ("docker-all", 16000, 18000),
        ("docker-platform-release", 16001, 18001),
        ("docker-platform-latest", 16002, 18002),
        ("docker-payments-release", 16003, 18003),
        ("docker-payments-latest", 16004, 18004),
    ]


def test_secrets_are_not_shown_by_repr() -> None:
    parsed = parse_settings(BASE)
    assert "s3cret-admin" not in repr(parsed)
    assert parsed.admin_password is not None
    assert parsed.admin_password.get_secret_value() == "s3cret-admin"


def test_existing_nexus_mode_uses_its_url() -> None:
    parsed = parse_settings(
        config(**{"nexus.manageServer": False, "nexus.url": "https://nexus.corp.example:8443/"})
    )
    assert parsed.nexus_url == "https://nexus.corp.example:8443"


def test_remote_docker_reaches_nexus_through_haproxy() -> None:
    parsed = parse_settings(config(dockerHost="ssh://deploy@vm.example.com", sshPrivateKey="KEY"))
    assert parsed.is_remote_docker
    assert parsed.nexus_url == "https://nexus.example.com"
    assert parsed.ui_url == "https://nexus.example.com"


def test_a_non_443_https_port_is_kept_in_the_urls() -> None:
    # The providers and the first run reach Nexus through HAProxy: on its real port, not :443.
    remote = {"dockerHost": "ssh://deploy@vm.example.com", "sshPrivateKey": "KEY", "haproxy.httpsPort": 8443}
    parsed = parse_settings(config(**remote))
    assert parsed.nexus_url == "https://nexus.example.com:8443"
    assert parsed.ui_url == "https://nexus.example.com:8443"
    local = parse_settings(config(**{"haproxy.httpsPort": 8443}))
    assert local.ui_url == "https://nexus.example.com:8443"
    assert local.nexus_url == "http://127.0.0.1:8081"  # a local engine: Nexus's own port


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    # (id, config, key named in the error, words of the message)
    ("missing-domain", config(domain=_DELETE), "domain", "is required"),
    ("uppercase-domain", config(domain="Example.COM"), "domain", "not a lowercase DNS domain"),
    ("domain-with-scheme", config(domain="https://example.com"), "domain", "not a lowercase DNS domain"),
    ("missing-nexus", config(nexus=_DELETE), "nexus", "is required"),
    ("missing-version", config(**{"nexus.version": _DELETE}), "nexus.version", "is required"),
    ("latest-version", config(**{"nexus.version": "latest"}), "nexus.version", "not 'latest'"),
    ("empty-version", config(**{"nexus.version": ""}), "nexus.version", "pinned"),
    ("partial-version", config(**{"nexus.version": "3.77"}), "nexus.version", "pinned release tag"),
    ("relative-data-dir", config(**{"nexus.dataDir": "data"}), "nexus.dataDir", "absolute path"),
    ("root-data-dir", config(**{"nexus.dataDir": "/"}), "nexus.dataDir", "absolute path"),
    ("bad-heap", config(**{"nexus.heap": "lots"}), "nexus.heap", "JVM memory size"),
    ("short-grace", config(**{"nexus.stopGraceSeconds": 10}), "nexus.stopGraceSeconds", "120"),
    ("low-nofile", config(**{"nexus.nofileLimit": 512}), "nexus.nofileLimit", "1024"),
    ("bad-url", config(**{"nexus.url": "nexus:8081"}), "nexus.url", "http(s) URL"),
    ("unmanaged-without-url", config(**{"nexus.manageServer": False}), "nexus.url", "is required"),
    ("unknown-nexus-key", config(**{"nexus.dataDirectory": "/x"}), "nexus.dataDirectory", "not a known key"),
    ("unknown-top-key", config(teamz=[]), "teamz", "not a known key"),
    ("uppercase-team", config(**{"teams.1.name": "Payments"}), "teams[1].name", "lowercase"),
    ("team-with-space", config(**{"teams.0.name": "my team"}), "teams[0].name", "not a valid team name"),
    ("team-starting-dash", config(**{"teams.0.name": "-ops"}), "teams[0].name", "not a valid team name"),
    ("duplicate-team", config(**{"teams.1.name": "platform"}), "teams[1].name", "already defined"),
    ("missing-team-port", config(**{"teams.0.latestPort": _DELETE}), "teams[0].latestPort", "is required"),
    ("port-out-of-range", config(**{"teams.1.releasePort": 70000}), "teams[1].releasePort", "65535"),
    ("port-zero", config(**{"teams.0.releasePort": 0}), "teams[0].releasePort", "greater than or equal"),
    ("port-as-text", config(**{"teams.0.releasePort": "many"}), "teams[0].releasePort", "integer"),
    ("backend-over-range", config(**{"teams.1.latestPort": 64000}), "teams[1].latestPort", "exceeds 65535"),
    ("port-reused-across-teams", config(**{"teams.1.releasePort": 16001}), "teams[1].releasePort", "16001"),
    ("port-reused-in-team", config(**{"teams.0.latestPort": 16001}), "teams[0].latestPort", "already used"),
    ("port-equals-pull", config(**{"teams.0.releasePort": 16000}), "teams[0].releasePort", "docker.pullPort"),
    ("port-443", config(**{"teams.0.releasePort": 443}), "teams[0].releasePort", "haproxy.httpsPort"),
    ("port-80", config(**{"docker.pullPort": 80}), "docker.pullPort", "haproxy.httpPort"),
    ("port-8081", config(**{"teams.0.latestPort": 8081}), "teams[0].latestPort", "8081"),
    ("port-hits-backend", config(**{"teams.1.latestPort": 18001}), "teams[1].latestPort", "Nexus connector"),
    (
        "too-many-connectors",
        config(
            teams=[
                {"name": f"t{i}", "releasePort": 16001 + 2 * i, "latestPort": 16002 + 2 * i}
                for i in range(10)
            ]
        ),
        "teams",
        "Sonatype documents 20",
    ),
    ("bad-routing", config(**{"docker.routing": "subdomain"}), "docker.routing", "'connector' or 'path'"),
    ("bad-haproxy-mode", config(**{"haproxy.mode": "sidecar"}), "haproxy.mode", "'container' or 'host'"),
    ("haproxy-latest", config(**{"haproxy.image": "haproxy:latest"}), "haproxy.image", "pinned tag"),
    ("bad-docker-host", config(dockerHost="vm.example.com"), "dockerHost", "ssh://user@host"),
    ("docker-host-with-path", config(dockerHost="ssh://deploy@vm/x"), "dockerHost", "ssh://user@host"),
    ("cert-too-long", config(**{"certificate.validityDays": 4000}), "certificate.validityDays", "3650"),
    (
        "renewal-after-expiry",
        config(**{"certificate.validityDays": 30, "certificate.earlyRenewalDays": 30}),
        "certificate",
        "earlyRenewalDays",
    ),
    ("byo-without-key", config(**{"certificate.certificatePem": "PEM"}), "certificate", "privateKeyPem"),
    ("teams-not-a-list", config(teams="platform"), "teams", "valid list"),
    # access control (LDAP, roles, robots) and retention
    ("ldap-without-host", config(ldap={"searchBase": "dc=example,dc=com"}), "ldap.host", "is required"),
    ("ldap-bad-protocol", config(ldap={**LDAP, "protocol": "ldapx"}), "ldap.protocol", "'ldap' or 'ldaps'"),
    (
        "ldap-no-bind-password",
        config(ldap={k: v for k, v in LDAP.items() if k != "bindPassword"}),
        "ldap.bindPassword",
        "required",
    ),
    ("ldap-unknown-key", config(ldap={**LDAP, "bindDN": "x"}), "ldap.bindDN", "not a known key"),
    (
        "ldap-timeout-zero",
        config(ldap={**LDAP, "connectionTimeoutSeconds": 0}),
        "ldap.connectionTimeoutSeconds",
        "1",
    ),
    ("ldap-digest-no-realm", config(ldap={**LDAP, "authScheme": "DIGEST_MD5"}), "ldap.authRealm", "required"),
    (
        "team-groups-without-ldap",
        config(**{"teams.0.ldapGroups": ["devs"]}),
        "teams[0].ldapGroups",
        "no ldap server",
    ),
    (
        "pull-groups-without-ldap",
        config(**{"access.pullLdapGroups": ["all"]}),
        "access.pullLdapGroups",
        "no ldap",
    ),
    (
        "ldap-group-with-space",
        config(ldap=LDAP, **{"teams.1.ldapGroups": ["pay devs"]}),
        "teams[1].ldapGroups",
        "no spaces",
    ),
    ("anonymous-not-bool", config(**{"access.anonymousPull": "maybe"}), "access.anonymousPull", "boolean"),
    (
        "robot-without-password",
        config(**{"access.robots": [{"userId": "ci", "pull": True}]}),
        "access.robots[0].password",
        "is required",
    ),
    (
        "robot-bad-id",
        config(**{"access.robots": [{**ROBOT, "userId": "ci bot"}]}),
        "access.robots[0].userId",
        "not a valid robot",
    ),
    (
        "robot-is-admin",
        config(**{"access.robots": [{**ROBOT, "userId": "admin"}]}),
        "access.robots[0].userId",
        "not admin",
    ),
    (
        "robot-unknown-team",
        config(**{"access.robots": [{**ROBOT, "teams": ["search"]}]}),
        "access.robots[0].teams",
        "'search'",
    ),
    (
        "robot-grants-nothing",
        config(**{"access.robots": [{**ROBOT, "teams": []}]}),
        "access.robots[0]",
        "grants nothing",
    ),
    (
        "robot-duplicate",
        config(**{"access.robots": [ROBOT, ROBOT]}),
        "access.robots[1].userId",
        "already defined",
    ),
    (
        "release-days-zero",
        config(**{"retention.releaseDays": 0}),
        "retention.releaseDays",
        "greater than or equal",
    ),
    ("latest-days-text", config(**{"retention.latestDays": "week"}), "retention.latestDays", "integer"),
    (
        "repo-proxy-without-url",
        config(repositories=[{"name": "maven-proxy", "format": "maven2", "type": "proxy"}]),
        "repositories[0]",
        "remote_url is required",
    ),
    (
        "repo-nexus-default-not-adopted",
        config(repositories=[{"name": "maven-releases", "format": "maven2", "type": "hosted"}]),
        "repositories[0].name",
        "Nexus creates 'maven-releases' on its first start: set repositories[0].adopt: true",
    ),
    (
        "repo-nexus-default-adopted-elsewhere",
        config(
            repositories=[
                {
                    "name": "maven-releases",
                    "format": "maven2",
                    "type": "hosted",
                    "adopt": True,
                    "blobStore": "maven",
                }
            ]
        ),
        "repositories[0].blobStore",
        "adopting it needs blobStore: default",
    ),
    (
        "repo-nexus-default-adopt-existing-elsewhere",
        config(
            **{"nexus.adoptExisting": True},
            repositories=[
                {
                    "name": "maven-public",
                    "format": "maven2",
                    "type": "group",
                    "members": ["maven-proxy"],
                    "blobStore": "maven",
                },
                {
                    "name": "maven-proxy",
                    "format": "maven2",
                    "type": "proxy",
                    "remoteUrl": "https://repo1.maven.org/maven2/",
                },
            ],
        ),
        "repositories[0].blobStore",
        "Nexus cannot move a repository",
    ),
    (
        "repo-bad-format",
        config(repositories=[{"name": "p2", "format": "p2", "type": "hosted"}]),
        "repositories[0].format",
        "maven2",
    ),
    (
        "repo-name-taken",
        config(repositories=[{"name": "docker-all", "format": "raw", "type": "hosted"}]),
        "repositories[0].name",
        "already defined",
    ),
    (
        "repo-group-member-unknown",
        config(repositories=[{"name": "npm-all", "format": "npm", "type": "group", "members": ["npmjs"]}]),
        "repositories[0].members",
        "not a npm repository",
    ),
    (
        "repo-bad-name",
        config(repositories=[{"name": "_raw", "format": "raw", "type": "hosted"}]),
        "repositories[0].name",
        "may not start",
    ),
    (
        "repo-blob-store-bad-name",
        config(repositories=[{"name": "Raw", "format": "raw", "type": "hosted", "blobStore": "_raw"}]),
        "repositories[0].blobStore",
        "may not start",
    ),
    # Nexus's column limits (reach/names.py): refused before anything is written.
    (
        "repo-name-over-200",
        config(repositories=[{"name": "r" * 201, "format": "raw", "type": "hosted"}]),
        "repositories[0].name",
        "is 201 characters long; Nexus stores at most 200",
    ),
    (
        "repo-blob-store-over-255",
        config(repositories=[{"name": "r", "format": "raw", "type": "hosted", "blobStore": "b" * 256}]),
        "repositories[0].blobStore",
        "is 256 characters long; Nexus stores at most 255",
    ),
    (
        "robot-last-name-over-200",
        config(**{"access.robots": [{**ROBOT, "lastName": "L" * 201}]}),
        "access.robots[0].lastName",
        "Nexus stores at most 200",
    ),
    (
        "robot-first-name-over-200",
        config(**{"access.robots": [{**ROBOT, "firstName": "F" * 201}]}),
        "access.robots[0].firstName",
        "Nexus stores at most 200",
    ),
    (
        "robot-email-over-200",
        config(**{"access.robots": [{**ROBOT, "emailAddress": "e" * 190 + "@example.com"}]}),
        "access.robots[0].emailAddress",
        "Nexus stores at most 200",
    ),
    (
        "robot-default-email-over-200",
        config(domain=("d" * 60 + ".") * 3 + "c" * 20, **{"access.robots": [ROBOT]}),
        "access.robots[0].emailAddress",
        "its default <userId>@<domain> is 215 characters long",
    ),
    (
        "robot-role-over-200",
        config(**{"access.robots": [{**ROBOT, "roles": ["r" * 201]}]}),
        "access.robots[0].roles",
        "no such role can exist",
    ),
    (
        "ldap-group-over-200",
        config(ldap=LDAP, **{"access.pullLdapGroups": ["g" * 201]}),
        "access.pullLdapGroups",
        "becomes a role id and is 201 characters long",
    ),
    (
        "ldap-name-over-200",
        config(ldap={**LDAP, "name": "l" * 201}),
        "ldap.name",
        "Nexus stores at most 200",
    ),
    ("docker-off-with-teams", config(**{"docker.enabled": False}), "teams", "must be empty"),
    (
        "docker-off-anonymous-pull",
        config(**{"docker.enabled": False, "teams": [], "access.anonymousPull": True}),
        "access.anonymousPull",
        "docker.enabled is false",
    ),
    (
        "docker-off-retention",
        config(**{"docker.enabled": False, "teams": [], "retention.latestDays": 30}),
        "retention.latestDays",
        "Docker image retention",
    ),
    ("docker-enabled-not-bool", config(**{"docker.enabled": "perhaps"}), "docker.enabled", "boolean"),
    # Rules that used to be checked by the components, after other resources were registered:
    ("ui-host-with-space", config(uiHost="nexus example"), "uiHost", "not a DNS name or an IP address"),
    ("config-dir-relative", config(**{"haproxy.configDir": "etc/haproxy"}), "haproxy.configDir", "absolute"),
    ("config-dir-space", config(**{"haproxy.configDir": "/etc/my haproxy"}), "haproxy.configDir", "spaces"),
    ("config-dir-dots", config(**{"haproxy.configDir": "/etc/haproxy/.."}), "haproxy.configDir", ".."),
    ("stats-port-is-https", config(**{"haproxy.statsPort": 443}), "haproxy.statsPort", "haproxy.httpsPort"),
    ("https-port-is-http", config(**{"haproxy.httpsPort": 80}), "haproxy.httpsPort", "haproxy.httpPort"),
    ("http-port-is-nexus", config(**{"haproxy.httpPort": 8081}), "haproxy.httpPort", "the Nexus UI port"),
    (
        "ldap-group-takes-a-team-role",
        config(ldap=LDAP, **{"access.pullLdapGroups": ["docker-platform-push"]}),
        "access.pullLdapGroups",
        "LDAP group 'docker-platform-push' has the id of a role",
    ),
    (
        "ldap-group-takes-a-nexus-role",
        config(ldap=LDAP, **{"teams.0.ldapGroups": ["nx-admin"]}),
        "teams[0].ldapGroups",
        "has the id of a role this stack or Nexus defines",
    ),
    (
        "stats-password-two-lines",
        config(**{"haproxy.statsPassword": "one\ntwo"}),
        "haproxy.statsPassword",
        "must be a non-empty single line",
    ),
    (
        "stats-password-carriage-return",
        config(**{"haproxy.statsPassword": "one\rtwo"}),
        "haproxy.statsPassword",
        "must be a non-empty single line",
    ),
    ("stats-password-empty", config(**{"haproxy.statsPassword": ""}), "haproxy.statsPassword", "single line"),
    (
        "host-mode-without-a-shell",
        config(dockerHost="tcp://10.0.0.5:2376", **{"haproxy.mode": "host"}),
        "haproxy.mode",
        "'host' needs a dockerHost reachable with a shell",
    ),
]


@pytest.mark.parametrize(("raw", "key", "words"), [case[1:] for case in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_config_names_the_key(raw: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw)
    matching = [issue for issue in caught.value.issues if issue.key == key]
    assert matching, f"no problem reported for {key}: {caught.value}"
    assert any(words in issue.message for issue in matching), str(caught.value)
    assert f"nexus-platform:{key}: " in str(caught.value)


def test_an_ldap_group_named_like_a_team_role_is_fine_without_docker() -> None:
    raw = config(ldap=LDAP, teams=[], **{"docker.enabled": False, "access.adminLdapGroups": ["docker-pull"]})
    assert parse_settings(raw).role_ids == set()


def test_host_mode_on_an_existing_nexus_deploys_nothing_to_refuse() -> None:
    raw = config(dockerHost="tcp://10.0.0.5:2376", **{"haproxy.mode": "host", "nexus.manageServer": False})
    raw["nexus"]["url"] = "https://nexus.example.com"
    assert parse_settings(raw).haproxy.mode == "host"


def test_a_deployment_needs_the_admin_password_a_file_does_not() -> None:
    parsed = parse_settings(config(adminPassword=_DELETE))
    assert [str(issue) for issue in parsed.deployment_issues()] == [
        "nexus-platform:adminPassword: is required: pulumi config set --secret nexus-platform:adminPassword"
    ]
    with pytest.raises(SettingsError, match=r"nexus-platform:adminPassword: is required"):
        parsed.require_admin_password()
    assert parse_settings(BASE).require_admin_password() == "s3cret-admin"


def test_stats_password_is_configured_or_derived_or_named() -> None:
    assert parse_settings(config(**{"haproxy.statsPassword": "given"})).haproxy_stats_password() == "given"
    derived = parse_settings(BASE).haproxy_stats_password()
    assert (
        derived
        == settings.derive_stats_password("s3cret-admin")
        == parse_settings(BASE).haproxy_stats_password()
    )
    assert len(derived) == 32 and derived != "s3cret-admin"
    assert settings.derive_stats_password("other-admin") != derived
    with pytest.raises(SettingsError, match=r"nexus-platform:haproxy\.statsPassword: is required when"):
        parse_settings(config(adminPassword=_DELETE)).haproxy_stats_password()


def test_a_valid_model_is_one_that_passed_every_rule() -> None:
    """The rules across keys are the model's own validators: no way round them."""
    with pytest.raises(ValueError, match=r"teams\[1\]\.name: team 'platform' is already defined"):
        settings.StackSettings.model_validate(config(**{"teams.1.name": "platform"}))


def test_there_are_at_least_25_invalid_cases() -> None:
    assert len(INVALID) >= 25


def test_without_docker_there_are_no_connectors_and_the_server_needs_no_docker() -> None:
    raw = config(**{"docker.enabled": False, "teams": [], "nexus.manageTasks": False})
    raw["repositories"] = [{"name": "maven-internal", "format": "maven2", "type": "hosted"}]
    stack = parse_settings(raw)
    assert stack.connectors == []
    assert stack.server_features() == {"format:maven2": "repositories[0].format"}


def test_server_features_name_the_keys_that_ask_for_them() -> None:
    raw = config(ldap={"host": "ldap.example.com", "searchBase": "dc=example,dc=com", "authScheme": "NONE"})
    raw["retention"] = {"releaseDays": 90}
    raw["repositories"] = [{"name": "npm-internal", "format": "npm", "type": "hosted"}]
    assert parse_settings(raw).server_features() == {
        "format:docker": "docker.enabled",
        "format:npm": "repositories[0].format",
        "ldap": "ldap",
        "task-create": "nexus.manageTasks",
        "cleanup-policies": "retention.releaseDays",
    }
