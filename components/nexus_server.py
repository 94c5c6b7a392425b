"""Nexus Repository 3 in Docker: engine connection, data directory, image and container.

* A docker ``Provider`` for ``dockerHost``: the local socket, or ``ssh://user@host[:port]``. For
  ssh:// the Docker provider runs the system ``ssh`` client (``BatchMode=yes``: it fails instead of
  prompting), so the key must be loaded in the SSH agent and the host must be in ``known_hosts``;
  ``sshPrivateKey`` is only used by the command resources.
* The data and backup directories are created with a pulumi-command resource, locally for a local
  engine or over SSH (``sshPrivateKey`` or the SSH agent) for ssh://, as root or through
  ``sudo -n``: ``mkdir -p <dataDir> <backupDir> && chown 200:200 <dataDir>`` and ``chmod 0700
  <backupDir>`` (snapshots hold password hashes and keys; UID 200 is the
  ``nexus`` user of the image); then ``nexus.nofileLimit`` is compared with the Docker daemon's hard
  open-file limit, and a higher one fails ``up`` here, naming the key (runc would refuse it when the
  container starts). Idempotent; it runs again when a path or the limit changes, and never deletes.
* ``RemoteImage`` ``<nexus.image>:<nexus.version>`` with ``keep_locally``: replacing or destroying
  it never removes the image, so rolling back to the previous version needs no pull.
* The ``nexus`` container: restart ``always``, ``must_run``, a healthcheck on
  ``/service/rest/v1/status`` that ``up`` waits for (``nexus-running``, at most
  ``HEALTH_WAIT_SECONDS``; a container that exits or is restarted at start fails ``up`` at once,
  with its exit code; ``docker logs --tail 50 nexus`` says why), the open-file limit
  ``nexus.nofileLimit``, ``<dataDir>`` bind-mounted at ``/nexus-data``,
  ``INSTALL4J_ADD_VM_PARAMS`` from the heap settings, the UI port 8081 and every Docker connector
  port published on 127.0.0.1 only (HAProxy, on the same host, is the only public entry). Docker
  waits ``nexus.stopGraceSeconds`` (>= 120) for a clean stop. Its name and ports are fixed, so a
  replacement (e.g. a version change) deletes the old container first.
* In container-mode HAProxy, a docker network joined by both containers lets HAProxy reach
  ``nexus:8081`` and ``nexus:<connector port>``.
* Before a version change replaces the container, a ``<name>-snapshot`` command stops Nexus
  cleanly and snapshots the data directory into ``backupDir`` (see below), keeping
  ``keepSnapshots``; its record is the ``lastSnapshot`` output.
* A ``DeployedVersion`` dynamic resource remembers the version of the last successful ``up``; a
  preview that configures an older one warns (Nexus cannot go back without a snapshot).

Order of a version change (``nexus.version`` or ``nexus.image``), as the engine runs it:

1. ``<name>-data-dir`` (unchanged; creates ``dataDir`` and ``backupDir`` on the first run).
2. ``<name>-image``: the new image is pulled (the old one stays: ``keep_locally``); Nexus still
   runs, and a failed pull stops ``up`` here.
3. ``<name>-snapshot`` (after both) is replaced, because its trigger (the image name) changed
   (``replace_on_changes=["triggers"]``), so its ``create`` runs: ``docker stop -t <grace> nexus``
   (the OLD container; at least ``stopGraceSeconds``), tar of ``dataDir`` without the blob contents
   (listed and hard-linked instead: :mod:`reach.snapshots`) into ``backupDir``, prune to
   ``keepSnapshots``, the JSON record on stdout. If it fails, the old container is started again and
   ``up`` stops here: nothing was replaced. It is skipped when the container already runs the target
   image (e.g. the first ``up`` after this step was added) and when ``dataDir`` is empty (first
   deployment). In a rollback's ``up`` it restores the snapshot the rollback asked for, right after
   the stop, instead of taking one (:func:`operations.upgrade.up_restoring`).
4. ``<name>-container`` depends on the snapshot command, so the engine registers it only once the
   snapshot has completed; being ``delete_before_replace`` it then removes the stopped old
   container and creates the new one, which starts on the data. The new version never runs before
   the snapshot exists.
5. ``<name>-deployed-version`` (depends on the container) records the new version.

``<name>-running`` (after the container) looks at the container's state in every preview and
``up``: one stopped outside Pulumi (``docker stop``) shows as ``~ state`` and ``up`` starts it and
waits until it is healthy; the first run, and so every Nexus object, waits for it.

Any other input change of the snapshot command (``keepSnapshots``, paths) runs its ``update``
instead: prune and print the previous record, without stopping Nexus.

:class:`reach.host_access.HostAccess` (how commands reach the Docker host) is shared with the HAProxy
component.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_docker as docker

from components import shutdown
from components.options import Component
from dynamic_providers.container_running import ContainerRunning
from dynamic_providers.deployed_version import DeployedVersion
from dynamic_providers.one_way_door import OneWayDoorCheck
from reach.host import AS_ROOT_PREFIX, parse_ssh_host, render_script
from reach.host_access import HostAccess
from reach.snapshots import HostPaths, keep_last_output_script, last_record, snapshot_script
from reach.versions import downgrade_warning
from settings import NEXUS_UI_PORT, StackSettings, revealed

CONTAINER_NAME = "nexus"
NETWORK_NAME = "nexus-platform"
DATA_MOUNT = "/nexus-data"
NEXUS_UID = 200
LOOPBACK = "127.0.0.1"
#: Nexus answers 200 here once it can serve reads (503 before).
HEALTH_URL = f"http://127.0.0.1:{NEXUS_UI_PORT}/service/rest/v1/status"
#: How long `up` waits for a new Nexus container to become healthy (a first start takes 2-3
#: minutes, a version change also migrates the database).
HEALTH_WAIT_SECONDS = 900
#: Console output of Nexus (its own logs live in <dataDir>/log): rotated by Docker, 150 MB at most.
LOG_OPTS = {"max-size": "50m", "max-file": "3"}


def docker_provider_args(docker_host: str) -> dict[str, Any]:
    """Inputs of the docker Provider for ``dockerHost``."""
    args: dict[str, Any] = {"host": docker_host}
    if parse_ssh_host(docker_host) is not None:
        args["ssh_opts"] = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=30"]
    return args


def data_dir_command(
    data_dir: str, backup_dir: str, nofile_limit: int, docker_host: str = "", proc: str = "/proc"
) -> str:
    """Idempotent preparation of the data and backup directories (as root, or via sudo -n), then
    ``nexus.nofileLimit`` compared with the hard open-file limit of the Docker daemon (read from
    ``<proc>/<pid of dockerd>/limits``; skipped when it cannot be read): a limit above it fails here,
    naming the key, both numbers and the fix, instead of runc's ``error setting rlimit type 7``
    when the container starts (``templates/nexus-data-dir.sh.j2``). ``docker_host``: a unix://
    socket picks the dockerd that names it; over SSH, the host's only dockerd."""
    return render_script(
        "nexus-data-dir.sh.j2",
        as_root_prefix=AS_ROOT_PREFIX,
        data=data_dir,
        backup=backup_dir,
        uid=NEXUS_UID,
        nofile=nofile_limit,
        socket=docker_host.removeprefix("unix://") if docker_host.startswith("unix://") else "",
        proc=proc,
    )


