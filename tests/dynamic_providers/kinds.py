"""One worked example per Nexus kind, for the contract every kind must pass (test_kind_contract.py).

A meta-test (test_kind_conventions.py) fails when a kind has no example here. The content
selector's is the one ``docs/adding-a-kind.md`` shows (test_kind_guide.py compares them).
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dynamic_providers.anonymous import AnonymousAccessProvider
from dynamic_providers.base import NexusProvider, Spec
from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.cleanup_policies import CleanupPolicyProvider
from dynamic_providers.content_selectors import ContentSelectorProvider
from dynamic_providers.email_server import EmailServerProvider
from dynamic_providers.http_settings import HttpSettingsProvider
from dynamic_providers.ldap import LdapServerProvider
from dynamic_providers.privileges import PrivilegeProvider
from dynamic_providers.realms import RealmsProvider
from dynamic_providers.repositories import RepositoryProvider
from dynamic_providers.roles import RoleProvider
from dynamic_providers.routing_rules import RoutingRuleProvider
from dynamic_providers.s3_blob_stores import SECRET_PLACEHOLDER, S3BlobStoreProvider
from dynamic_providers.tasks import TaskProvider
from dynamic_providers.truststore import TrustedCertificateProvider
from dynamic_providers.users import UserProvider
from tests.nexus_emulator.areas.truststore import CONTRACT_PEM, parse_certificate

ROOT = Path(__file__).resolve().parents[2]


def source_file(module: types.ModuleType) -> str:
    """The module's file, as the path to edit (relative to the repository)."""
    return str(Path(inspect.getfile(module)).resolve().relative_to(ROOT))


def where(kind: type[NexusProvider[Any]]) -> str:
    """How a failing check names a kind: its name and the file that declares it."""
    return f"{kind.kind} ({source_file(sys.modules[kind.__module__])})"


def _same(body: Any, _spec: Any) -> Any:
    return body


@dataclass(frozen=True)
class Example:
    """A valid spec of a kind, what changes in place, and one other value per replace field."""

    provider: type[NexusProvider[Any]]
    fields: dict[str, Any]
    #: Fields changed in place (an update).
    change: dict[str, Any]
    #: Replace field -> the fields to change so that it differs (and the spec stays valid).
    replace: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Names of the examples that must exist first (in this order).
    needs: tuple[str, ...] = ()
    #: What Nexus's GET answers for the create's body (its echo), for the pure round trip.
    echo: Callable[[Any, Spec], Any] = _same


def _trusted_certificate_echo(body: str, _spec: Spec) -> Any:
    # The list answers the certificate with the fingerprint (its id) and the PEM re-encoded.
    return parse_certificate(body)


def _http_settings_echo(body: Mapping[str, Any], _spec: Spec) -> Any:
    # GET redacts the passwords (unconfirmed how: the S3 secret's placeholder is assumed).
    def redacted(server: Mapping[str, Any]) -> Any:
        return {**server, "authInfo": {**server["authInfo"], "password": SECRET_PLACEHOLDER}}

    return {**body, "httpProxy": redacted(body["httpProxy"]), "httpsProxy": redacted(body["httpsProxy"])}


def _repository_echo(body: Mapping[str, Any], spec: Spec) -> Any:
    return {**body, "format": getattr(spec, "format"), "type": getattr(spec, "type")}  # noqa: B009


def _task_echo(body: Mapping[str, Any], _spec: Spec) -> Any:
    # GET answers the schedule at top level (3.92 and later), with an id Nexus made up.
    return {"id": "t1", **{k: v for k, v in body.items() if k != "frequency"}, **body["frequency"]}


def _s3_blob_store_echo(body: Mapping[str, Any], _spec: Spec) -> Any:
    # The secret comes back as a placeholder (observed on 3.71.0-06), with the store's type.
    config = body["bucketConfiguration"]
    security = {**config["bucketSecurity"], "secretAccessKey": SECRET_PLACEHOLDER}
    return {**body, "type": "S3", "bucketConfiguration": {**config, "bucketSecurity": security}}


