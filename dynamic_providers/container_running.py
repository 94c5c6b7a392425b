"""A container of the stack, serving: waited for after every new container, started again when it
was stopped outside Pulumi, and a crash named at once.

Not an object in Nexus: a look at the Docker host (one ``docker inspect``: a local command, or one
SSH session).

* **Stopped outside Pulumi.** The docker provider reads a stopped container as unchanged
  (``restart: always`` does not restart a container stopped by ``docker stop``), so a stopped Nexus
  was invisible: ``up`` said nothing changed while HTTPS answered 503. ``check`` (which the engine
  calls in every preview and at the start of every ``up``) records the container's state; one that
  exists and is not running shows as ``~ state``, and ``update`` starts it.
* **A new container** (its id is the ``revision`` input: an upgrade, a rollback, any replacement)
  is waited for until Docker reports it healthy. The docker provider's own wait cannot tell a
  container that crashes from one that starts slowly: under ``restart: always`` a Nexus that exits
  at start (e.g. 3.71 on OrientDB data) is restarted forever and the wait ran its whole 15 minutes.
  Here a container that exits, or that Docker restarts, fails ``up`` at once with its exit code and
  where to look (``docker logs``); a slow start is waited for up to ``wait_seconds``.

What depends on this resource (the first run, and through it every Nexus object; the recorded
deployed version) finds a serving container. A missing container is left to the docker provider.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dynamic_providers.base import _contains_unknown
from dynamic_providers.errors import OneLineErrors
from dynamic_providers.exceptions import ProviderError
from reach.host import private_key_file, shell_for

RUNNING = "running"
#: What ``docker inspect`` cannot tell: no such container (the docker provider creates it).
ABSENT = "absent"
INPUTS = ("docker_host", "container", "ssh_private_key", "revision", "wait_seconds")
POLL_SECONDS = 3.0
#: Container states that need ``docker start`` (a paused container is an operator's choice).
STOPPED = frozenset({"exited", "created", "dead"})


@dataclass(frozen=True)
class ContainerState:
    """What ``docker inspect`` says of the container (:func:`inspect_script`)."""

    status: str
    health: str = "none"
    restarts: int = 0
    exit_code: int = 0

    @property
    def serving(self) -> bool:
        return self.status == RUNNING and self.health in {"healthy", "none"}


def inspect_script(container: str) -> str:
    """Prints ``<status> <health> <restart count> <exit code>`` (health ``none`` without a
    healthcheck), or ``absent``."""
    fmt = (
        "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} "
        "{{.RestartCount}} {{.State.ExitCode}}"
    )
    return f"docker inspect -f {shlex.quote(fmt)} {shlex.quote(container)} 2>/dev/null || echo {ABSENT}"


def parse_state(output: str) -> ContainerState:
    words = output.split()
    if not words or words[0] == ABSENT:
        return ContainerState(ABSENT)
    numbers = [int(word) if word.lstrip("-").isdigit() else 0 for word in words[2:4]]
    return ContainerState(words[0], words[1] if len(words) > 1 else "none", *numbers)


def on_host(props: Mapping[str, Any], script: str) -> str:
    """``script``'s output on the Docker host (a ProviderError naming the host when it fails)."""
    host = str(props["docker_host"])
    with private_key_file(props.get("ssh_private_key")) as identity:
        result = shell_for(host, identity_file=identity).run(script, timeout=120)
    if not result.ok:
        raise ProviderError(
            f"container {props['container']}: the Docker host {host} did not answer: "
            f"{(result.stderr or result.stdout).strip()[-300:]}"
        )
    return result.stdout


def wait_serving(
    container: str,
    look: Callable[[], ContainerState],
    wait_seconds: float,
    *,
    fresh: bool = True,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ContainerState:
    """Polls until the container is running and healthy; fails at once when it exits or Docker
    restarts it (``fresh``: a new container, whose every restart counts), and after
    ``wait_seconds`` when it is still not healthy."""
    logs = f"`docker logs --tail 50 {container}` on the Docker host says why"
    first = look()
    deadline = clock() + wait_seconds
    state = first
    while True:
        if state.serving:
            return state
        restarted = state.restarts > (0 if fresh else first.restarts)
        if state.status in STOPPED or state.status == "restarting" or restarted:
            raise ProviderError(
                f"the {container} container exited with status {state.exit_code} at start"
                f"{f' (Docker restarted it {state.restarts} times)' if state.restarts else ''}: {logs}"
            )
        if state.status == ABSENT:
            raise ProviderError(f"the {container} container is gone (removed outside Pulumi?)")
        if clock() >= deadline:
            raise ProviderError(
                f"the {container} container is {state.status} but not healthy ({state.health}) after "
                f"{wait_seconds:.0f} s: {logs}"
            )
        sleep(POLL_SECONDS)
        state = look()


class ContainerRunningProvider(OneLineErrors):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if _contains_unknown(news):  # a new container, in preview: nothing to look at yet
            return CheckResult(news, [])
        state = parse_state(on_host(news, inspect_script(str(news["container"]))))
        if state.status in STOPPED and olds.get("revision") == news.get("revision"):
            pulumi.log.warn(
                f"the {news['container']} container is {state.status} (stopped outside Pulumi): "
                "`pulumi up` starts it and waits until it is healthy"
            )
        return CheckResult({**news, "state": state.status}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = (
            any(olds.get(name) != news.get(name) for name in INPUTS) or str(news.get("state")) in STOPPED
        )
        return DiffResult(changes=changed, replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['container']}-running", outs=self._converge(props, fresh=True))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._converge(news, fresh=olds.get("revision") != news.get("revision")))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)  # the state is looked at in check, at every preview and up

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None

    def _converge(self, props: dict[str, Any], *, fresh: bool) -> dict[str, Any]:
        container = str(props["container"])

        def look() -> ContainerState:
            return parse_state(on_host(props, inspect_script(container)))

        stopped = look().status in STOPPED
        if stopped:
            on_host(props, f"docker start {shlex.quote(container)} >/dev/null")
        wait = float(props.get("wait_seconds") or 0)
        state = wait_serving(container, look, wait, fresh=fresh and not stopped)
        return {**props, "state": state.status}


class ContainerRunning(Resource, module="nexus", name="ContainerRunning"):
    """Waits for a new container to serve, and starts one stopped outside Pulumi (in ``up``)."""

    state: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        docker_host: str,
        container: str,
        revision: pulumi.Input[str],
        wait_seconds: int,
        ssh_private_key: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "docker_host": docker_host,
            "container": container,
            "revision": revision,
            "wait_seconds": wait_seconds,
            "ssh_private_key": pulumi.Output.secret(ssh_private_key) if ssh_private_key else None,
            "state": None,
        }
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["ssh_private_key"])
        )
        super().__init__(ContainerRunningProvider(), resource_name, props, opts)
