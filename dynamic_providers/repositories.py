"""Repositories of every format the platform uses (``/v1/repositories/{format}/{type}``).

One spec covers docker, maven2, npm, pypi and raw; hosted, proxy and group. Fields that do not
apply to a format or type are refused by ``check`` so a typo cannot be silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, SortedNames, Spec, calls
from dynamic_providers.capabilities import PROVIDED_BY
from dynamic_providers.client import NexusClient
from reach.names import FieldRuleError, check_name

Format = Literal["docker", "maven2", "npm", "pypi", "raw"]
RepoType = Literal["hosted", "proxy", "group"]
WritePolicy = Literal["ALLOW", "ALLOW_ONCE", "DENY"]

# The URL segment differs from the format name for Maven only.
API_FORMAT = {"docker": "docker", "maven2": "maven", "npm": "npm", "pypi": "pypi", "raw": "raw"}

_PROXY_FIELDS = (
    *("remote_url", "remote_username", "remote_password", "remote_ntlm_host", "remote_ntlm_domain"),
    *("use_trust_store", "routing_rule"),
)
_DOCKER_FIELDS = ("http_port", "https_port", "v1_enabled", "force_basic_auth")


class RepositorySpec(Spec):
    name: str
    format: Format
    type: RepoType
    online: bool = True
    blob_store: str = "default"
    strict_content_validation: bool = True
    cleanup_policies: SortedNames = ()  # a set in Nexus
    # hosted
    write_policy: WritePolicy | None = None
    # proxy
    remote_url: str | None = None
    content_max_age: int = -1  # minutes; -1 = Nexus's default for the format
    metadata_max_age: int = 1440
    negative_cache_enabled: bool = True
    negative_cache_ttl: int = 1440
    auto_block: bool = True
    blocked: bool = False
    remote_username: str | None = None
    remote_password: str | None = pydantic.Field(None, repr=False)  # write-only: Nexus never returns it
    # NTLM instead of basic authentication when both are set (httpClient.authentication type ntlm).
    remote_ntlm_host: str | None = None
    remote_ntlm_domain: str | None = None
    # Trust the certificates of Nexus's trust store (dynamic_providers/truststore.py) for the remote.
    use_trust_store: bool = False
    routing_rule: str | None = None  # the name of a routing rule (dynamic_providers/routing_rules.py)
    # group: members in order (order is resolution order and is kept)
    members: tuple[str, ...] = ()
    # docker
    http_port: int | None = pydantic.Field(None, ge=1, le=65535)
    https_port: int | None = pydantic.Field(None, ge=1, le=65535)
    v1_enabled: bool = False
    force_basic_auth: bool = True
    index_type: Literal["HUB", "REGISTRY", "CUSTOM"] | None = None
    index_url: str | None = None
    # maven
    version_policy: Literal["RELEASE", "SNAPSHOT", "MIXED"] | None = None
    layout_policy: Literal["STRICT", "PERMISSIVE"] | None = None
    # maven and raw
    content_disposition: Literal["INLINE", "ATTACHMENT"] | None = None

    @pydantic.field_validator(
        "write_policy", "index_type", "version_policy", "layout_policy", "content_disposition", mode="before"
    )
    @classmethod
    def _upper(cls, value: Any) -> Any:
        # Nexus accepts enums in any case and echoes them as sent: compare uppercase.
        return value.upper() if isinstance(value, str) else value

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> RepositorySpec:
        try:
            check_name(self.name, lowercase=self.format == "docker")
        except ValueError as error:
            raise FieldRuleError("name", str(error)) from None
        problems = []
        if self.type == "hosted" and self.write_policy is None:
            object.__setattr__(self, "write_policy", "ALLOW_ONCE")
        if self.type != "hosted" and self.write_policy is not None:
            problems.append(f"write_policy applies to hosted repositories, not {self.type}")
        if self.type == "proxy" and not self.remote_url:
            problems.append("remote_url is required for a proxy repository")
        if self.type != "proxy" and any(getattr(self, f) for f in _PROXY_FIELDS):
            problems.append(f"{'/'.join(_PROXY_FIELDS)} apply to proxies, not {self.type}")
        if self.type == "group" and not self.members:
            problems.append("members must name at least one repository")
        if self.type != "group" and self.members:
            problems.append(f"members applies to group repositories, not {self.type}")
        if self.name in self.members:
            problems.append("a group cannot contain itself")
        if self.format != "docker" and (self.http_port or self.https_port or self.index_type):
            problems.append("http_port/https_port/index_type apply to docker repositories only")
        if self.http_port is not None and self.http_port == self.https_port:
            problems.append("http_port and https_port must be different")
        if self.format == "docker" and self.type == "proxy" and self.index_type is None:
            object.__setattr__(self, "index_type", "REGISTRY")
        if self.index_type == "CUSTOM" and not self.index_url:
            problems.append("index_url is required when index_type is CUSTOM")
        if self.format == "maven2":
            object.__setattr__(self, "version_policy", self.version_policy or "RELEASE")
            object.__setattr__(self, "layout_policy", self.layout_policy or "STRICT")
            object.__setattr__(self, "content_disposition", self.content_disposition or "INLINE")
        elif self.format == "raw":
            object.__setattr__(self, "content_disposition", self.content_disposition or "ATTACHMENT")
        elif self.version_policy or self.layout_policy or self.content_disposition:
            problems.append("version_policy/layout_policy/content_disposition apply to maven2 (and raw)")
        if self.content_max_age == -1 and self.type == "proxy":
            object.__setattr__(self, "content_max_age", 1440)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def to_api(spec: RepositorySpec) -> dict[str, Any]:
    """The request body of POST/PUT for this spec (pure)."""
    storage: dict[str, Any] = {
        "blobStoreName": spec.blob_store,
        "strictContentTypeValidation": spec.strict_content_validation,
    }
    if spec.type == "hosted":
        storage["writePolicy"] = spec.write_policy
    body: dict[str, Any] = {"name": spec.name, "online": spec.online, "storage": storage}
    if spec.type != "group":
        body["cleanup"] = {"policyNames": list(spec.cleanup_policies)} if spec.cleanup_policies else None
    if spec.type == "proxy":
        body["proxy"] = {
            "remoteUrl": spec.remote_url,
            "contentMaxAge": spec.content_max_age,
            "metadataMaxAge": spec.metadata_max_age,
        }
        body["negativeCache"] = {
            "enabled": spec.negative_cache_enabled,
            "timeToLive": spec.negative_cache_ttl,
        }
        auth: dict[str, Any] | None = None
        if spec.remote_username:
            auth = {"type": "username", "username": spec.remote_username, "password": spec.remote_password}
        if auth and spec.remote_ntlm_host:
            auth.update(type="ntlm", ntlmHost=spec.remote_ntlm_host, ntlmDomain=spec.remote_ntlm_domain)
        body["httpClient"] = {
            "blocked": spec.blocked,
            "autoBlock": spec.auto_block,
            "connection": {"useTrustStore": spec.use_trust_store},
            "authentication": auth,
        }
        # The API takes routingRule on proxies only (the 3.93 document); GET answers routingRuleName.
        body["routingRule"] = spec.routing_rule
    if spec.type == "group":
        body["group"] = {"memberNames": list(spec.members)}
    if spec.format == "docker":
        body["docker"] = {
            "v1Enabled": spec.v1_enabled,
            "forceBasicAuth": spec.force_basic_auth,
            "httpPort": spec.http_port,
            "httpsPort": spec.https_port,
        }
        if spec.type == "proxy":
            body["dockerProxy"] = {"indexType": spec.index_type, "indexUrl": spec.index_url}
    if spec.format == "maven2":
        body["maven"] = {
            "versionPolicy": spec.version_policy,
            "layoutPolicy": spec.layout_policy,
            "contentDisposition": spec.content_disposition,
        }
    if spec.format == "raw":
        body["raw"] = {"contentDisposition": spec.content_disposition}
    return body


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    """Spec fields from a GET body (pure); remote_password is never returned by Nexus."""
    storage = body.get("storage") or {}
    proxy = body.get("proxy") or {}
    negative = body.get("negativeCache") or {}
    http_client = body.get("httpClient") or {}
    auth = http_client.get("authentication") or {}
    docker = body.get("docker") or {}
    docker_proxy = body.get("dockerProxy") or {}
    maven = body.get("maven") or {}
    raw = body.get("raw") or {}
    repo_type = body.get("type")
    fields: dict[str, Any] = {
        "name": body.get("name"),
        "format": body.get("format"),
        "type": repo_type,
        "online": body.get("online", True),
        "blob_store": storage.get("blobStoreName"),
        "strict_content_validation": storage.get("strictContentTypeValidation", True),
        "cleanup_policies": tuple((body.get("cleanup") or {}).get("policyNames") or ()),
        "write_policy": storage.get("writePolicy") if repo_type == "hosted" else None,
        "members": tuple((body.get("group") or {}).get("memberNames") or ()),
    }
    if repo_type == "proxy":
        fields.update(
            remote_url=proxy.get("remoteUrl"),
            content_max_age=proxy.get("contentMaxAge", 1440),
            metadata_max_age=proxy.get("metadataMaxAge", 1440),
            negative_cache_enabled=negative.get("enabled", True),
            negative_cache_ttl=negative.get("timeToLive", 1440),
            auto_block=http_client.get("autoBlock", True),
            blocked=http_client.get("blocked", False),
            remote_username=auth.get("username"),
            remote_ntlm_host=auth.get("ntlmHost") if auth.get("type") == "ntlm" else None,
            remote_ntlm_domain=auth.get("ntlmDomain") if auth.get("type") == "ntlm" else None,
            # An unset connection reads back with useTrustStore false (observed on 3.71.0-06).
            use_trust_store=bool((http_client.get("connection") or {}).get("useTrustStore")),
            routing_rule=body.get("routingRuleName"),
        )
    if body.get("format") == "docker":
        fields.update(
            http_port=docker.get("httpPort"),
            https_port=docker.get("httpsPort"),
            v1_enabled=docker.get("v1Enabled", False),
            force_basic_auth=docker.get("forceBasicAuth", True),
            index_type=docker_proxy.get("indexType") if repo_type == "proxy" else None,
            index_url=docker_proxy.get("indexUrl") if repo_type == "proxy" else None,
        )
    if body.get("format") == "maven2":
        fields.update(
            version_policy=maven.get("versionPolicy"),
            layout_policy=maven.get("layoutPolicy"),
            content_disposition=maven.get("contentDisposition"),
        )
    if body.get("format") == "raw":
        fields["content_disposition"] = raw.get("contentDisposition")
    return fields


class RepositoryProvider(NexusProvider[RepositorySpec], mappers=(to_api, from_api)):
    kind = "repository"
    api = Api("/v1/repositories/{api_format}/{type}", delete="/v1/repositories/{id}")
    # Nexus cannot rename, change format or type, or move a repository to another blob store.
    replace_fields = ("name", "format", "type", "blob_store")
    write_only_fields = ("remote_password",)
    # GET, PUT and DELETE of tw-a act on TW-A when only that one exists (observed on 3.71.0-06).
    lookup_ignores_case = True
    case_note = "Nexus looks repository names up ignoring case"

    def path_fields(self, source: Mapping[str, Any]) -> dict[str, str]:
        return {"api_format": API_FORMAT.get(str(source.get("format")), ""), "type": str(source.get("type"))}

    def missing_api_hint(self, spec: RepositorySpec) -> str:
        if spec.format == "docker":
            return PROVIDED_BY["format:docker"]
        return f"the {spec.format} format is not installed on this server"

    @calls("GET {delete} (the short form)", "fetch")
    def find(self, client: NexusClient, spec: RepositorySpec) -> tuple[str, Any] | None:
        # Lookup is case-insensitive in Nexus (the name it answers with may differ from the
        # spec's in case: create refuses that); the short form tells format and type.
        short = client.get_optional(f"/v1/repositories/{spec.name}")
        if short is None:
            return None
        if (short.get("format"), short.get("type")) != (spec.format, spec.type):
            return short["name"], short  # exists as another kind: adopt fails clearly on update
        body = self.fetch(client, short["name"], spec.model_dump())
        return (short["name"], body) if body is not None else None


class Repository(NexusResource[RepositorySpec]):
    """A repository, as components declare it."""
