"""Repositories of every format the platform uses (``/v1/repositories/{format}/{type}``).

One spec covers every format of :data:`FORMATS` (docker, maven2, npm, pypi, raw, apt, helm, yum,
go, nuget, rubygems, cargo, conda, r, gitlfs, cocoapods, conan); hosted, proxy and group as each
format allows. A format's own attributes (``apt.distribution``, ``yum.repodataDepth``, ...) are
declared once, in its :class:`FormatInfo`: where each goes in the request body, for which types,
and its default. Fields that do not apply to a format or type are refused by ``check`` so a typo
cannot be silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, SortedNames, Spec, calls
from dynamic_providers.capabilities import PROVIDED_BY
from dynamic_providers.client import NexusClient
from reach.names import FieldRuleError, check_name

# Every format but Docker: what `repositories[]` of the stack config takes (Docker comes from teams).
OtherFormat = Literal[
    "maven2", "npm", "pypi", "raw", "apt", "helm", "yum", "go", "nuget", "rubygems", "cargo", "conda", "r",
    "gitlfs", "cocoapods", "conan",
]  # fmt: skip
Format = Literal["docker", OtherFormat]
RepoType = Literal["hosted", "proxy", "group"]
WritePolicy = Literal["ALLOW", "ALLOW_ONCE", "DENY"]
ALL_TYPES: tuple[RepoType, ...] = ("hosted", "proxy", "group")

_PROXY_FIELDS = (
    *("remote_url", "remote_username", "remote_password", "remote_ntlm_host", "remote_ntlm_domain"),
    *("use_trust_store", "routing_rule"),
)


@dataclass(frozen=True)
class FormatField:
    """One attribute of a format's own part of the request body: spec field ``name`` is sent as
    ``body[section][key]`` to the repository ``types`` it applies to (elsewhere it is refused)."""

    name: str
    section: str
    key: str
    types: tuple[RepoType, ...] = ALL_TYPES
    default: Any = None  # what check fills in when unset: what Nexus would otherwise fill in
    required: bool = False
    # A secret: write-only for the provider (carried from the inputs, secret in the state), even
    # where Nexus answers it (the 3.71.0-06 core returns the apt keypair, never the passphrase).
    secret: bool = False


@dataclass(frozen=True)
class FormatInfo:
    """A format as the API has it: its URL segment, its repository types and its own attributes."""

    segment: str
    types: tuple[RepoType, ...] = ALL_TYPES
    fields: tuple[FormatField, ...] = ()
    # The server lists it in GET /v1/formats/upload-specs (or, Docker, by its realm), so the first
    # run can tell before any write whether the server has it; the others are found out at create.
    detectable: bool = True

    def fields_for(self, repo_type: str) -> tuple[FormatField, ...]:
        return tuple(f for f in self.fields if repo_type in f.types)


def _signing(section: str, types: tuple[RepoType, ...], *, required: bool) -> tuple[FormatField, ...]:
    """A GPG keypair (ASCII-armoured private key) and its passphrase, both write-only secrets."""
    return (
        FormatField("signing_key", section, "keypair", types, required=required, secret=True),
        FormatField("signing_passphrase", section, "passphrase", types, secret=True),
    )


_STORING: tuple[RepoType, ...] = ("hosted", "proxy")

# Every format, from the 3.93 OpenAPI document (its request bodies) and, for apt, maven2 and raw,
# the real 3.71.0-06 core. The URL segment differs from the format name for Maven only. The
# defaults of the Community formats are the Nexus UI's (the document states none): unconfirmed.
FORMATS: Mapping[str, FormatInfo] = {
    "docker": FormatInfo(
        "docker",
        fields=(
            FormatField("http_port", "docker", "httpPort"),
            FormatField("https_port", "docker", "httpsPort"),
            FormatField("v1_enabled", "docker", "v1Enabled", default=False),
            FormatField("force_basic_auth", "docker", "forceBasicAuth", default=True),
            FormatField("index_type", "dockerProxy", "indexType", ("proxy",), default="REGISTRY"),
            FormatField("index_url", "dockerProxy", "indexUrl", ("proxy",)),
        ),
    ),
    # A Maven group has no maven attributes (the document's request and answer): none is sent.
    "maven2": FormatInfo(
        "maven",
        fields=(
            FormatField("version_policy", "maven", "versionPolicy", _STORING, default="RELEASE"),
            FormatField("layout_policy", "maven", "layoutPolicy", _STORING, default="STRICT"),
            FormatField("content_disposition", "maven", "contentDisposition", _STORING, default="INLINE"),
        ),
    ),
    "npm": FormatInfo("npm"),
    "pypi": FormatInfo("pypi"),
    "raw": FormatInfo(
        "raw", fields=(FormatField("content_disposition", "raw", "contentDisposition", default="ATTACHMENT"),)
    ),
    # The 3.71.0-06 core: hosted needs a distribution and a signing keypair (any text is taken),
    # proxy a distribution and flat; there is no apt group.
    "apt": FormatInfo(
        "apt",
        types=("hosted", "proxy"),
        fields=(
            FormatField("distribution", "apt", "distribution", ("hosted", "proxy"), required=True),
            FormatField("flat", "apt", "flat", ("proxy",), default=False),
            *_signing("aptSigning", ("hosted",), required=True),
        ),
    ),
    "helm": FormatInfo("helm"),
    "yum": FormatInfo(
        "yum",
        fields=(
            FormatField("repodata_depth", "yum", "repodataDepth", ("hosted",), default=0),
            FormatField("deploy_policy", "yum", "deployPolicy", ("hosted",), default="STRICT"),
            *_signing("yumSigning", ("proxy", "group"), required=False),
        ),
    ),
    "go": FormatInfo("go"),
    "nuget": FormatInfo(
        "nuget",
        fields=(
            FormatField("nuget_version", "nugetProxy", "nugetVersion", ("proxy",), default="V3"),
            FormatField(
                "query_cache_item_max_age", "nugetProxy", "queryCacheItemMaxAge", ("proxy",), default=3600
            ),
        ),
    ),
    "rubygems": FormatInfo("rubygems"),
    "cargo": FormatInfo(
        "cargo",
        fields=(
            FormatField(
                "require_authentication", "cargo", "requireAuthentication", ("proxy", "group"), default=False
            ),
        ),
        detectable=False,
    ),
    "conda": FormatInfo("conda"),
    "r": FormatInfo("r"),
    "gitlfs": FormatInfo("gitlfs", types=("hosted",), detectable=False),
    "cocoapods": FormatInfo("cocoapods", types=("proxy",), detectable=False),
    "conan": FormatInfo(
        "conan",
        fields=(FormatField("conan_version", "conanProxy", "conanVersion", ("proxy",), default="V1"),),
        detectable=False,
    ),
}
API_FORMAT = {name: info.segment for name, info in FORMATS.items()}
#: Every repository, each as ``GET /v1/repositories/{format}/{type}/{name}`` answers it.
EVERY_REPOSITORY = "/v1/repositorySettings"


def format_feature(repo_format: str) -> str | None:
    """The capability a server shows when it has the format (``format:apt``), or None when the
    server does not show it before a write (the create then refuses with the missing-format line)."""
    info = FORMATS.get(repo_format)
    return f"format:{repo_format}" if info is not None and info.detectable else None


def _where(field: str) -> str:
    """Where a format field applies, for the refusal: ``apt hosted and proxy repositories``."""
    places = []
    for name, info in FORMATS.items():
        types = [t for f in info.fields if f.name == field for t in f.types]
        if types:
            kinds = "" if set(types) >= set(info.types) else " " + " and ".join(types)
            places.append(f"{name}{kinds}")
    return ", ".join(places) + " repositories"


def kind_page_sections() -> list[str]:
    """The format table of the kind's reference page (docs/kinds/repositories.md)."""
    lines = [
        "## Formats",
        "",
        "Each format's own fields: where they go in the request body, for which types, and what "
        "`check` fills in when a field is unset. A field given where it does not apply is refused, "
        "naming it. The first run checks the formats it can see on the server (`GET "
        "/v1/formats/upload-specs`, Docker by its realm) before any write; the others are found "
        "missing by the create (404: the format is not installed).",
        "",
        "| format | URL segment | types | own fields | seen by the first run |",
        "|---|---|---|---|---|",
    ]
    for name, info in FORMATS.items():
        own = []
        for field in info.fields:
            notes = ["/".join(field.types) if field.types != info.types else ""]
            notes += ["required" if field.required else ""]
            notes += [f"default `{field.default}`" if field.default is not None else ""]
            notes += ["secret, write-only" if field.secret else ""]
            said = ", ".join(note for note in notes if note)
            own.append(f"`{field.name}` (`{field.section}.{field.key}`{'; ' + said if said else ''})")
        lines.append(
            f"| `{name}` | `{info.segment}` | {', '.join(info.types)} | {'<br>'.join(own) or '-'} | "
            f"{'yes' if info.detectable else 'no'} |"
        )
    lines += [
        "",
        "The 3.71.0-06 core answers an apt hosted repository's GET with its signing keypair as sent "
        "and a null passphrase (with no passphrase stored, no `aptSigning` at all); the provider "
        "treats both as write-only all the same: carried from the inputs, secret in the state, "
        "never read back.",
        "",
    ]
    return lines


