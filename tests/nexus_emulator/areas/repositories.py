"""Repositories: formats, types, the group/proxy/hosted bodies and the real server's quirks.

One generic set of handlers serves every ``/v1/repositories/{fmt}/{type}`` operation of the
supported formats; responses are rendered from the operation's documented GET schema, so the
property set (and the ``null`` placeholders) follow the spec of each format and type.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .. import features
from ..core import Area, Request, Route, ServerState, register
from ..errors import (
    BeanValidationError,
    EmptyError,
    FieldValidationError,
    MessageError,
    Response,
    value_too_long,
)
from ..spec import load_spec, render_with_schema, strip_nulls

FORMATS = features.FORMATS
TYPES = ("hosted", "proxy", "group")
# Formats whose group takes ``writableMember`` (GroupDeployAttributes in the 3.93 document).
DEPLOY_GROUP_FORMATS = ("docker", "npm")
APPLICATION_PORT = 8081
#: ConfigurationDAO.xml of 3.71.0-06: ``name VARCHAR(200)`` (issue 31: longer names fail the insert).
REPOSITORY_NAME_COLUMN = 200
FIRST_KEYS = ("name", "format", "type", "url", "online")
# Values Nexus fills in when the request left the attribute out.
DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    ("npm", "proxy"): {"npm": {"removeQuarantined": False}},
    ("pypi", "proxy"): {"pypi": {"removeQuarantined": False}},
    ("raw", "hosted"): {"raw": {"contentDisposition": "ATTACHMENT"}},
    ("raw", "proxy"): {"raw": {"contentDisposition": "ATTACHMENT"}},
    ("raw", "group"): {"raw": {"contentDisposition": "ATTACHMENT"}},
}


def documented_types(segment: str) -> tuple[str, ...]:
    """The repository types the 3.93 document has for a format (no apt group, gitlfs hosted only,
    cocoapods proxy only; apt as on the 3.71.0-06 core)."""
    paths = load_spec().doc["paths"]
    return tuple(t for t in TYPES if f"/v1/repositories/{segment}/{t}" in paths)


# Where a format keeps a GPG keypair (the passphrase is never answered).
SIGNING_SECTIONS = ("aptSigning", "yumSigning")


@dataclass
class Repository:
    name: str
    segment: str  # URL format segment: maven, docker, ...
    type: str
    config: dict[str, Any]

    @property
    def format(self) -> str:
        return FORMATS[self.segment]

    def ports(self) -> list[int]:
        docker = self.config.get("docker") or {}
        return [p for p in (docker.get("httpPort"), docker.get("httpsPort")) if p is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "type": self.type,
            "config": copy.deepcopy(self.config),
        }


class Repositories:
    """Repositories by exact name, in creation order.

    Names are unique only as written: ``Case1`` and ``case1`` can both exist (the database key is
    the exact name). Every lookup by name is case-insensitive and resolves to the FIRST created of
    the names that match, whatever the format in the URL; so ``DELETE /v1/repositories/CASE1``
    deletes ``Case1`` (observed on 3.71.0-06).
    """

    def __init__(self) -> None:
        self.repos: dict[str, Repository] = {}

    def find(self, name: str) -> Repository | None:
        lowered = name.lower()
        return next((r for r in self.repos.values() if r.name.lower() == lowered), None)

    def add(self, repo: Repository) -> None:
        self.repos[repo.name] = repo

    def remove(self, repo: Repository) -> None:
        del self.repos[repo.name]

    def using_blobstore(self, blobstore: str) -> list[str]:
        """Exact-name match, as in ``BlobStoreManagerImpl#delete``."""
        return [
            r.name
            for r in self.repos.values()
            if (r.config.get("storage") or {}).get("blobStoreName") == blobstore
        ]

    def using_cleanup_policy(self, policy: str) -> list[Repository]:
        return [
            r
            for r in self.repos.values()
            if policy in ((r.config.get("cleanup") or {}).get("policyNames") or [])
        ]

    def using_routing_rule(self, rule: str) -> list[str]:
        """The repositories whose ``routingRule`` names the rule (as stored from their bodies)."""
        return [r.name for r in self.repos.values() if r.config.get("routingRule") == rule]

    def ordered(self) -> list[Repository]:
        """Creation order, as ``GET /v1/repositories`` lists them (observed on 3.71.0-06)."""
        return list(self.repos.values())

    def snapshot(self) -> dict[str, Any]:
        return {r.name: r.to_dict() for r in sorted(self.repos.values(), key=lambda r: r.name)}


