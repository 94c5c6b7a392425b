"""The one-way-door check in the real engine: `pulumi preview` and `up` refuse before anything after it runs.

The stack's container, snapshot command and Docker provider cannot run here (their plugins cannot be
built), so the program is the project's own ``OneWayDoorCheck`` and, standing in for the snapshot
command that stops Nexus, a resource that depends on it and records the version it last applied in
a file. The data directory holds real OrientDB-named files; the host look is the real local shell.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from reach.versions import FORCE_ONE_WAY_ENV

from .conftest import PulumiCli, copy_project

MAIN = '''\
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from dynamic_providers.one_way_door import OneWayDoorCheck
from reach.snapshots import HostPaths


class StopsNexusProvider(ResourceProvider):
    """Stands in for the snapshot command: writes the version it was applied for."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        with open(props["marker"], "w", encoding="utf-8") as handle:
            handle.write(props["version"])
        return CreateResult("stops-nexus", props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("version") != news.get("version"))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self.create(news).outs)


class StopsNexus(Resource, module="doortest", name="StopsNexus"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(StopsNexusProvider(), name, props, opts)


config = pulumi.Config()
version = config.require("version")
door = OneWayDoorCheck(
    "nexus-one-way-door",
    version=version,
    docker_host="unix:///var/run/docker.sock",
    paths=HostPaths(config.require("dataDir"), config.require("backupDir"), privileged=False),
    ssh_private_key=None,
)
StopsNexus(
    "nexus-snapshot",
    {"version": version, "marker": config.require("marker")},
    pulumi.ResourceOptions(depends_on=[door]),
)
pulumi.export("database", door.database)
'''

REFUSAL = "nexus.version 3.71.0-06: refusing, nothing was stopped"


def test_preview_and_up_refuse_orientdb_data_for_371(
    tmp_path: Path, pulumi_cli: Callable[..., PulumiCli]
) -> None:
    project = copy_project(tmp_path / "project")
    (project / "__main__.py").write_text(textwrap.dedent(MAIN))
    data = tmp_path / "nexus-data"
    (data / "db" / "config").mkdir(parents=True)
    (data / "db" / "config" / "database.ocf").write_bytes(b"\0" * 16)  # what OrientDB keeps there
    marker = tmp_path / "stopped-for"
    cli = pulumi_cli(project)
    cli.stack_init("e2e")
    cli.config_set("dataDir", str(data))
    cli.config_set("backupDir", str(tmp_path / "backups"))
    cli.config_set("marker", str(marker))

    cli.config_set("version", "3.62.0-01")
    cli.up()
    assert marker.read_text() == "3.62.0-01"
    assert cli.stack_outputs().get("database") is None  # below 3.71 nothing is looked at

    cli.config_set("version", "3.71.0-06")
    preview = cli.preview(check=False)
    assert preview.returncode != 0 and REFUSAL in preview.output and "OrientDB" in preview.output
    up = cli.up(check=False)
    assert up.returncode != 0 and REFUSAL in up.output, up.output
    assert marker.read_text() == "3.62.0-01"  # what depends on the check never ran

    cli.env[FORCE_ONE_WAY_ENV] = "1"  # the operator's override, for this one run
    cli.up()
    assert marker.read_text() == "3.71.0-06"
    assert cli.stack_outputs()["database"] == "OrientDB"
