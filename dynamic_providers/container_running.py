"""A container the stack runs that was stopped outside Pulumi: seen by every preview, started by ``up``.

Not an object in Nexus: a look at the Docker host. The docker provider reads a stopped container
as unchanged (``restart: always`` does not restart a container stopped by ``docker stop``), so
without this a stopped Nexus is invisible: ``up`` says nothing changed while HTTPS answers 503.

``check`` (which the engine calls in every preview and at the start of every ``up``) asks the
Docker host for the container's state (``docker inspect``: one local command, or one SSH session).
When the container exists and is not running, the state differs from ``running`` and the diff
shows ``~ state``; ``update`` then starts the container and waits until Docker reports it healthy
(bounded), so what depends on this resource (the first run, and through it every Nexus object)
finds a serving Nexus. A missing container is left to the docker provider (it creates it).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dynamic_providers.base import _contains_unknown
from dynamic_providers.errors import OneLineErrors, ProviderError
from reach.host import private_key_file, shell_for

RUNNING = "running"
#: What ``docker inspect`` cannot tell: no such container (the docker provider creates it).
ABSENT = "absent"
INPUTS = ("docker_host", "container", "ssh_private_key")
#: Seconds ``update`` waits for a started container to be running and, with a healthcheck, healthy.
START_WAIT_SECONDS = 900.0
POLL_SECONDS = 3.0


def inspect_script(container: str) -> str:
    """Prints ``<status> <health>`` of the container (health ``none`` without a healthcheck), or
    ``absent``."""
    name = shlex.quote(container)
    fmt = shlex.quote("{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}")
    return f"docker inspect -f {fmt} {name} 2>/dev/null || echo {ABSENT}"


def parse_state(output: str) -> tuple[str, str]:
    """(status, health) from :func:`inspect_script`'s output."""
    words = output.split()
    if not words or words[0] == ABSENT:
        return ABSENT, "none"
    return words[0], words[1] if len(words) > 1 else "none"


def observed_state(props: Mapping[str, Any], script: str) -> str:
    host = str(props["docker_host"])
    with private_key_file(props.get("ssh_private_key")) as identity:
        result = shell_for(host, identity_file=identity).run(script, timeout=120)
    if not result.ok:
        raise ProviderError(
            f"container {props['container']}: could not ask the Docker host {host} for its state: "
            f"{(result.stderr or result.stdout).strip()[-300:]}"
        )
    return result.stdout


def needs_start(state: str) -> bool:
    """A container that exists and does not run (exited, created, paused is left alone)."""
    return state in {"exited", "created", "dead"}


class ContainerRunningProvider(OneLineErrors):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if _contains_unknown(news):
            return CheckResult(news, [])
        status, _health = parse_state(observed_state(news, inspect_script(str(news["container"]))))
        if needs_start(status):
            pulumi.log.warn(
                f"the {news['container']} container is {status} (stopped outside Pulumi): `pulumi up` "
                "starts it and waits until it is healthy"
            )
        return CheckResult({**news, "state": status}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = any(olds.get(name) != news.get(name) for name in INPUTS) or needs_start(
            str(news.get("state"))
        )
        return DiffResult(changes=changed, replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['container']}-running", outs=self._converge(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._converge(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)  # the state is looked at in check, at every preview and up

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None

    def _converge(self, props: dict[str, Any]) -> dict[str, Any]:
        if not needs_start(str(props.get("state"))):
            return {**props, "state": str(props.get("state"))}
        container = str(props["container"])
        name = shlex.quote(container)
        observed_state(props, f"docker start {name} >/dev/null")
        deadline = time.monotonic() + START_WAIT_SECONDS
        status, health = ABSENT, "none"
        while time.monotonic() < deadline:
            status, health = parse_state(observed_state(props, inspect_script(container)))
            if status == RUNNING and health in {"healthy", "none"}:
                return {**props, "state": RUNNING}
            if health == "unhealthy":
                break
            time.sleep(POLL_SECONDS)
        raise ProviderError(
            f"the {container} container was started again but is {status} ({health}) after waiting: "
            f"`docker logs --tail 50 {container}` on the Docker host says why"
        )


class ContainerRunning(Resource, module="nexus", name="ContainerRunning"):
    """Starts (in ``up``) a container of the stack that was stopped outside Pulumi."""

    state: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        docker_host: str,
        container: str,
        ssh_private_key: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "docker_host": docker_host,
            "container": container,
            "ssh_private_key": pulumi.Output.secret(ssh_private_key) if ssh_private_key else None,
            "state": None,
        }
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["ssh_private_key"])
        )
        super().__init__(ContainerRunningProvider(), resource_name, props, opts)