# Every format field once, in declaration order (a field may serve several formats).
_FORMAT_FIELD_NAMES = tuple(dict.fromkeys(f.name for info in FORMATS.values() for f in info.fields))
SECRET_FORMAT_FIELDS = tuple(
    dict.fromkeys(f.name for info in FORMATS.values() for f in info.fields if f.secret)
)


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
    # apt (hosted and proxy); the signing keypair also for yum proxies and groups
    distribution: str | None = pydantic.Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    flat: bool | None = None
    signing_key: str | None = pydantic.Field(None, repr=False)  # write-only: an armoured GPG private key
    signing_passphrase: str | None = pydantic.Field(None, repr=False)  # write-only
    # yum hosted
    repodata_depth: int | None = pydantic.Field(None, ge=0, le=5)
    deploy_policy: Literal["STRICT", "PERMISSIVE"] | None = None
    # nuget proxy
    nuget_version: Literal["V2", "V3"] | None = None
    query_cache_item_max_age: int | None = pydantic.Field(None, ge=0)  # seconds
    # cargo proxy and group
    require_authentication: bool | None = None
    # conan proxy
    conan_version: Literal["V1", "V2"] | None = None

    @pydantic.field_validator(
        "write_policy",
        "index_type",
        "version_policy",
        "layout_policy",
        "content_disposition",
        "deploy_policy",
        "nuget_version",
        "conan_version",
        mode="before",
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
        named = self._format_field_problems()
        if self.http_port is not None and self.http_port == self.https_port:
            problems.append("http_port and https_port must be different")
        if self.index_type == "CUSTOM" and not self.index_url:
            problems.append("index_url is required when index_type is CUSTOM")
        if self.content_max_age == -1 and self.type == "proxy":
            object.__setattr__(self, "content_max_age", 1440)
        if len(named) == 1 and not problems:
            raise FieldRuleError(*named[0])  # reported under the field's own key
        problems += [message for _, message in named]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _format_field_problems(self) -> list[tuple[str, str]]:
        """Fill in each format field's default; (field, reason) for each one given where it does
        not apply, or missing where it is required."""
        info = FORMATS[self.format]
        if self.type not in info.types:
            return [("type", f"{self.format} repositories are {' or '.join(info.types)}, not {self.type}")]
        applicable = {field.name: field for field in info.fields_for(self.type)}
        problems: list[tuple[str, str]] = []
        for name in _FORMAT_FIELD_NAMES:
            value = getattr(self, name)
            field = applicable.get(name)
            if field is None:
                if value != type(self).model_fields[name].default:
                    problems.append(
                        (name, f"{name} applies to {_where(name)} only, not {self.format} {self.type}")
                    )
            elif value is None and field.default is not None:
                object.__setattr__(self, name, field.default)
            elif field.required and not value:
                problems.append((name, f"{name} is required for {self.format} {self.type} repositories"))
        return problems


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
    for field in FORMATS[spec.format].fields_for(spec.type):
        body.setdefault(field.section, {})[field.key] = getattr(spec, field.name)
    return body


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    """Spec fields from a GET body (pure); remote_password is never returned by Nexus, and the
    formats' secrets are not read (write-only)."""
    storage = body.get("storage") or {}
    proxy = body.get("proxy") or {}
    negative = body.get("negativeCache") or {}
    http_client = body.get("httpClient") or {}
    auth = http_client.get("authentication") or {}
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
    info = FORMATS.get(str(body.get("format")))
    for field in info.fields_for(str(repo_type)) if info else ():
        if field.secret:
            continue  # carried from the inputs (write_only_fields), never taken from an answer
        value = (body.get(field.section) or {}).get(field.key)
        if value is not None:  # unset: the spec's default (what check fills in)
            fields[field.name] = value
    return fields


class RepositoryProvider(NexusProvider[RepositorySpec], mappers=(to_api, from_api)):
    kind = "repository"
    api = Api("/v1/repositories/{api_format}/{type}", delete="/v1/repositories/{id}")
    # Nexus cannot rename, change format or type, or move a repository to another blob store.
    replace_fields = ("name", "format", "type", "blob_store")
    write_only_fields = ("remote_password", *SECRET_FORMAT_FIELDS)
    # GET, PUT and DELETE of tw-a act on TW-A when only that one exists (observed on 3.71.0-06).
    lookup_ignores_case = True
    case_note = "Nexus looks repository names up ignoring case"

    def path_fields(self, source: Mapping[str, Any]) -> dict[str, str]:
        return {"api_format": API_FORMAT.get(str(source.get("format")), ""), "type": str(source.get("type"))}

    def path_combination_exists(self, fields: Mapping[str, Any]) -> bool:
        info = FORMATS.get(str(fields.get("format")))
        return info is not None and fields.get("type") in info.types

    def missing_api_hint(self, spec: RepositorySpec) -> str:
        if spec.format == "docker":
            return PROVIDED_BY["format:docker"]
        return f"the {spec.format} format is not installed on this server"

    @calls(f"GET {EVERY_REPOSITORY} (every repository, once per provider process until it writes)")
    def read_body(
        self, client: NexusClient, object_id: str, props: Mapping[str, Any]
    ) -> tuple[Any | None, str | None]:
        return self.listed(client, EVERY_REPOSITORY, object_id, props)

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
