"""Blob stores: file and S3 stores, quota status, deletion rules."""

from __future__ import annotations

import copy
import posixpath
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..core import Area, Request, Route, crud, register
from ..errors import (
    BeanValidationError,
    EmptyError,
    FieldValidationError,
    MessageError,
    Response,
    UnexpectedError,
    value_too_long,
)

SECRET_PLACEHOLDER = "#~NXRM~PLACEHOLDER~PASSWORD~#"
AVAILABLE_SPACE = 107_374_182_400
#: The name column (BlobStoreConfigurationDAO.xml: VARCHAR(256)); a 256-character name with its own
#: path was taken by the real 3.71.0-06 (a CI run of the two-backend check).
BLOB_STORE_NAME_LIMIT = 256
_S3_SECRETS = (
    ("bucketSecurity", "secretAccessKey"),
    ("bucketSecurity", "sessionToken"),
    ("encryption", "encryptionKey"),
)


@dataclass
class BlobStore:
    name: str
    type: str  # "File" or "S3"
    path: str | None = None
    soft_quota: dict[str, Any] | None = None
    bucket_configuration: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "path": self.path,
            "softQuota": self.soft_quota,
            "bucketConfiguration": copy.deepcopy(self.bucket_configuration) or None,
        }


class BlobStores:
    def __init__(self, data_dir: str) -> None:
        self.data_dir = data_dir
        self.stores: dict[str, BlobStore] = {}
        self.stores["default"] = BlobStore("default", "File", "default")

    # -- lookups -------------------------------------------------------------------------
    def find(self, name: str) -> BlobStore | None:
        """By exact name: how GET/PUT ``/v1/blobstores/file/{name}``, the quota status and the
        removal itself find a store (observed on 3.71.0-06: ``tw-b`` does not find ``TW-B``)."""
        return self.stores.get(name)

    def find_ignoring_case(self, name: str) -> BlobStore | None:
        """Case-insensitive, like ``BlobStoreManagerImpl#exists``: the duplicate check of a create,
        a repository's ``blobStoreName`` and the first check of a DELETE (observed on 3.71.0-06)."""
        lowered = name.lower()
        return next((s for s in self.stores.values() if s.name.lower() == lowered), None)

    def blobs_root(self) -> str:
        return posixpath.join(self.data_dir, "blobs")

    def normalise_path(self, path: str) -> str:
        """An absolute path inside ``<data>/blobs`` is reported relative (``getRelativeBlobDir``)."""
        root = self.blobs_root()
        norm = posixpath.normpath(path)
        if posixpath.isabs(norm) and (norm + "/").startswith(root + "/") and norm != root:
            return posixpath.relpath(norm, root)
        return norm if posixpath.isabs(norm) else posixpath.normpath(path)

    def absolute(self, path: str) -> str:
        return posixpath.normpath(path if posixpath.isabs(path) else posixpath.join(self.blobs_root(), path))

    def path_conflicts(self, path: str, exclude: str | None = None) -> list[str]:
        mine = self.absolute(path)
        clashes = []
        for store in self.stores.values():
            if store.type != "File" or store.path is None or store.name == exclude:
                continue
            other = self.absolute(store.path)
            if mine == other or mine.startswith(other + "/") or other.startswith(mine + "/"):
                clashes.append(store.name)
        return clashes

    def snapshot(self) -> dict[str, Any]:
        return {s.name: s.to_dict() for s in sorted(self.stores.values(), key=lambda s: s.name)}


# -- handlers ------------------------------------------------------------------------------


def _stores(req: Request) -> BlobStores:
    return req.state.store(BlobStores)


def _check_quota(body: dict[str, Any]) -> None:
    quota = body.get("softQuota")
    if quota and quota.get("type") and quota["type"].lower() == "spaceusedquota" and not quota.get("limit"):
        # observed on 3.71.0-06 (create and update).
        raise FieldValidationError([("*", "Space Used quotas must have a Quota Limit greater than 0")])


def _quota(body: dict[str, Any]) -> dict[str, Any] | None:
    quota = body.get("softQuota")
    if not quota or not quota.get("type"):
        return None
    return {"type": quota.get("type"), "limit": quota.get("limit")}


def list_blobstores(req: Request) -> Response:
    out = []
    for store in sorted(_stores(req).stores.values(), key=lambda s: s.name):
        out.append(
            {
                "softQuota": store.soft_quota,
                "name": store.name,
                "type": store.type,
                "unavailable": False,
                "blobCount": 0,
                "totalSizeInBytes": 0,
                "availableSpaceInBytes": AVAILABLE_SPACE,
            }
        )
    return Response.json(200, out)


