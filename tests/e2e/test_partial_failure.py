"""Issue 10 under the real engine: a registry that fails half-way leaves Nexus locked down, and
the user reads one line per provider error.

A fresh emulator (anonymous access on, only the local realm, as a fresh Nexus starts) and a
one-team stack in existing-Nexus mode. Every repository create is refused with a 503:

1. `up` fails, yet the security settings are in place: anonymous access is off and the realms
   (with ``DockerToken``) are set, because they wait for nothing but the first run.
2. The failure reaches the user as one line per resource, naming the repository, the Nexus call
   and what to do, without a Python traceback; ``NEXUS_PLATFORM_DEBUG=1`` brings the traceback back.
3. Once Nexus accepts the creates, a rerun converges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components.access import access_plan
from settings import load_stack_file
from tests.nexus_emulator import NexusEmulator

from .conftest import PulumiCli, existing_nexus_stack

STACK = "e2e"
NS = "nexus-platform"
API = "/service/rest"
ADMIN_PASSWORD = "e2e-partial-admin-pw-51c0d9"
REPOSITORIES = f"{API}/v1/repositories"


@dataclass
class World:
    emulator: NexusEmulator
    project: Path
    cli: PulumiCli

    def get(self, path: str) -> Any:
        response = self.emulator.call("GET", path)
        assert response.status == 200, (path, response.status)
        return response.body


@pytest.fixture(scope="module")
def world(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("partial-failure")
    emulator = NexusEmulator(admin_password=ADMIN_PASSWORD, anonymous_enabled=True).start()
    try:
        teams = {f"{NS}:teams": [{"name": "alpha", "releasePort": 16001, "latestPort": 16002}]}
        project, cli = existing_nexus_stack(work, STACK, emulator.url, ADMIN_PASSWORD, teams)
        yield World(emulator, project, cli)
    finally:
        emulator.stop()


def test_a_failing_registry_leaves_anonymous_access_off_and_the_realms_set(world: World) -> None:
    assert world.get("/v1/security/anonymous")["enabled"] is True  # a fresh Nexus is open
    assert "DockerToken" not in world.get("/v1/security/realms/active")
    world.emulator.fail_next(100, 503, method="POST", path_prefix=REPOSITORIES)
    try:
        failed = world.cli.up(check=False)
    finally:
        world.emulator.reset(state=False)
    assert failed.returncode != 0, failed.output[-3000:]
    assert world.get(REPOSITORIES.removeprefix(API)) == [], "a repository was created"
    assert world.get("/v1/security/anonymous")["enabled"] is False, failed.output[-3000:]
    expected = access_plan(load_stack_file(world.project / f"Pulumi.{STACK}.yaml")).realms.realms
    assert world.get("/v1/security/realms/active") == list(expected)
    assert "DockerToken" in expected

    # One line per failed resource: the object, the call, what to do; no traceback.
    assert "Traceback" not in failed.output, failed.output[-4000:]
    # Which repository fails first is a race (the engine starts no new step after a failure): the
    # Docker Hub proxy or a team's hosted repository.
    line = re.search(
        r"^.*repository 'docker-(hub|alpha-release|alpha-latest)': .*HTTP 503.*"
        r"\(POST /v1/repositories/docker/(proxy|hosted) -> 503\)\. Nexus failed on this call: .*"
        r"docker logs --tail 50 nexus.*$",
        failed.output,
        re.M,
    )
    assert line, failed.output[-4000:]
    assert not re.search(r'File ".*", line \d+', failed.output), failed.output[-4000:]


def test_the_debug_switch_shows_the_traceback(world: World) -> None:
    world.emulator.fail_next(100, 503, method="POST", path_prefix=REPOSITORIES)
    try:
        # The same stack and state, with the debug switch in the engine's environment.
        cli = PulumiCli(world.project, world.cli.state_dir.parent, env={"NEXUS_PLATFORM_DEBUG": "1"})
        cli.stack = STACK
        debug = cli.up(check=False)
    finally:
        world.emulator.reset(state=False)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.output, debug.output[-3000:]
    # The provider process ran the provider classes from the project copy (its working dir).
    assert f"{world.project}/dynamic_providers/client.py" in debug.output, debug.output[-3000:]


def test_a_rerun_converges(world: World) -> None:
    world.cli.up()
    names = {repo["name"] for repo in world.get(REPOSITORIES.removeprefix(API))}
    assert {"docker-alpha-release", "docker-alpha-latest", "docker-hub", "docker-all"} <= names
    assert world.get("/v1/security/anonymous")["enabled"] is False
    world.cli.preview("--expect-no-changes")