def docker_duration(seconds: int) -> str:
    """``seconds`` as Docker prints a duration (Go's ``time.Duration``: 5s, 1m0s, 1h0m0s).

    The docker provider reads durations back in that form, so a value written otherwise (``60s``)
    would show as a change in every preview after ``up`` and the stack would never converge.
    """
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def nexus_healthcheck() -> docker.ContainerHealthcheckArgs:
    """Healthy once Nexus serves reads (``curl`` is in the sonatype/nexus3 image)."""
    return docker.ContainerHealthcheckArgs(
        tests=["CMD-SHELL", f"curl -fsS -o /dev/null {HEALTH_URL} || exit 1"],
        interval=docker_duration(15),
        timeout=docker_duration(10),
        retries=3,
        start_period=docker_duration(60),
    )


def running_guard(
    name: str,
    host: HostAccess,
    container_name: str,
    container: docker.Container,
    wait_seconds: int,
    *,
    opts: pulumi.ResourceOptions,
) -> ContainerRunning | None:
    """``<name>-running`` (:mod:`dynamic_providers.container_running`): waits for each new
    container to be healthy, failing at once when it crashes, and starts one stopped outside
    Pulumi. None when the Docker host offers no shell to look with: the docker provider's own
    wait (:func:`provider_waits`) stands in. ``opts``: the component's child options, after
    ``container``."""
    if not host.can_run_commands:
        return None
    return ContainerRunning(
        f"{name}-running",
        docker_host=host.docker_host,
        container=container_name,
        revision=container.id,
        wait_seconds=wait_seconds,
        ssh_private_key=revealed(host.ssh_private_key),
        opts=opts,
    )