def seed_default_repositories(state: ServerState) -> None:
    """The Maven repositories a fresh Nexus creates (``nexus.skipDefaultRepositories=false``)."""
    storage = {"blobStoreName": "default", "strictContentTypeValidation": True}
    maven_hosted = {"layoutPolicy": "STRICT", "contentDisposition": "INLINE"}
    repos = [
        Repository(
            "maven-releases",
            "maven",
            "hosted",
            {
                "name": "maven-releases",
                "online": True,
                "storage": dict(storage, strictContentTypeValidation=False, writePolicy="ALLOW_ONCE"),
                "maven": dict(maven_hosted, versionPolicy="RELEASE"),
            },
        ),
        Repository(
            "maven-snapshots",
            "maven",
            "hosted",
            {
                "name": "maven-snapshots",
                "online": True,
                "storage": dict(storage, writePolicy="ALLOW"),
                "maven": dict(maven_hosted, versionPolicy="SNAPSHOT"),
            },
        ),
        Repository(
            "maven-central",
            "maven",
            "proxy",
            {
                "name": "maven-central",
                "online": True,
                "storage": dict(storage, strictContentTypeValidation=False),
                "proxy": {
                    "remoteUrl": "https://repo1.maven.org/maven2/",
                    "contentMaxAge": -1,
                    "metadataMaxAge": 1440,
                },
                "negativeCache": {"enabled": True, "timeToLive": 1440},
                "httpClient": {"blocked": False, "autoBlock": False},
                "maven": {
                    "versionPolicy": "RELEASE",
                    "layoutPolicy": "PERMISSIVE",
                    "contentDisposition": "INLINE",
                },
            },
        ),
        Repository(
            "maven-public",
            "maven",
            "group",
            {
                "name": "maven-public",
                "online": True,
                "storage": dict(storage),
                "group": {"memberNames": ["maven-releases", "maven-snapshots", "maven-central"]},
            },
        ),
    ]
    for repo in repos:  # in the order a fresh 3.71.0-06 lists them
        state.repositories.add(repo)
        state.security.add_repository_privileges(repo.format, repo.name)


# -- rendering ---------------------------------------------------------------------------------


def repository_url(req: Request, name: str) -> str:
    return f"{req.base_url}/repository/{name}"


def render_full(req: Request, repo: Repository) -> dict[str, Any]:
    spec = load_spec()
    op = spec.operation("GET", f"/v1/repositories/{repo.segment}/{repo.type}/{{repositoryName}}")
    assert op is not None
    schema = spec.merged(op.response_schema(200))
    config = copy.deepcopy(DEFAULTS.get((repo.segment, repo.type), {}))
    config.update(copy.deepcopy(repo.config))
    config["routingRuleName"] = config.pop("routingRule", None)
    computed = {
        "name": repo.name,
        "format": repo.format,
        "type": repo.type,
        "url": repository_url(req, repo.name),
    }
    out: dict[str, Any] = {}
    for key in [*FIRST_KEYS, *schema["properties"]]:
        if key in out or key not in schema["properties"]:
            continue
        out[key] = (
            computed[key]
            if key in computed
            else render_with_schema(schema["properties"][key], config.get(key))
        )
    # Jackson annotations: replication and writableMember are omitted when empty.
    if out.get("replication") is None:
        out.pop("replication", None)
    if isinstance(out.get("group"), dict) and not out["group"].get("writableMember"):
        out["group"].pop("writableMember", None)
    newer = req.state.offers(features.REPOSITORY_GET_3_72)
    if isinstance(out.get("storage"), dict) and repo.type != "hosted":
        if repo.type == "proxy" and not newer:
            out["storage"]["writePolicy"] = out["storage"].get("writePolicy") or "ALLOW"
        else:
            out["storage"].pop("writePolicy", None)
    if repo.type == "hosted" and "component" in out and out["component"] is None:
        out["component"] = {"proprietaryComponents": False}  # observed on 3.71.0-06
    client = out.get("httpClient")
    if isinstance(client, dict) and client.get("connection") is None:
        # the defaults of an unset connection (observed on 3.71.0-06)
        client["connection"] = {
            "retries": None,
            "userAgentSuffix": None,
            "timeout": None,
            "enableCircularRedirects": False,
            "enableCookies": False,
            "useTrustStore": False,
        }
    auth = (out.get("httpClient") or {}).get("authentication")
    if isinstance(auth, dict):
        auth["password"] = None  # never returned
        if "bearerToken" in auth:
            auth["bearerToken"] = None
    if isinstance(out.get("proxy"), dict):
        if not newer:
            out["proxy"].pop("preserveEncodedCharacters", None)
        elif out["proxy"].get("preserveEncodedCharacters") is None:
            out["proxy"]["preserveEncodedCharacters"] = False
    if not newer and isinstance(out.get("raw"), dict):
        if repo.type == "group":
            out.pop("raw")
        else:
            out["raw"] = {"contentDisposition": out["raw"].get("contentDisposition")}
    for section in SIGNING_SECTIONS:
        if isinstance(out.get(section), dict):
            # The keypair comes back as sent, the passphrase never; and with no (or an empty)
            # passphrase stored, the whole section is null (apt hosted, observed on 3.71.0-06;
            # unconfirmed: yum's, taken to be the same).
            stored = (repo.config.get(section) or {}).get("passphrase")
            out[section] = dict(out[section], passphrase=None) if stored else None
    if repo.segment == "apt" and repo.type == "proxy" and not newer:
        # An apt proxy's GET on 3.71.0-06 has neither aptSigning nor apt.enforceDistribution,
        # whatever the create sent (observed); the 3.93 document has both.
        out.pop("aptSigning", None)
        if isinstance(out.get("apt"), dict):
            out["apt"].pop("enforceDistribution", None)
    if (
        isinstance(out.get("dockerProxy"), dict)
        and out["dockerProxy"].get("foreignLayerUrlWhitelist") is None
    ):
        out["dockerProxy"]["foreignLayerUrlWhitelist"] = []
    return out


