"""Remember the Nexus version the last successful ``up`` deployed, so a preview can see a downgrade.

A Pulumi program cannot read its own previous state, but a provider can: ``check`` receives the
previous inputs. :class:`DeployedVersion` takes the configured ``version`` as input; ``check`` adds
``deployed_version`` = the previous ``version``, and the engine shows a dynamic resource's checked
inputs as its outputs during a preview. So in a preview:

* the version changes: ``deployed_version`` is the version deployed now (from the previous inputs);
* it does not: nothing changes and the outputs are the stored ones, where ``create``/``update``
  recorded ``deployed_version`` = ``version``.

Either way ``deployed_version`` is what runs now, and the program warns when the configured version
is older (see ``components/nexus_server.py``). It is registered after the container, so a failed
``up`` leaves the previous value. Nothing here talks to Nexus; ``diff`` only compares ``version``.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from dynamic_providers.errors import OneLineErrors

RESOURCE_ID = "nexus-deployed-version"


class DeployedVersionProvider(OneLineErrors):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = dict(news)
        previous = (_olds or {}).get("version")
        inputs["deployed_version"] = previous if isinstance(previous, str) and previous else None
        return CheckResult(inputs, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        changed = _olds.get("version") != _news.get("version")
        return DiffResult(changes=changed, replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(RESOURCE_ID, outs=_outputs(props["version"], None))

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=_outputs(_news["version"], _olds.get("version")))


def _outputs(version: str, previous: str | None) -> dict[str, Any]:
    return {"version": version, "deployed_version": version, "previous_version": previous}


class DeployedVersion(Resource, module="nexus", name="DeployedVersion"):
    """The Nexus version of the last successful ``up`` (``deployed_version``; see the module doc)."""

    version: pulumi.Output[str]
    deployed_version: pulumi.Output[str | None]
    previous_version: pulumi.Output[str | None]

    def __init__(self, resource_name: str, version: str, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"version": version, "deployed_version": None, "previous_version": None}
        super().__init__(DeployedVersionProvider(), resource_name, props, opts)