def _anonymous_echo(body: Mapping[str, Any], spec: Spec) -> Any:
    return {"settings": body, "user": {"userId": body["userId"], "roles": list(getattr(spec, "roles"))}}  # noqa: B009


def _user_echo(body: Mapping[str, Any], _spec: Spec) -> Any:
    return {k: v for k, v in body.items() if k != "password"}  # never returned


def _ldap_echo(body: Mapping[str, Any], _spec: Spec) -> Any:
    return {"id": "ldap-1", "order": 1, **{k: v for k, v in body.items() if k != "authPassword"}}


def _privilege_echo(body: Mapping[str, Any], spec: Spec) -> Any:
    return {**body, "type": getattr(spec, "type"), "readOnly": False}  # noqa: B009


def _email_echo(body: Mapping[str, Any], _spec: Spec) -> Any:
    return {**body, "password": None}  # never returned (observed on 3.71.0-06)


EXAMPLES: dict[str, Example] = {
    "blob store": Example(
        FileBlobStoreProvider,
        {"name": "contract-store"},
        change={"soft_quota_type": "spaceUsedQuota", "soft_quota_limit_bytes": 10_000_000},
        replace={"name": {"name": "contract-store-2"}},
    ),
    "S3 blob store": Example(
        S3BlobStoreProvider,
        {
            "name": "contract-s3",
            "bucket": "contract-bucket",
            "prefix": "nexus",
            "force_path_style": True,
            "access_key_id": "contract-key",
            "secret_access_key": "contract-secret",
        },
        change={
            "soft_quota_type": "spaceUsedQuota",
            "soft_quota_limit_bytes": 10_000_000,
            "expiration_days": 7,
        },
        replace={
            "name": {"name": "contract-s3-2"},
            "bucket": {"bucket": "contract-bucket-2"},
            "prefix": {"prefix": "nexus-2"},
        },
        echo=_s3_blob_store_echo,
    ),
    "repository": Example(
        RepositoryProvider,
        {
            "name": "contract-raw-proxy",
            "format": "raw",
            "type": "proxy",
            "blob_store": "contract-store",
            "remote_url": "https://downloads.example.com/raw/",
            "remote_username": "mirror",
            "remote_password": "mirror-secret-1",
        },
        change={"online": False, "metadata_max_age": 60},
        replace={
            "name": {"name": "contract-raw-proxy-2"},
            "format": {"format": "maven2"},
            "type": {"type": "hosted", "remote_url": None, "remote_username": None, "remote_password": None},
            "blob_store": {"blob_store": "default"},
        },
        needs=("blob store",),
        echo=_repository_echo,
    ),
    "cleanup policy": Example(
        CleanupPolicyProvider,
        {"name": "contract-policy", "format": "docker", "criteria_last_blob_updated": 30},
        change={"notes": "kept 30 days", "criteria_last_downloaded": 60},
        replace={"name": {"name": "contract-policy-2"}, "format": {"format": "raw"}},
        # GET answers the same fields as the create's body.
    ),
    "routing rule": Example(
        RoutingRuleProvider,
        {"name": "contract-rule", "mode": "ALLOW", "matchers": ["^/v2/library/.*"]},
        change={
            "description": "library only",
            "mode": "BLOCK",
            "matchers": ["^/v2/acme/.*", "^/v2/library/.*"],
        },
        replace={"name": {"name": "contract-rule-2"}},
        # GET answers the same fields as the create's body.
    ),
    "task": Example(
        TaskProvider,
        {
            "name": "Compact contract-store",
            "type": "blobstore.compact",
            "schedule": "weekly",
            "recurring_days": [1],
            "start_time": "02:30",
            "properties": {"blobstoreName": "contract-store"},
        },
        change={"start_time": "03:45", "recurring_days": [1, 4]},
        replace={"type": {"type": "repository.docker.upload-purge", "properties": {}}},
        needs=("blob store",),
        echo=_task_echo,
    ),
    "active security realms": Example(
        RealmsProvider,
        {"realms": ["NexusAuthenticatingRealm", "DockerToken"]},
        change={"realms": ["NexusAuthenticatingRealm"]},
    ),
    "anonymous access": Example(
        AnonymousAccessProvider,
        {"enabled": False, "roles": ["nx-anonymous"]},
        change={"enabled": True},
        echo=_anonymous_echo,
    ),
    "LDAP server": Example(
        LdapServerProvider,
        {
            "name": "contract-ldap",
            "host": "ldap.example.com",
            "search_base": "dc=example,dc=com",
            "auth_username": "uid=nexus,ou=services,dc=example,dc=com",
            "auth_password": "bind-secret-1",
            "user_base_dn": "ou=people",
            "group_base_dn": "ou=groups",
            "group_object_class": "groupOfNames",
            "group_id_attribute": "cn",
            "group_member_attribute": "member",
            "group_member_format": "${dn}",
        },
        change={"port": 389, "protocol": "ldap", "connection_timeout_seconds": 10},
        replace={"name": {"name": "contract-ldap-2"}},
        echo=_ldap_echo,
    ),
    "role": Example(
        RoleProvider,
        {"role_id": "contract-role", "description": "reads", "privileges": ["nx-search-read"]},
        change={"description": "reads and more", "roles": ["nx-anonymous"]},
        replace={"role_id": {"role_id": "contract-role-2"}},
    ),
    "user": Example(
        UserProvider,
        {
            "user_id": "contract-robot",
            "first_name": "contract",
            "last_name": "robot",
            "email_address": "contract-robot@example.com",
            "password": "robot-secret-1",
            "roles": ["contract-role"],
        },
        change={"last_name": "bot", "status": "disabled"},
        replace={"user_id": {"user_id": "contract-robot-2"}},
        needs=("role",),
        echo=_user_echo,
    ),
    "content selector": Example(
        ContentSelectorProvider,
        {"name": "maven-only", "expression": 'format == "maven2"'},
        change={"description": "Maven only", "expression": 'format == "maven2" and path =^ "/org/"'},
        replace={"name": {"name": "maven-only-2"}},
    ),
    "privilege": Example(
        PrivilegeProvider,
        {
            "name": "contract-maven-org",
            "type": "repository-content-selector",
            "actions": ["read", "browse"],
            "format": "maven2",
            "repository": "*",
            "content_selector": "maven-only",
        },
        change={"description": "reads under /org/", "actions": ["BROWSE", "READ", "ADD", "EDIT"]},
        replace={
            "name": {"name": "contract-maven-org-2"},
            "type": {"type": "repository-view", "content_selector": None},
        },
        needs=("content selector",),
        echo=_privilege_echo,
    ),
    "email server": Example(
        EmailServerProvider,
        {
            "enabled": True,
            "host": "smtp.example.com",
            "port": 587,
            "username": "nexus",
            "password": "smtp-secret-1",
            "from_address": "nexus@example.com",
            "start_tls_enabled": True,
        },
        change={"subject_prefix": "[nexus] ", "start_tls_required": True, "password": "smtp-secret-2"},
        echo=_email_echo,
    ),
    "trusted certificate": Example(
        TrustedCertificateProvider,
        {"pem": CONTRACT_PEM},
        # No update in place and no replace example: a new PEM is a new fingerprint, so both
        # fields replace together (test_truststore.py shows it).
        change={},
        echo=_trusted_certificate_echo,
    ),
    "HTTP settings": Example(
        HttpSettingsProvider,
        {
            "http_proxy_host": "proxy.example.test",
            "http_proxy_port": 3128,
            "http_proxy_username": "nexus",
            "http_proxy_password": "http-proxy-secret",
            "https_proxy_host": "proxy.example.test",
            "https_proxy_port": 3129,
            "https_proxy_username": "nexus",
            "https_proxy_password": "https-proxy-secret",
            "https_proxy_ntlm_host": "nexus-host",
            "https_proxy_ntlm_domain": "CORP",
            "non_proxy_hosts": ["localhost", "*.example.test"],
        },
        change={
            "non_proxy_hosts": ["localhost"],
            "retries": 5,
            "timeout_seconds": 60,
            "user_agent_suffix": "ci",
        },
        echo=_http_settings_echo,
    ),
}