def render_short(req: Request, repo: Repository) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if repo.type == "proxy":
        attributes["proxy"] = {"remoteUrl": (repo.config.get("proxy") or {}).get("remoteUrl")}
    return {
        "name": repo.name,
        "format": repo.format,
        "type": repo.type,
        "url": repository_url(req, repo.name),
        "attributes": attributes,
    }


# -- validation ----------------------------------------------------------------------------------


def _validate_attributes(segment: str, rtype: str, body: dict[str, Any]) -> None:
    """Bean violations of a format's attributes beyond the document's ``required`` lists."""
    if segment != "apt":
        return
    violations: list[tuple[str, str]] = []
    # Observed on 3.71.0-06: a proxy needs a distribution too (the 3.93 document leaves it
    # optional there: unconfirmed on 3.93), and any non-empty keypair is taken unchecked.
    if body.get("apt") is not None and not body["apt"].get("distribution"):
        violations.append(("distribution", "must not be empty"))
    if rtype == "hosted" and body.get("aptSigning") is not None and not body["aptSigning"].get("keypair"):
        violations.append(("keypair", "must not be empty"))
    if violations:
        raise BeanValidationError(violations)


def _validate_blobstore(req: Request, body: dict[str, Any]) -> str:
    name = (body.get("storage") or {}).get("blobStoreName")
    if not name:
        # Bean validation of the storage attributes (observed on 3.71.0-06, also for a missing name).
        raise BeanValidationError([("blobStoreName", "must not be empty")])
    # Ignoring case (``BlobStoreManagerImpl#exists``): a repository may name TW-B as tw-b and
    # keeps the name as sent (observed on 3.71.0-06).
    if req.state.blobstores.find_ignoring_case(name) is None:
        raise MessageError(400, "Blob store not found")
    return str(name)


def _validate_docker(req: Request, segment: str, body: dict[str, Any], self_name: str | None) -> None:
    if segment != "docker":
        return
    if req.state.offers(features.DOCKER_LOWERCASE_NAMES) and body["name"] != body["name"].lower():
        raise BeanValidationError(
            [("arg0", "Docker repository names must be lowercase to support path-based routing")]
        )
    docker = body.get("docker") or {}
    http, https = docker.get("httpPort"), docker.get("httpsPort")
    if http is not None and http == https:
        # unconfirmed: the UI rule "HTTP and HTTPS ports must be different"; the REST wording is unknown.
        raise FieldValidationError([("*", "HTTP and HTTPS ports must be different")])
    taken = {
        p: r.name
        for r in req.state.store(Repositories).repos.values()
        if r.name.lower() != (self_name or "").lower()
        for p in r.ports()
    }
    for port in (http, https):
        if port is None:
            continue
        # unconfirmed: exact text of the port-in-use / invalid-port violation (facet validation, 400).
        if not 1 <= port <= 65535:
            raise FieldValidationError([("*", f"Port {port} is not a valid port number")])
        if port == APPLICATION_PORT or port in taken:
            raise FieldValidationError([("*", f"Port {port} is already in use")])
    # unconfirmed: what Community Edition does with docker.subdomain (Pro-only); it is stored and echoed.