def create_file(req: Request) -> Response:
    body = req.body or {}
    stores = _stores(req)
    # observed on 3.71.0-06 (issue 31): an empty name is "Name is required" (PARAMETER name)
    missing = [(f, "Name is required" if f == "name" else "must not be empty") for f in ("name", "path")]
    missing = [(f, m) for f, m in missing if not body.get(f)]
    if missing:
        raise BeanValidationError(missing)
    if len(body["name"]) > BLOB_STORE_NAME_LIMIT:
        # unconfirmed: the answer's body (H2's value-too-long message, as for roles and users)
        raise value_too_long("NAME", BLOB_STORE_NAME_LIMIT, body["name"])
    if stores.find_ignoring_case(body["name"]):
        raise FieldValidationError([("name", "Name is already used, must be unique (ignoring case)")])
    _check_quota(body)
    clashes = stores.path_conflicts(body["path"])
    if clashes:
        raise FieldValidationError(
            [
                (
                    "*",
                    "A file blob store must have a unique path, and may not be contained in a "
                    f"sub directory of another blob store. Blob stores with violations: "
                    f"{', '.join(clashes)}",
                )
            ]
        )
    store = BlobStore(body["name"], "File", stores.normalise_path(body["path"]), _quota(body))
    stores.stores[store.name] = store
    return Response.no_content(204)


def _file_store(req: Request) -> BlobStore:
    name = req.params["name"]
    store = _stores(req).find(name)
    if store is None:
        raise MessageError(404, f"Unable to find File '{name}' blobstore")
    if store.type != "File":
        # observed on 3.71.0-06 (GET of an S3 store's name)
        raise MessageError(400, f"Unable to read non-file blob store configuration (type was {store.type})")
    return store


def get_file(req: Request) -> Response:
    store = _file_store(req)
    return Response.json(200, {"softQuota": store.soft_quota, "path": store.path})


def update_file(req: Request) -> Response:
    store = _file_store(req)
    body = req.body or {}
    _check_quota(body)
    if body.get("path"):
        clashes = _stores(req).path_conflicts(body["path"], exclude=store.name)
        if clashes:
            raise FieldValidationError(
                [
                    (
                        "*",
                        "A file blob store must have a unique path, and may not be contained "
                        "in a sub directory of another blob store. Blob stores with "
                        f"violations: {', '.join(clashes)}",
                    )
                ]
            )
        store.path = _stores(req).normalise_path(body["path"])
    store.soft_quota = _quota(body)
    return Response.no_content(204)


def delete_blobstore(req: Request) -> Response:
    name = req.params["name"]
    if _stores(req).find_ignoring_case(name) is None:
        # Nexus formats "Unable to find %s '%s' blobstore" with an empty type: two spaces.
        raise MessageError(404, f"Unable to find  '{name}' blobstore")
    store = _stores(req).find(name)
    if store is None:
        # The resource's check ignores case, the removal does not (observed on 3.71.0-06: DELETE
        # of tw-b while only TW-B exists answers this 500 and deletes nothing).
        raise UnexpectedError(f"Missing BlobStore: {name}", "java.lang.IllegalStateException")
    if req.state.repositories.using_blobstore(store.name):
        raise MessageError(400, f"BlobStore {store.name} is in use and cannot be deleted")
    del _stores(req).stores[store.name]
    return Response.no_content(204)


def quota_status(req: Request) -> Response:
    name = req.params["name"]
    store = _stores(req).find(name)
    if store is None:
        raise EmptyError(404)
    if store.soft_quota is None:
        message = f"Blob store {store.name} has no quota"
    elif str(store.soft_quota["type"]).lower() == "spaceusedquota":
        # observed on 3.71.0-06: "Blob store q is using 0.00 B space and has a limit of 1.00 MB"
        limit = human_bytes(int(store.soft_quota.get("limit") or 0))
        message = f"Blob store {store.name} is using {human_bytes(0)} space and has a limit of {limit}"
    else:
        # unconfirmed: wording of the space-remaining message (an empty store never violates).
        message = f"Blob store {store.name} is not violating its {store.soft_quota['type']} quota"
    return Response.json(200, {"isViolation": False, "message": message, "blobStoreName": store.name})


def human_bytes(count: int) -> str:
    """Nexus's size text: decimal units, two decimals (1000000 -> ``1.00 MB``)."""
    value, unit = float(count), "B"
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            break
        value /= 1000
    return f"{value:.2f} {unit}"


# -- S3 --------------------------------------------------------------------------------------