def service_container_args(
    host: HostAccess, *, wait_seconds: int, stop_grace_seconds: int, log_opts: Mapping[str, str]
) -> dict[str, Any]:
    """What every long-running container of the stack shares: restart ``always`` and must run, a
    bounded clean stop, rotated logs, and the docker provider's health wait only where no guard
    (:func:`running_guard`) can look (it cannot tell a crash loop under ``restart: always`` from a
    slow start, and waits it out)."""
    waits: dict[str, Any] = {"wait": False}
    if not host.can_run_commands:
        waits = {"wait": True, "wait_timeout": wait_seconds}
    return {
        "restart": "always",
        "must_run": True,
        "log_driver": "json-file",
        "log_opts": dict(log_opts),
        "stop_timeout": stop_grace_seconds,
        "destroy_grace_seconds": stop_grace_seconds,
        **waits,
    }


def snapshot_paths(args: NexusServerArgs) -> HostPaths:
    return HostPaths(
        data_dir=args.data_dir,
        backup_dir=args.backup_dir,
        container=CONTAINER_NAME,
        stop_grace_seconds=args.stop_grace_seconds,
    )


def docker_cli_prefix(host: HostAccess) -> str:
    """Shell lines that point the docker CLI of a command at the engine the provider uses."""
    if host.is_local:
        return f"DOCKER_HOST={shlex.quote(host.docker_host)}; export DOCKER_HOST\n"
    return ""  # over SSH: the host's own engine


def snapshot_commands(args: NexusServerArgs) -> tuple[str, str]:
    """``create`` and ``update`` of the snapshot command (see the module docstring)."""
    paths = snapshot_paths(args)
    prefix = docker_cli_prefix(args.host)
    create = snapshot_script(
        paths,
        keep=args.keep_snapshots,
        skip_if_running_image=args.image_name,
        reason=f"before starting {args.image_name}",
    )
    update = keep_last_output_script(paths, keep=args.keep_snapshots)
    return prefix + create, prefix + update


def snapshot_output(stdout: str | None) -> dict[str, Any] | None:
    """The ``lastSnapshot`` output: the record the snapshot command printed (None: none taken)."""
    return last_record(stdout or "")


@dataclass(frozen=True)
class NexusServerArgs:
    """What the Nexus server needs from the stack settings."""

    host: HostAccess
    #: Where the providers reach Nexus (settings.nexus_url), exported as ``url``.
    url: str
    #: ``nexus.image`` and ``nexus.version``.
    image: str
    version: str
    data_dir: str
    backup_dir: str
    #: ``INSTALL4J_ADD_VM_PARAMS`` (from the heap settings).
    vm_params: str
    nofile_limit: int
    stop_grace_seconds: int
    keep_snapshots: int
    #: Nexus Docker connector ports, published on 127.0.0.1 next to 8081 (empty for path routing).
    connector_ports: tuple[int, ...] = ()
    haproxy_mode: Literal["container", "host"] = "container"

    @classmethod
    def from_settings(cls, settings: StackSettings) -> NexusServerArgs:
        ports: tuple[int, ...] = ()
        if settings.docker.routing == "connector":
            ports = tuple(connector.backend_port for connector in settings.connectors)
        nexus = settings.nexus
        return cls(
            host=HostAccess.from_settings(settings),
            url=settings.nexus_url,
            image=nexus.image,
            version=nexus.version,
            data_dir=nexus.data_dir,
            backup_dir=nexus.backup_dir,
            vm_params=nexus.vm_params,
            nofile_limit=nexus.nofile_limit,
            stop_grace_seconds=nexus.stop_grace_seconds,
            keep_snapshots=nexus.keep_snapshots,
            connector_ports=ports,
            haproxy_mode=settings.haproxy.mode,
        )

    @property
    def image_name(self) -> str:
        return f"{self.image}:{self.version}"