def _validate_group(req: Request, repo_format: str, body: dict[str, Any], self_name: str) -> None:
    group = body.get("group") or {}
    members = group.get("memberNames") or []
    if not members:
        # unconfirmed: memberNames is @NotEmpty (minItems 1 in the notes); wording of the violation.
        raise BeanValidationError([("memberNames", "must not be empty")])
    errors: list[tuple[str, str]] = []
    for member in members:
        found = req.state.store(Repositories).find(member)
        # unconfirmed: the violation id (``HelperBean.memberNames`` is a guess from the notes).
        if found is None or found.name.lower() == self_name.lower():
            errors.append(("HelperBean.memberNames", f"Member repository does not exist: {member}"))
        elif found.format != repo_format:
            errors.append(
                (
                    "HelperBean.memberNames",
                    f"Member repository format does not match group repository format: {member}",
                )
            )
    writable = group.get("writableMember")
    if writable and repo_format not in DEPLOY_GROUP_FORMATS:
        # Not a property of this format's group: ignored like any unknown property (a raw group
        # with one is created without it on 3.71.0-06).
        group.pop("writableMember")
    elif writable and not req.state.offers(features.GROUP_DEPLOY):
        # unconfirmed: the violation id of the INSUFFICIENT_LICENSE check.
        errors.append(
            (
                "HelperBean.group.writableMember",
                "Deploying to groups is a PRO-licensed feature. See "
                "https://links.sonatype.com/product-nexus-repository",
            )
        )
    elif writable and writable not in members:
        # unconfirmed: wording when the writable member is not one of the members (Pro).
        errors.append(
            ("HelperBean.group.writableMember", f"Writable member {writable} is not a member of the group")
        )
    if errors:
        raise FieldValidationError(errors)


def _validate_cleanup(req: Request, repo_name: str, repo_format: str, body: dict[str, Any]) -> None:
    names = (body.get("cleanup") or {}).get("policyNames") or []
    for name in names:
        policy = req.state.cleanup.find(name)
        if policy is None:
            continue  # unknown policy names are ignored silently
        if policy["format"] not in ("*", "ALL_FORMATS") and policy["format"] != repo_format:
            raise FieldValidationError(
                [
                    (
                        "*",
                        f"Repository {repo_name} is of format type {repo_format}, unable to "
                        f"assign cleanup policy {policy['name']} of format type {policy['format']}",
                    )
                ]
            )


def _facet_validation(
    req: Request, segment: str, rtype: str, body: dict[str, Any], self_name: str | None
) -> None:
    if rtype == "proxy" and not (body.get("proxy") or {}).get("remoteUrl"):
        # unconfirmed: remoteUrl is required by the proxy facet; reported as a bean violation here.
        raise BeanValidationError([("remoteUrl", "must not be null")])
    _validate_docker(req, segment, body, self_name)
    if rtype == "group":
        _validate_group(req, FORMATS[segment], body, body["name"])
    _validate_cleanup(req, body["name"], FORMATS[segment], body)


