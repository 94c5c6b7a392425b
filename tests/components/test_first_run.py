"""The FirstRun component's outputs (components/first_run.py) in a preview, under Pulumi mocks."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest

from components.first_run import FirstRun, FirstRunArgs
from dynamic_providers.client import Connection
from tests.components import mocks as m


class RecordedFirstRun(m.RecordingMocks):
    """What a no-change preview reads back from the state: the recorded outputs, without the ones
    the engine dropped for being None."""

    def __init__(self, features: list[str], eula_accepted: bool | None) -> None:
        super().__init__()
        self.recorded: dict[str, Any] = {
            "connection": Connection(url="http://127.0.0.1:8081", username="admin").as_props(),
            "edition": "OSS" if "eula" not in features else "COMMUNITY",
            "capabilities": {"version": "3.71.0-06", "edition": "OSS", "features": features},
        }
        if eula_accepted is not None:
            self.recorded["eula_accepted"] = eula_accepted

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == m.T_FIRST_RUN:
            self.resources.append(args)
            return f"{args.name}-id", {**args.inputs, **self.recorded}
        return super().new_resource(args)


def preview_eula(mocks: RecordedFirstRun) -> tuple[Any, bool]:
    pulumi.runtime.set_mocks(mocks, project=m.PROJECT, stack=m.STACK, preview=True)
    seen: dict[str, Any] = {}

    async def read(output: pulumi.Output[Any]) -> None:
        seen["known"] = await output.is_known()
        seen["value"] = await output.future()

    @pulumi.runtime.test
    def program() -> Any:
        args = FirstRunArgs(
            url="http://127.0.0.1:8081", admin_password="pw", data_dir="/srv/nexus", accept_eula=True
        )
        component = FirstRun("first-run", args)
        return pulumi.Output.from_input(asyncio.ensure_future(read(component.eula_accepted)))

    program()
    return seen["value"], seen["known"]


@pytest.fixture(autouse=True)
def _back_to_plain_mocks() -> Any:
    yield
    m.install()


def test_an_edition_without_a_eula_previews_a_known_none() -> None:
    """Not `eulaAccepted: [unknown]` in every preview of the open-source core with acceptEula."""
    assert preview_eula(RecordedFirstRun(["format:maven2", "format:raw"], None)) == (None, True)


@pytest.mark.parametrize("accepted", [True, False])
def test_an_edition_with_a_eula_previews_what_was_recorded(accepted: bool) -> None:
    assert preview_eula(RecordedFirstRun(["eula", "format:docker"], accepted)) == (accepted, True)
