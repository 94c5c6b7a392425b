"""Session fixtures: one real Docker Engine, the project's images, and the declared stack running on it.

``live_engine``
    :func:`tests.docker_engine.docker_engine` for the whole session (a sandboxed ``dockerd`` here).
``platform_images``
    ``nexus-platform/nexus3:3.71.0-06`` and ``nexus-platform/haproxy:2.6`` built by
    :mod:`tools.build_images` (``scripts/build-images``) into that engine: cached root file
    systems, so only the first session on a machine pays for ``mmdebstrap``.
``live_stack``
    The Nexus and HAProxy containers exactly as the components declare them under Pulumi mocks
    (:mod:`tests.components.declared_containers`), with a stack CA and server certificate made by
    ``openssl`` (the tls plugin cannot run under mocks), started once and shared: every Nexus
    start costs a minute or more on our machines.

Without an engine (or root, which the sandboxed daemon and the UID 200 data directory need) the
tests skip, except in CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from components.haproxy import Haproxy, HaproxyArgs
from components.nexus_server import NexusServer, NexusServerArgs
from components.pki import OwnCertificate
from reach.nexus import wait_until_writable
from settings import DEFAULT_NOFILE_LIMIT, StackSettings, parse_settings
from tests.components import declared_containers as dc
from tests.components import mocks as m
from tests.components.haproxy_helpers import TestPki, free_ports, make_test_pki
from tests.docker_engine import DockerEngine, EngineUnavailableError, docker_engine
from tests.eventually import eventually
from tests.layers import unavailable
from tools.build_images import Builder, haproxy_image, nexus_image

LABEL_KEY, LABEL_VALUE = "nexus-platform.test", "live-stack"
DOMAIN = "example.test"
UI_HOST = f"nexus.{DOMAIN}"
ADMIN_PASSWORD = "live-stack-Admin-1"
#: Bounded waits, generous for a loaded 2-core machine (Nexus is writable after ~60 s when idle).
NEXUS_START_TIMEOUT = 900.0
HAPROXY_START_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def live_engine() -> Iterator[DockerEngine]:
    if os.geteuid() != 0:
        unavailable(
            "needs root: a sandboxed dockerd, mmdebstrap, and data directories owned by UID 200 "
            f"(running as UID {os.geteuid()})"
        )
    try:
        with docker_engine() as engine:
            yield engine
    except EngineUnavailableError as error:
        unavailable(f"no Docker Engine: {error}")


@dataclass(frozen=True)
class PlatformImages:
    nexus: str
    haproxy: str


@pytest.fixture(scope="session")
def platform_images(live_engine: DockerEngine) -> PlatformImages:
    builder = Builder(docker=(live_engine.cli,), env=live_engine.env)
    started = time.monotonic()
    nexus = builder.build(nexus_image())
    haproxy = builder.build(haproxy_image())
    print(f"[live-stack] images ready in {time.monotonic() - started:.0f}s: {nexus}, {haproxy}")
    return PlatformImages(nexus, haproxy)


def engine_nofile_limit() -> int:
    """The open-file hard limit containers can get here (the daemon's, inherited from us)."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def stack_config(engine: DockerEngine, images: PlatformImages, root: Path) -> dict[str, Any]:
    nexus_repository, nexus_version = images.nexus.rsplit(":", 1)
    return {
        "domain": DOMAIN,
        "adminPassword": ADMIN_PASSWORD,
        "dockerHost": engine.host,
        "nexus": {
            "image": nexus_repository,
            "version": nexus_version,
            "dataDir": str(root / "nexus-data"),
            "backupDir": str(root / "backups"),
            "heap": "768m",
            "maxDirectMemory": "512m",
            "keepSnapshots": 2,
            # what this engine can give (the data-dir command refuses more, as runc would)
            "nofileLimit": min(DEFAULT_NOFILE_LIMIT, engine_nofile_limit()),
        },
        "teams": [{"name": "platform", "releasePort": 16001, "latestPort": 16002}],
        "haproxy": {"mode": "container", "image": images.haproxy},
    }


@dataclass
class LiveStack:
    """The declared containers running; ports as published on 127.0.0.1 here."""

    engine: DockerEngine
    settings: StackSettings
    mocks: m.RecordingMocks
    pki: TestPki
    root: Path
    #: declared external port -> host port here
    ports: dict[int, int]
    #: The stack configuration (what Pulumi.<stack>.yaml holds) of ``settings``.
    config: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    admin_password: str = ADMIN_PASSWORD

    @property
    def data(self) -> Path:
        return Path(self.settings.nexus.data_dir)

    @property
    def backup(self) -> Path:
        return Path(self.settings.nexus.backup_dir)

    @property
    def nexus_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[8081]}"

    def url(self, port: int, path: str = "/") -> str:
        """``https://<uiHost>:<host port>`` of a declared port (resolved to 127.0.0.1 by the caller)."""
        return f"https://{UI_HOST}:{self.ports[port]}{path}"

    def curl(
        self, port: int, path: str, *extra: str, scheme: str = "https"
    ) -> subprocess.CompletedProcess[str]:
        """curl ``<scheme>://<uiHost>:<port><path>`` (a declared port) on 127.0.0.1, trusting only the CA."""
        host_port = self.ports[port]
        return subprocess.run(
            ["curl", "-sS", "--max-time", "120", "--resolve", f"{UI_HOST}:{host_port}:127.0.0.1",
             "--cacert", str(self.pki.ca_file), *extra, f"{scheme}://{UI_HOST}:{host_port}{path}"],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip

    def declared(self, resource_name: str) -> dc.Declared:
        return dc.declared_container(self.mocks, resource_name)

    def options(self) -> dc.RunOptions:
        return dc.RunOptions(
            host_ports=self.ports, nofile_cap=engine_nofile_limit(), labels={LABEL_KEY: LABEL_VALUE}
        )

    def run_declared(self, resource_name: str) -> str:
        """``docker create`` the declared container, put its uploads in place, start it."""
        declared = self.declared(resource_name)
        self.engine.docker(*dc.create_args(declared, self.options(), self.notes.append))
        for upload in declared.inputs.get("uploads") or []:
            directory, archive = dc.upload_tar(upload)
            copied = subprocess.run(
                [self.engine.cli, "cp", "-", f"{declared.container_name}:{directory}"],
                input=archive, env={**os.environ, **self.engine.env}, capture_output=True, timeout=60,
                check=False,
            )  # fmt: skip
            assert copied.returncode == 0, copied.stderr.decode()
        self.engine.docker("start", declared.container_name)
        return declared.container_name

    def remove(self, name: str) -> None:
        if self.label_of(name) == LABEL_VALUE:
            self.engine.docker("rm", "-f", name, check=False, timeout=200)

    def label_of(self, name: str) -> str | None:
        template = f'{{{{index .Config.Labels "{LABEL_KEY}"}}}}'
        found = self.engine.docker("inspect", "--type", "container", "-f", template, name, check=False)
        return found.stdout.strip() if found.returncode == 0 else None

    def state(self, name: str) -> dict[str, Any]:
        out = self.engine.docker("inspect", "--type", "container", "-f", "{{json .State}}", name).stdout
        state: dict[str, Any] = json.loads(out)
        return state

    def logs(self, name: str) -> str:
        completed = self.engine.docker("logs", name, check=False)
        return completed.stdout + completed.stderr

    def wait_for_nexus(self, timeout: float = NEXUS_START_TIMEOUT) -> float:
        """Seconds until ``status/writable`` answered 200 (bounded; fails with the log tail)."""

        def still_running() -> None:
            state = self.state("nexus")
            if not state["Running"] and not state["Restarting"]:
                raise AssertionError(f"nexus exited ({state['ExitCode']}):\n{self.logs('nexus')[-3000:]}")

        ready = wait_until_writable(
            self.nexus_url, timeout, interval_seconds=2.0, still_running=still_running
        )
        if not ready.ok:
            raise AssertionError(f"nexus not writable after {timeout:.0f}s:\n{self.logs('nexus')[-3000:]}")
        return ready.seconds

    def wait_healthy(self, resource_name: str) -> float:
        """What the container's running guard (``<name>-running``) waits for: seconds until the
        container's own healthcheck says healthy, within the guard's declared ``wait_seconds``
        (fails with the log tail)."""
        declared = self.declared(resource_name)
        assert declared.inputs.get("healthcheck"), declared.inputs.keys()
        guard = self.mocks.one(
            "pulumi-python:dynamic/nexus:ContainerRunning", resource_name.replace("-container", "-running")
        )
        assert guard.inputs["container"] == declared.container_name
        timeout = float(guard.inputs["wait_seconds"])
        name = declared.container_name
        started = time.monotonic()
        eventually(
            lambda: (self.state(name).get("Health") or {}).get("Status") == "healthy",
            timeout=timeout,
            interval=2.0,
            message=lambda _: (
                f"{name} not healthy after {timeout:.0f}s (state: {self.state(name)}):\n"
                f"{self.logs(name)[-3000:]}"
            ),
        )
        return time.monotonic() - started

    def wait_for_port(self, port: int, timeout: float = HAPROXY_START_TIMEOUT) -> None:
        def answers() -> bool:
            with socket.create_connection(("127.0.0.1", self.ports[port]), timeout=5):
                return True

        eventually(
            answers,
            timeout=timeout,
            interval=0.5,
            ignore=(OSError,),
            message=lambda _: (
                f"nothing answers on declared port {port} (host {self.ports[port]}) "
                f"after {timeout:.0f}s:\n{self.logs('haproxy')[-3000:]}"
            ),
        )

    def set_admin_password(self) -> None:
        """Take the admin account over with the stack's password (what the FirstRun provider does)."""
        initial = (self.data / "admin.password").read_text().strip()
        answer = requests.put(
            f"{self.nexus_url}/service/rest/v1/security/users/admin/change-password",
            data=self.admin_password,
            headers={"Content-Type": "text/plain"},
            auth=("admin", initial),
            timeout=60,
        )
        assert answer.status_code == 204, answer.text


def declare(settings: StackSettings, pki: TestPki) -> m.RecordingMocks:
    """Register NexusServer and Haproxy under mocks, the certificate being the test PKI's."""
    mocks = m.install()

    def build() -> tuple[NexusServer, Haproxy]:
        nexus = NexusServer("nexus", NexusServerArgs.from_settings(settings))
        haproxy = Haproxy(
            "haproxy",
            HaproxyArgs.from_settings(settings),
            certificate=OwnCertificate(
                certificate_pem=pki.certificate_pem, private_key_pem=pki.private_key_pem
            ),
            docker_provider=nexus.docker_provider,
            network_name=nexus.network_name,
            after=[nexus.container],
        )
        return nexus, haproxy

    m.deploy(build)
    return mocks


@contextlib.contextmanager
def running_stack(
    engine: DockerEngine, images: PlatformImages, root: Path, *, haproxy: bool = True
) -> Iterator[LiveStack]:
    """The declared Nexus container (and HAProxy in front, unless ``haproxy`` is False) started on
    ``engine`` with a fresh data directory under ``root``, the admin password taken over; removed
    (with the network) when the block ends."""
    for name in ("nexus", "haproxy"):
        found = engine.docker("inspect", "--type", "container", name, check=False)
        if found.returncode == 0:
            unavailable(f"the engine at {engine.host} already has a container named {name}: not touching it")
    root.chmod(0o755)  # UID 200 in the container must reach the bind-mounted data directory
    config = stack_config(engine, images, root)
    settings = parse_settings(config)
    pki = make_test_pki(root / "pki", DOMAIN)
    mocks = declare(settings, pki)
    declared_ports = [
        int(port.get("external") or port["internal"])
        for resource in mocks.of_type(m.T_CONTAINER)
        for port in resource.inputs.get("ports") or []
    ]
    ports = dict(zip(declared_ports, free_ports(len(declared_ports)), strict=True))
    stack = LiveStack(engine, settings, mocks, pki, root, ports, config)
    created_network = False
    try:
        # the data-dir command first, as the engine runs it (mkdir, chown to UID 200)
        (data_dir,) = [c for c in mocks.of_type(m.T_LOCAL_COMMAND) if c.name == "nexus-data-dir"]
        result = m.run_command(data_dir, env=engine.env, timeout=60)  # its runner, its script on stdin
        assert result.returncode == 0, result.stderr
        (network,) = dc.declared_networks(mocks)
        engine.docker(*dc.network_create_args(network, stack.options()))
        created_network = True
        stack.run_declared("nexus-container")
        seconds = stack.wait_for_nexus()
        stack.notes.append(f"nexus writable {seconds:.0f}s after start")
        stack.set_admin_password()
        if haproxy:
            stack.run_declared("haproxy-container")
            stack.wait_for_port(443)
        yield stack
    finally:
        for name in ("haproxy", "nexus"):
            stack.remove(name)
        if created_network:
            engine.docker("network", "rm", str(network["name"]), check=False)
        print("[live-stack] " + "; ".join(stack.notes))


@pytest.fixture(scope="session")
def live_stack(
    live_engine: DockerEngine, platform_images: PlatformImages, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveStack]:
    with running_stack(live_engine, platform_images, tmp_path_factory.mktemp("live-stack")) as stack:
        yield stack