def _stored_config(body: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = strip_nulls(copy.deepcopy(body))
    return config


# -- handlers ------------------------------------------------------------------------------------


def _segment_type(req: Request) -> tuple[str, str]:
    parts = req.template.split("/")
    return parts[3], parts[4]


def create_repository(req: Request) -> Response:
    segment, rtype = _segment_type(req)
    body: dict[str, Any] = req.body
    _validate_attributes(segment, rtype, body)
    _validate_blobstore(req, body)
    _facet_validation(req, segment, rtype, body, None)
    repos = req.state.store(Repositories)
    if body["name"] in repos.repos:
        # The database key is the exact name: "Duplicate key" (observed on 3.71.0-06); a name that
        # differs only in case is accepted.
        raise MessageError(400, "Duplicate key")
    if len(body["name"]) > REPOSITORY_NAME_COLUMN:
        raise value_too_long("NAME", REPOSITORY_NAME_COLUMN, body["name"])
    repo = Repository(body["name"], segment, rtype, _stored_config(body))
    repos.add(repo)
    req.state.security.add_repository_privileges(repo.format, repo.name)
    req.state.tasks.repository_created(repo.format)
    return Response.no_content(201)


def _lookup_typed(req: Request) -> Repository:
    segment, rtype = _segment_type(req)
    repo = req.state.store(Repositories).find(req.params["repositoryName"])
    if repo is None or repo.segment != segment or repo.type != rtype:
        raise MessageError(404, "Repository not found")
    return repo


def get_repository(req: Request) -> Response:
    return Response.json(200, render_full(req, _lookup_typed(req)))


def update_repository(req: Request) -> Response:
    body: dict[str, Any] = req.body
    name = req.params["repositoryName"]
    if body.get("name") != name:
        raise MessageError(400, "Renaming a repository is not supported")
    _validate_attributes(*_segment_type(req), body)
    blobstore = _validate_blobstore(req, body)
    repo = req.state.store(Repositories).find(name)
    if repo is None:
        raise EmptyError(404, fault_id=False)
    if (repo.config.get("storage") or {}).get("blobStoreName") != blobstore:
        raise MessageError(400, "You cannot change a repository’s blob store through the API")
    # The stored recipe (format and type) is kept: only online, routingRule and attributes change.
    _facet_validation(req, repo.segment, repo.type, dict(body, name=repo.name), repo.name)
    config = _stored_config(body)
    config["name"] = repo.name
    repo.config = config
    return Response.no_content(204)


def list_repositories(req: Request) -> Response:
    sec = req.state.security
    visible = [
        r
        for r in req.state.store(Repositories).ordered()
        if sec.permits(req.user_id, f"nexus:repository-view:{r.format}:{r.name}:browse")
        or sec.permits(req.user_id, f"nexus:repository-admin:{r.format}:{r.name}:browse")
    ]
    return Response.json(200, [render_short(req, r) for r in visible])


def _lookup_any(req: Request) -> Repository:
    repo = req.state.store(Repositories).find(req.params["repositoryName"])
    if repo is None:
        raise MessageError(404, "Repository not found")
    return repo


def get_repository_short(req: Request) -> Response:
    return Response.json(200, render_short(req, _lookup_any(req)))


def delete_repository(req: Request) -> Response:
    repos = req.state.store(Repositories)
    repo = repos.find(req.params["repositoryName"])
    if repo is None:
        raise EmptyError(404, fault_id=False)
    repos.remove(repo)
    for other in repos.repos.values():  # removeRepositoryFromAllGroups
        group = other.config.get("group")
        if other.type == "group" and group and group.get("memberNames"):
            group["memberNames"] = [m for m in group["memberNames"] if m.lower() != repo.name.lower()]
            if (group.get("writableMember") or "").lower() == repo.name.lower():
                group.pop("writableMember", None)
    req.state.security.remove_repository_privileges(repo.format, repo.name)
    return Response.no_content(204)


def repository_settings(req: Request) -> Response:
    sec = req.state.security
    return Response.json(
        200,
        [
            render_full(req, r)
            for r in req.state.store(Repositories).ordered()
            if sec.permits(req.user_id, f"nexus:repository-admin:{r.format}:{r.name}:read")
        ],
    )


def _admin_permission(req: Request) -> str:
    action = {"GET": "read", "POST": "add", "PUT": "edit", "DELETE": "delete"}[req.method]
    parts = req.template.split("/")
    if len(parts) > 4 and parts[3] in FORMATS:
        fmt = FORMATS[parts[3]]
        name = (
            (req.body or {}).get("name", "*")
            if req.method == "POST"
            else req.params.get("repositoryName", "*")
        )
    else:
        repo = req.state.store(Repositories).find(req.params.get("repositoryName", ""))
        fmt, name = (repo.format, repo.name) if repo else ("*", req.params.get("repositoryName", "*"))
    return f"nexus:repository-admin:{fmt}:{name}:{action}"


def _routes() -> list[Route]:
    routes = [
        Route("GET", "/v1/repositories", list_repositories),
        Route("GET", "/v1/repositorySettings", repository_settings),
        Route("GET", "/v1/repositories/{repositoryName}", get_repository_short, _admin_permission),
        Route("DELETE", "/v1/repositories/{repositoryName}", delete_repository, _admin_permission),
    ]
    for segment in FORMATS:
        feature = features.fmt(segment)
        for rtype in documented_types(segment):
            base = f"/v1/repositories/{segment}/{rtype}"
            routes += [
                Route("POST", base, create_repository, _admin_permission, feature=feature),
                Route("GET", base + "/{repositoryName}", get_repository, _admin_permission, feature=feature),
                Route(
                    "PUT", base + "/{repositoryName}", update_repository, _admin_permission, feature=feature
                ),
            ]
    return routes


ROUTES = _routes()
AREA = register(Area("repositories", ROUTES, store=lambda _: Repositories()))
