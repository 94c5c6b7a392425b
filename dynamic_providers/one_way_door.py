"""Refuse a Nexus version that cannot open the data directory, in preview and before `up` stops Nexus.

Not an object in Nexus: a look at the data directory on the Docker host, made in ``check`` (which
the engine calls in a preview and at the start of each ``up``). The snapshot command, and through
it the container, depend on this resource, so when ``check`` refuses, nothing has been stopped.

The known one-way door (:func:`reach.versions.one_way_door`): OrientDB data under Nexus 3.71
or later, which exits at start. Below 3.71 nothing is looked at. Once the directory was seen
holding H2 it is not looked at again (no release goes back from H2 to OrientDB; a rollback to an
OrientDB snapshot pins a release before 3.71, which resets this). The operator who knows better
sets ``NEXUS_PLATFORM_FORCE_ONE_WAY=1`` for that one run (``scripts/upgrade --force-one-way`` does),
and the real failure is then handled like any other.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dynamic_providers.base import _contains_unknown
from dynamic_providers.errors import OneLineErrors
from dynamic_providers.exceptions import ProviderError
from reach.host import private_key_file, run_checked, shell_for
from reach.snapshots import HostPaths, database_files_script
from reach.versions import (
    FORCE_ONE_WAY_ENV,
    NO_ORIENTDB_FROM,
    Database,
    compare,
    database_of,
    one_way_door,
)

RESOURCE_ID = "nexus-one-way-door"
INPUTS = ("version", "docker_host", "data_dir", "backup_dir", "privileged", "ssh_private_key")


def forced(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(FORCE_ONE_WAY_ENV, "") not in ("", "0")


def judge_database(
    olds: Mapping[str, Any], news: Mapping[str, Any], list_db_files: Callable[[], list[str]], *, force: bool
) -> str | None:
    """The database recorded for this check (None: not looked at); raises when the door is closed."""
    target = str(news["version"])
    if compare(target, NO_ORIENTDB_FROM) < 0:
        return None
    if olds.get("database") == Database.H2.value:
        return Database.H2.value
    database = database_of(list_db_files())
    previous = olds.get("version")
    deployed = str(previous) if isinstance(previous, str) and previous != target else None
    door = one_way_door(deployed, target, database)
    if door is not None and not force:
        raise ProviderError(
            f"nexus.version {target}: refusing, nothing was stopped: {door} Outside scripts/upgrade the "
            f"same override is {FORCE_ONE_WAY_ENV}=1 in the environment of that one `pulumi up`."
        )
    return database.value


def list_database_files(props: Mapping[str, Any]) -> list[str]:
    """The files under ``<dataDir>/db`` on the Docker host, as the snapshot scripts see them."""
    paths = HostPaths(
        data_dir=str(props["data_dir"]),
        backup_dir=str(props["backup_dir"]),
        privileged=bool(props.get("privileged", True)),
    )
    host = str(props["docker_host"])
    try:
        with private_key_file(props.get("ssh_private_key")) as identity:
            shell = shell_for(host, identity_file=identity)
            listing = run_checked(shell, database_files_script(paths), "listing the database files")
    except Exception as error:  # any way the look fails is told the same way
        raise ProviderError(
            f"nexus.version {props['version']}: could not look at {paths.data_dir}/db on {host} to tell "
            f"OrientDB from H2 (Nexus {NO_ORIENTDB_FROM} and later cannot open OrientDB data): {error}"
        ) from None
    return listing.split()


class OneWayDoorProvider(OneLineErrors):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if _contains_unknown(news):
            return CheckResult(news, [])
        database = judge_database(olds or {}, news, lambda: list_database_files(news), force=forced())
        return CheckResult({**news, "database": database}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # What the look found is no change of the stack: the first `up` records an empty data
        # directory and Nexus then writes its database, which every later look would find.
        changed = any(olds.get(name) != news.get(name) for name in INPUTS)
        return DiffResult(changes=changed, replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(RESOURCE_ID, outs=props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)  # a look at the host has nothing to read back

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class OneWayDoorCheck(Resource, module="nexus", name="OneWayDoorCheck"):
    """Refuses (in preview and up) a ``nexus.version`` that cannot open the data directory."""

    database: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        version: str,
        docker_host: str,
        paths: HostPaths,
        ssh_private_key: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "version": version,
            "docker_host": docker_host,
            "data_dir": paths.data_dir,
            "backup_dir": paths.backup_dir,
            "privileged": paths.privileged,
            "ssh_private_key": pulumi.Output.secret(ssh_private_key) if ssh_private_key else None,
            "database": None,
        }
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["ssh_private_key"])
        )
        super().__init__(OneWayDoorProvider(), resource_name, props, opts)