class NexusServer(Component[NexusServerArgs]):
    """The ``nexus`` container with its image, data directory and (container mode) network."""

    TYPE_TOKEN = "nexus-platform:components:NexusServer"

    docker_provider: docker.Provider
    #: The network HAProxy joins in container mode; None in host mode.
    network: docker.Network | None
    network_name: pulumi.Output[str] | None
    container: docker.Container
    #: Starts the container again when it was stopped outside Pulumi (None: no shell on the host).
    running: ContainerRunning | None
    container_id: pulumi.Output[str]
    container_name: pulumi.Output[str]
    image_id: pulumi.Output[str]
    repo_digest: pulumi.Output[str]
    version: pulumi.Output[str]
    url: pulumi.Output[str]
    #: The snapshot command (None when the Docker host offers no shell).
    snapshot_command: pulumi.CustomResource | None
    #: Record of the newest snapshot taken before a version change ({name, version, archive, ...}).
    last_snapshot: pulumi.Output[Any]
    deployed: DeployedVersion
    #: The version the last successful ``up`` deployed (during a preview: the one running now).
    deployed_version: pulumi.Output[str | None]

    def build(self, name: str, args: NexusServerArgs) -> Mapping[str, Any]:
        self.docker_provider = docker.Provider(
            f"{name}-docker",
            **docker_provider_args(args.host.docker_host),
            opts=self.child(),
        )
        on_engine = self.child(provider=self.docker_provider)
        image = docker.RemoteImage(f"{name}-image", name=args.image_name, keep_locally=True, opts=on_engine)
        prepared = self._prepare_host(name, args, image)
        networks = self._network(name, args, on_engine)
        self.container = self._container(name, args, image, networks, prepared)
        self.running = running_guard(
            name,
            args.host,
            CONTAINER_NAME,
            self.container,
            HEALTH_WAIT_SECONDS,
            opts=self.child([self.container]),
        )

        self.container_id = self.container.id
        self.container_name = self.container.name
        self.image_id = image.image_id
        self.repo_digest = image.repo_digest
        self.version = pulumi.Output.from_input(args.version)
        self.url = pulumi.Output.from_input(args.url)
        if self.snapshot_command is not None:
            stdout: pulumi.Output[str] = self.snapshot_command.stdout  # type: ignore[attr-defined]
            self.last_snapshot = stdout.apply(snapshot_output)
        else:
            self.last_snapshot = pulumi.Output.from_input(None)
        self._track_deployed_version(name, args.version)
        return {
            "containerId": self.container_id,
            "containerName": self.container_name,
            "imageId": self.image_id,
            "repoDigest": self.repo_digest,
            "version": self.version,
            "url": self.url,
            "networkName": self.network_name,
            "lastSnapshot": self.last_snapshot,
            "deployedVersion": self.deployed_version,
        }

    def _prepare_host(
        self, name: str, args: NexusServerArgs, image: docker.RemoteImage
    ) -> list[pulumi.Resource]:
        """The data and backup directories, and the snapshot before a version change: what the
        container waits for. Nothing (and a warning) when the Docker host offers no shell."""
        self.snapshot_command = None
        if not args.host.can_run_commands:
            pulumi.log.warn(
                f"dockerHost {args.host.docker_host} offers no shell: {args.data_dir} must exist "
                f"and be owned by UID {NEXUS_UID} before the nexus container starts; no snapshot of it "
                "is taken before a version change (take one by hand)",
                resource=self,
            )
            return []
        data_dir = args.host.run(
            f"{name}-data-dir",
            # runs again (an update) when a path or nexus.nofileLimit changes: both are in it
            data_dir_command(args.data_dir, args.backup_dir, args.nofile_limit, args.host.docker_host),
            triggers=[args.data_dir, args.backup_dir],
            opts=self.child(),
        )
        # Looks at the data directory in preview and at the start of `up`: a version that
        # cannot open it is refused before the snapshot command stops Nexus.
        door = OneWayDoorCheck(
            f"{name}-one-way-door",
            version=args.version,
            docker_host=args.host.docker_host,
            paths=snapshot_paths(args),
            ssh_private_key=revealed(args.host.ssh_private_key),
            opts=self.child(),
        )
        create, update = snapshot_commands(args)
        self.snapshot_command = args.host.run(
            f"{name}-snapshot",
            create,
            update=update,
            previous_output_in_env=True,  # the update prints the previous record
            triggers=[args.image_name],
            # after the pull: a failed pull must not leave Nexus stopped
            opts=self.child([data_dir, image, door], replace_on_changes=["triggers"]),
        )
        return [data_dir, self.snapshot_command]

    def _network(
        self, name: str, args: NexusServerArgs, on_engine: pulumi.ResourceOptions
    ) -> list[docker.ContainerNetworksAdvancedArgs] | None:
        """Container-mode HAProxy: the network it shares with Nexus (None in host mode)."""
        self.network = None
        self.network_name = None
        if args.haproxy_mode != "container":
            return None
        self.network = docker.Network(f"{name}-network", name=NETWORK_NAME, driver="bridge", opts=on_engine)
        self.network_name = self.network.name
        return [docker.ContainerNetworksAdvancedArgs(name=self.network.name, aliases=[CONTAINER_NAME])]

    def _container(
        self,
        name: str,
        args: NexusServerArgs,
        image: docker.RemoteImage,
        networks: list[docker.ContainerNetworksAdvancedArgs] | None,
        depends_on: list[pulumi.Resource],
    ) -> docker.Container:
        ports = [docker.ContainerPortArgs(internal=NEXUS_UI_PORT, external=NEXUS_UI_PORT, ip=LOOPBACK)]
        ports += [
            docker.ContainerPortArgs(internal=port, external=port, ip=LOOPBACK)
            for port in args.connector_ports
        ]
        grace = args.stop_grace_seconds
        # `up` fails here when Nexus does not answer in time: the program's last line says where to look
        hint = shutdown.container_hint(
            f"{name}-container",
            CONTAINER_NAME,
            HEALTH_WAIT_SECONDS,
            also=f"{args.data_dir}/log/nexus.log",
        )
        with shutdown.hint_when_stopped(hint):
            return docker.Container(
                f"{name}-container",
                name=CONTAINER_NAME,
                image=image.image_id,
                volumes=[docker.ContainerVolumeArgs(host_path=args.data_dir, container_path=DATA_MOUNT)],
                envs=[f"INSTALL4J_ADD_VM_PARAMS={args.vm_params}"],
                ports=ports,
                networks_advanced=networks,
                ulimits=[
                    docker.ContainerUlimitArgs(name="nofile", soft=args.nofile_limit, hard=args.nofile_limit)
                ],
                # `up` fails (naming nexus-container) unless Nexus answers within the wait
                healthcheck=nexus_healthcheck(),
                **service_container_args(
                    args.host, wait_seconds=HEALTH_WAIT_SECONDS, stop_grace_seconds=grace, log_opts=LOG_OPTS
                ),
                opts=self.child(depends_on, provider=self.docker_provider, delete_before_replace=True),
            )

    def _track_deployed_version(self, name: str, configured: str) -> None:
        """What the last ``up`` deployed, with a warning when ``configured`` is a downgrade."""
        self.deployed = DeployedVersion(
            f"{name}-deployed-version",
            configured,
            # recorded once the new container serves
            opts=self.child([self.running or self.container]),
        )
        self.deployed_version = self.deployed.deployed_version

        def _warn_on_downgrade(deployed: str | None) -> str | None:
            message = downgrade_warning(configured, deployed)
            if message:
                pulumi.log.warn(message, resource=self)
            return deployed

        self.deployed_version.apply(_warn_on_downgrade)