def _mask(config: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(config)
    for section, key in _S3_SECRETS:
        if isinstance(out.get(section), dict) and out[section].get(key):
            out[section][key] = SECRET_PLACEHOLDER
    return out


def _merge_secrets(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(new)
    for section, key in _S3_SECRETS:
        if isinstance(out.get(section), dict) and out[section].get(key) == SECRET_PLACEHOLDER:
            out[section][key] = (old.get(section) or {}).get(key)
    return out


def _bucket_unusable(config: dict[str, Any]) -> str | None:
    """Why Nexus could not initialise the bucket, or None. Nexus reaches the bucket when the store
    is created and refuses the store when it cannot (observed on 3.71.0-06, both causes below);
    the emulator checks only what it can without an S3 server: a name, and an endpoint that takes
    a connection."""
    bucket = str((config.get("bucket") or {}).get("name") or "")
    if not bucket:
        return f"Unable to initialize blob store bucket: {bucket}, Cause: bucketName cannot be empty"
    endpoint = str((config.get("advancedBucketConnection") or {}).get("endpoint") or "")
    if endpoint:
        parts = urlsplit(endpoint)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError:
            return (
                f"Unable to initialize blob store bucket: {bucket}, Cause: Unable to execute HTTP request: "
                f"Connect to {host}:{port} [/{host}] failed: Connection refused"
            )
    return None


def create_s3(req: Request) -> Response:
    body = req.body or {}
    stores = _stores(req)
    # The S3 create checks the exact name only, whatever the other store's type: with a file
    # store Ft1 there, ft1 is created (201) and Ft1 is "Duplicate key" (observed on 3.71.0-06).
    if stores.find(body["name"]):
        raise MessageError(400, "Duplicate key", quoted=False, text=True)
    unusable = _bucket_unusable(body.get("bucketConfiguration") or {})
    if unusable:
        raise MessageError(400, unusable, quoted=False, text=True)
    _check_quota(body)
    stores.stores[body["name"]] = BlobStore(
        body["name"], "S3", None, _quota(body), copy.deepcopy(body["bucketConfiguration"])
    )
    return Response.no_content(201)


def _s3_store(req: Request) -> BlobStore:
    # By exact name: with only ex1 there, GET .../s3/EX1 is 404 (observed on 3.71.0-06).
    name = req.params["name"]
    store = _stores(req).find(name)
    if store is None:
        raise MessageError(404, f"Unable to find S3 '{name}' blobstore")  # observed on 3.71.0-06
    if store.type != "S3":
        raise MessageError(400, f"{name} is not an S3 blob store.")  # observed on 3.71.0-06
    return store


def get_s3(req: Request) -> Response:
    store = _s3_store(req)
    return Response.json(
        200,
        {
            "name": store.name,
            "softQuota": store.soft_quota,
            "bucketConfiguration": _mask(store.bucket_configuration),
            "type": "S3",
        },
    )


def update_s3(req: Request) -> Response:
    name, body = req.params["name"], req.body or {}
    store = _stores(req).find(name)
    # observed on 3.71.0-06: a missing store (exact name) or a file store, and a body whose name
    # is not the path's (or is missing), are refused as field violations.
    if store is None or store.type != "S3":
        raise FieldValidationError([("name", f"Blob store {name} is not an S3 blob store")])
    if body.get("name") != name:
        raise FieldValidationError([("name", "Renaming an S3 blob store name is not supported")])
    _check_quota(body)
    store.bucket_configuration = _merge_secrets(body["bucketConfiguration"], store.bucket_configuration)
    store.soft_quota = _quota(body)
    return Response.no_content(204)


PERM = crud("blobstores")

ROUTES = [
    Route("GET", "/v1/blobstores", list_blobstores, PERM),
    # Blob store names with spaces (or other characters outside the documented name pattern) are
    # accepted over REST (observed on 3.71.0-06).
    Route("POST", "/v1/blobstores/file", create_file, PERM, unenforced_patterns=frozenset({"name"})),
    Route("GET", "/v1/blobstores/file/{name}", get_file, PERM),
    Route("PUT", "/v1/blobstores/file/{name}", update_file, PERM),
    Route("DELETE", "/v1/blobstores/{name}", delete_blobstore, PERM),
    Route("GET", "/v1/blobstores/{name}/quota-status", quota_status, PERM),
    Route("POST", "/v1/blobstores/s3", create_s3, PERM),
    Route("GET", "/v1/blobstores/s3/{name}", get_s3, PERM),
    Route("PUT", "/v1/blobstores/s3/{name}", update_s3, PERM),
]

AREA = register(
    Area("blobstores", ROUTES, store=lambda state: BlobStores(state.data_dir), snapshot_key="blobStores")
)
