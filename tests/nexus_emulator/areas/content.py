"""Repository content (``/repository/<name>/<path>``): what clients upload and fetch, and who may.

Hosted repositories only, for the permission model: raw and maven2 files (PUT, GET, HEAD, DELETE)
and the Docker registry API a push needs (``/v2/``, blob uploads, manifests). A request is allowed
when a role of the user grants the repository view permission for its action, or a content
selector privilege on the repository (or ``*``) with that action whose selector matches the
request's format and path (``/team-a/file.txt``, ``/v2/team-a/app/manifests/1.0``).

Observed on 3.71.0-06 (raw; docs/nexus-behaviour.md): a user whose only privilege is a
``repository-content-selector`` one over ``path =^ "/team-a/"`` gets ``201`` for a PUT under
``/team-a/`` and ``403`` under ``/team-b/`` or at the top, ``403`` for a GET of another team's
file (present or not) and ``404`` for a missing file of its own; without credentials, or with
bad ones, ``401``; a change of the selector's expression takes effect at once.
Docker (no Docker on the core): the same rules over the request path under the repository, as
Sonatype documents for content selectors and Docker (``/v2/`` for the client's version check).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..core import Area, ServerState, register
from ..csel import CselError, compile_csel
from ..errors import Response
from .content_selectors import ContentSelectors
from .repositories import Repositories, Repository

PREFIX = "/repository/"
CHALLENGE = 'BASIC realm="Sonatype Nexus Repository Manager"'
ACTIONS = {"GET": "read", "HEAD": "read", "PUT": "add", "POST": "add", "PATCH": "add", "DELETE": "delete"}
_UPLOAD = re.compile(r"^/v2/(?P<name>.+)/blobs/uploads/(?P<upload>[^/]*)$")
_BLOB = re.compile(r"^/v2/(?P<name>.+)/blobs/(?P<digest>sha256:[0-9a-f]{64})$")
_MANIFEST = re.compile(r"^/v2/(?P<name>.+)/manifests/(?P<reference>[^/]+)$")


@dataclass
class RepositoryContent:
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (repository, path)
    uploads: dict[str, bytearray] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        return {f"{repo}{path}": len(data) for (repo, path), data in sorted(self.files.items())}


def _allowed(state: ServerState, user_id: str, repo: Repository, path: str, action: str) -> bool:
    security = state.security
    if security.permits(user_id, f"nexus:repository-view:{repo.format}:{repo.name}:{action}"):
        return True
    selectors = state.store(ContentSelectors).selectors
    facts = {"format": repo.format, "path": path}
    for privilege in security.granted_privileges(user_id):
        if privilege["type"] != "repository-content-selector":
            continue
        actions = {a.lower() for a in privilege.get("actions") or []}
        selector = selectors.get(privilege.get("contentSelector"))
        if (
            privilege.get("repository") in ("*", repo.name)
            and privilege.get("format") in ("*", repo.format)
            and (action in actions or "all" in actions)
            and selector is not None
        ):
            try:
                if compile_csel(selector["expression"])(facts):
                    return True
            except CselError:
                continue
    return False


@dataclass(frozen=True)
class ContentRequest:
    method: str
    path: str  # /repository/<name>/...
    query: dict[str, list[str]]
    raw: bytes


def serve(state: ServerState, request: ContentRequest, user_id: str) -> Response:
    """The answer to a content request by ``user_id`` ("anonymous" or "" without credentials)."""
    method = request.method
    name, _, rest = request.path[len(PREFIX) :].partition("/")
    repo = state.store(Repositories).find(name)
    if repo is None or repo.type != "hosted" or method not in ACTIONS:
        return Response(status=404, empty=True)
    content = state.store(RepositoryContent)
    asset = "/" + rest
    action = ACTIONS[method]
    if method == "PUT" and (name, asset) in content.files:
        action = "edit"
    if not _allowed(state, user_id, repo, asset, action):
        # Nexus challenges a subject that has not logged in; a user gets 403.
        if user_id in ("anonymous", ""):
            return Response(status=401, empty=True, headers={"WWW-Authenticate": CHALLENGE})
        return Response(status=403, empty=True)
    if repo.format == "docker":
        return _docker(content, repo, ContentRequest(method, asset, request.query, request.raw))
    if method == "PUT":
        content.files[(name, asset)] = request.raw
        return Response(status=201, empty=True)
    data = content.files.get((name, asset))
    if data is None:
        return Response(status=404, empty=True)
    if method == "DELETE":
        del content.files[(name, asset)]
        return Response(status=204, empty=True)
    return Response(status=200, text=data.decode("utf-8", "replace"), content_type="application/octet-stream")


def _docker(content: RepositoryContent, repo: Repository, request: ContentRequest) -> Response:
    """The registry API calls of a push and a pull (Docker Registry HTTP API V2); ``request.path``
    is the path under the repository."""
    method, asset, raw = request.method, request.path, request.raw
    base = f"{PREFIX}{repo.name}"
    if asset == "/v2/" and method == "GET":
        return Response.json(200, {})
    if (upload := _UPLOAD.match(asset)) is not None:
        if method == "POST":
            upload_id = uuid.uuid4().hex
            content.uploads[upload_id] = bytearray(raw)
            headers = {"Location": f"{base}/v2/{upload['name']}/blobs/uploads/{upload_id}"}
            return Response(status=202, empty=True, headers={**headers, "Docker-Upload-UUID": upload_id})
        pending = content.uploads.get(upload["upload"])
        if pending is None:
            return Response(status=404, empty=True)
        pending.extend(raw)
        if method == "PATCH":
            return Response(status=202, empty=True, headers={"Location": f"{base}{asset}"})
        digest = (request.query.get("digest") or [""])[0]
        if method != "PUT" or digest != "sha256:" + hashlib.sha256(pending).hexdigest():
            return Response(status=400, empty=True)
        del content.uploads[upload["upload"]]
        content.files[(repo.name, f"/v2/{upload['name']}/blobs/{digest}")] = bytes(pending)
        return Response(status=201, empty=True, headers={"Docker-Content-Digest": digest})
    key = (repo.name, asset)
    if (blob := _BLOB.match(asset)) is not None and method in ("GET", "HEAD"):
        if key not in content.files:
            return Response(status=404, empty=True)
        return Response(status=200, empty=True, headers={"Docker-Content-Digest": blob["digest"]})
    if _MANIFEST.match(asset) is not None:
        if method == "PUT":
            content.files[key] = raw
            digest = "sha256:" + hashlib.sha256(raw).hexdigest()
            return Response(status=201, empty=True, headers={"Docker-Content-Digest": digest})
        if method in ("GET", "HEAD") and key in content.files:
            data = content.files[key]
            return Response(status=200, text=data.decode(), content_type=manifest_type(data))
    return Response(status=404, empty=True)


def manifest_type(data: bytes) -> str:
    match = re.search(rb'"mediaType"\s*:\s*"([^"]+)"', data)
    return match.group(1).decode() if match else "application/vnd.docker.distribution.manifest.v2+json"


AREA = register(Area("content", [], store=lambda _: RepositoryContent()))
