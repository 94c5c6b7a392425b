"""HAProxy in front of Nexus: TLS for the UI and every Docker port, deployed two ways.

The configuration is rendered by :func:`components.haproxy_config.render_haproxy_config` from
:func:`haproxy_spec_from_settings` (pure: ``scripts/render-haproxy STACK`` prints the same text
without the engine), and the certificate file is the PEM bundle (leaf, chain, key) of the
:class:`components.pki.Pki` outputs, always a secret.

``haproxy.mode: container`` (default)
    The pinned official image (``haproxy.image``, kept locally) runs as container ``haproxy``,
    restart ``always``, on the docker network of the ``nexus`` container (HAProxy reaches
    ``nexus:8081`` and ``nexus:<connector port>``). HTTP, HTTPS and every Docker port are published
    on all addresses; the stats port on 127.0.0.1 only. ``haproxy.cfg`` and the PEM are uploaded
    into the container (the PEM as a secret, root's with mode 0600); HAProxy's master starts as root
    to bind and read the PEM, its workers drop to the image's ``haproxy`` user (UID 99);
    ``HAPROXY_STATS_PASSWORD`` is a secret environment variable. A change of the configuration,
    the certificate (e.g. the renewal by ``pulumi up``) or the stats password **recreates** the
    container (uploads and environment cannot change in place; the old one is removed first,
    since name and ports are fixed): HAProxy is down for a few seconds, Nexus keeps running.

    Health, not just creation: before the container is (re)created, ``<name>-config-check`` runs the
    rendered configuration and the PEM through the image's own HAProxy (``haproxy -c -f`` in a
    throwaway ``docker run --rm`` of the same image, no network; both on its secret stdin:
    :func:`container_check_stdin`), so a configuration or certificate that image rejects fails
    ``up`` with HAProxy's message while the running container stays. The container then has a
    healthcheck (a TCP connect to its HTTPS port from inside) and ``must_run``, and
    ``haproxy-running`` waits for it: ``up`` fails when HAProxy does not listen within
    ``HEALTH_WAIT_SECONDS``, and at once when it exits (a crash loop); ``docker logs --tail 50
    haproxy`` says why. ``haproxy-ports-free`` fails ``up`` first when another process holds a port
    the container publishes (the old container is removed before the new one binds).

``haproxy.mode: host`` (the seed's way)
    HAProxy installed on the Docker host (``apt-get install haproxy``, Debian's systemd unit),
    reached like the Docker engine: locally for a unix:// socket, over SSH for ssh://
    (``sshPrivateKey`` or the agent), as root or through ``sudo -n``. One command, one transaction
    (:func:`deploy_script`); its stdin (secret) carries, after the script itself (every command's
    text is a short runner: :meth:`reach.host_access.HostAccess.run`), the stats password,
    the PEM bundle and ``haproxy.cfg`` (:func:`deploy_stdin`), so a failure shows HAProxy's message,
    not the file or the script:

    1. staged in a temporary directory under ``umask 077``: the PEM, ``haproxy.cfg``, and
       ``/etc/default/haproxy`` with ``HAPROXY_STATS_PASSWORD`` and ``CONFIG=<configDir>/haproxy.cfg``
       (other lines kept);
    2. the new PEM is put in place (the previous files kept aside) and ``haproxy -c -f`` checks
       the staged configuration with the staged environment;
    3. only if it passes are the environment file (mode 0600) and ``<configDir>/haproxy.cfg``
       installed, and HAProxy **reloaded** (``systemctl reload haproxy``: graceful, established
       connections finish), or restarted when the environment file changed (a reload keeps the
       environment the master started with), or started when inactive;
    4. **verified**: a new worker of the master must appear and stay within
       ``RELOAD_SETTLE_SECONDS``. A reload that did not take (``haproxy -c`` does not bind, so a
       port already in use passes it) leaves the old worker serving the old configuration: the
       previous haproxy.cfg, PEM and environment file are put back, so the files on disk are always
       the ones serving, and ``pulumi up`` fails saying so and how to recover.

    When the check fails the previous PEM is restored, nothing else changes, and ``pulumi up``
    fails with HAProxy's message. Every change of the configuration, the certificate or the stats
    password runs the same transaction (``update`` = ``create``: the command is never replaced).
    ``destroy`` runs :func:`teardown_script`: with ``haproxy.removeOnDestroy`` it stops and
    disables HAProxy and removes the stack's files; otherwise it leaves them and prints what stays.

Stats password: ``haproxy.statsPassword`` when set; otherwise derived from ``adminPassword`` with
HMAC-SHA256 (key: the admin password, message: ``nexus-platform/haproxy/stats-password/v1``,
first 32 hex digits). It is stable across runs and changes only when the admin password does;
read it with ``pulumi stack output haproxyStatsPassword --show-secrets`` (a secret stack output).
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
import pulumi_docker as docker

from components import shutdown
from components.haproxy_config import (
    STATS_PASSWORD_ENV,
    DockerConnector,
    HaproxySpec,
    build_pem_bundle,
    render_haproxy_config,
)
from components.nexus_server import (
    CONTAINER_NAME,
    LOOPBACK,
    NexusServer,
    docker_cli_prefix,
    docker_duration,
    running_guard,
    service_container_args,
)
from components.options import Component
from components.pki import Pki
from reach.host import as_root, render_script
from reach.host_access import HostAccess
from settings import NEXUS_UI_PORT, StackSettings

HAPROXY_CONTAINER_NAME = "haproxy"
#: Where the official image reads its configuration (its default CMD).
CONTAINER_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg"
#: Next to the configuration: a directory that exists in the image (uploads create no directories).
CONTAINER_CERTIFICATE_PATH = "/usr/local/etc/haproxy/nexus.pem"
#: The official image's unprivileged user (UID/GID 99): HAProxy's workers run as it.
CONTAINER_HAPROXY_UID = "99"
#: The container's user: HAProxy's master, which binds the ports and reads the PEM before the
#: workers drop privileges.
CONTAINER_MASTER_USER = "0"
CONTAINER_STOP_GRACE_SECONDS = 60
#: The audit log (one line per request) goes to stdout: rotated by Docker, 1 GB at most.
CONTAINER_LOG_OPTS = {"max-size": "100m", "max-file": "10"}
PUBLIC = "0.0.0.0"
#: Host mode: the environment file of Debian's haproxy.service (EnvironmentFile=-/etc/default/haproxy).
HOST_ENVIRONMENT_FILE = "/etc/default/haproxy"
HOST_CERTIFICATE_NAME = "certs/nexus.pem"
#: Host mode, next to haproxy.cfg: the environment file's mode before the stack first changed it
#: (0600 from then on: it holds the stats password), which the teardown puts back.
HOST_ENVIRONMENT_MODE_NAME = "nexus-platform.environment-mode"
#: The mode the teardown gives the environment file when the deploy recorded none (Debian's).
HOST_ENVIRONMENT_DEFAULT_MODE = "644"
#: Separates the PEM bundle from haproxy.cfg in the deploy command's stdin.
CONFIG_MARK = "#--- nexus-platform: haproxy.cfg follows ---"
#: Host mode: seconds a new HAProxy worker has to appear after a reload, start or restart.
RELOAD_SETTLE_SECONDS = 30
#: How long `up` waits for a new HAProxy container to listen on its HTTPS port.
HEALTH_WAIT_SECONDS = 120


# ------------------------------------------------------------------------------------------------
# Pure mapping: settings -> spec, stats password
# ------------------------------------------------------------------------------------------------


def certificate_path(settings: StackSettings) -> str:
    """Path of the PEM bundle as HAProxy sees it."""
    if settings.haproxy.mode == "container":
        return CONTAINER_CERTIFICATE_PATH
    return f"{settings.haproxy.config_dir.rstrip('/')}/{HOST_CERTIFICATE_NAME}"


def config_path(settings: StackSettings) -> str:
    """Path of haproxy.cfg as HAProxy sees it."""
    if settings.haproxy.mode == "container":
        return CONTAINER_CONFIG_PATH
    return f"{settings.haproxy.config_dir.rstrip('/')}/haproxy.cfg"


def haproxy_spec_from_settings(settings: StackSettings) -> HaproxySpec:
    """The :class:`HaproxySpec` this stack deploys. Pure: no engine, no secrets."""
    routing = settings.docker.routing
    container = settings.haproxy.mode == "container"
    connectors = tuple(
        DockerConnector(
            repository=connector.repository,
            external_port=connector.external_port,
            backend_port=connector.backend_port if routing == "connector" else None,
            routing=routing,
        )
        for connector in settings.connectors
    )
    return HaproxySpec(
        domain=settings.domain,
        ui_host=settings.resolved_ui_host,
        # container mode: the nexus container on the shared docker network; host mode: Nexus
        # publishes its ports on the host's loopback.
        nexus_address=CONTAINER_NAME if container else LOOPBACK,
        certificate_path=certificate_path(settings),
        connectors=connectors,
        mode=settings.haproxy.mode,
        ui_port=NEXUS_UI_PORT,
        http_port=settings.haproxy.http_port,
        https_port=settings.haproxy.https_port,
        bind_address="",
        stats_port=settings.haproxy.stats_port,
        stats_user=settings.haproxy.stats_user,
    )


# ------------------------------------------------------------------------------------------------
# Host mode: the shell scripts
# ------------------------------------------------------------------------------------------------


def _double_quoted(value: str) -> str:
    """A value in double quotes, valid for both POSIX sh and systemd's EnvironmentFile."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    return f'"{escaped}"'


def environment_file_lines(password: str, haproxy_config_path: str) -> str:
    """The two managed lines of /etc/default/haproxy (they start the deploy command's stdin)."""
    return f"{STATS_PASSWORD_ENV}={_double_quoted(password)}\nCONFIG={_double_quoted(haproxy_config_path)}\n"


def deploy_stdin(environment_lines: str, pem_bundle: str, config_text: str) -> str:
    """The deploy command's stdin (a secret): the two environment lines, the PEM bundle, a marker
    line, then haproxy.cfg. The configuration travels here, not in the command text, so a failure
    shows HAProxy's message and not the whole file."""
    pem = pem_bundle if pem_bundle.endswith("\n") else pem_bundle + "\n"
    return environment_lines + pem + CONFIG_MARK + "\n" + config_text


def environment_mode_path(haproxy_config_path: str) -> str:
    """Where the deploy records the environment file's original mode (next to haproxy.cfg)."""
    directory = haproxy_config_path.rsplit("/", 1)[0] or "/"
    return f"{directory.rstrip('/')}/{HOST_ENVIRONMENT_MODE_NAME}"


def deploy_script(
    haproxy_config_path: str,
    pem_path: str,
    environment_file: str = HOST_ENVIRONMENT_FILE,
    settle_seconds: int = RELOAD_SETTLE_SECONDS,
) -> str:
    """One transaction on the host (``templates/haproxy-deploy.sh.j2``); stdin as built by
    :func:`deploy_stdin`.

    Everything is staged first (``umask 077``); ``haproxy -c -f`` checks the staged configuration
    with the staged environment and the new PEM in place; only then are the environment file and
    haproxy.cfg installed and HAProxy reloaded (restarted when its environment changed, started
    when inactive). Then the script **verifies** that the new configuration serves: after a reload,
    a new worker of the master (``systemctl show -p MainPID``) must appear and stay; after a start
    or restart, the unit must be active with a worker. If HAProxy did not take it (e.g. a port
    already in use: ``haproxy -c`` does not bind), the previous haproxy.cfg, PEM and environment
    file are put back, so the files on disk are the ones serving, and the script fails saying so.
    A failed check changes nothing. The first time it changes the environment file (mode 0600 from
    then on) it records the file's mode before (or that there was none) in
    :func:`environment_mode_path`, for the teardown.
    """
    return render_script(
        "haproxy-deploy.sh.j2",
        cfg=haproxy_config_path,
        pem=pem_path,
        env=environment_file,
        env_mode=environment_mode_path(haproxy_config_path),
        config_mark=CONFIG_MARK,
        settle_seconds=settle_seconds,
        stats_password_env=STATS_PASSWORD_ENV,
    )


def teardown_script(
    haproxy_config_path: str,
    pem_path: str,
    remove: bool,
    environment_file: str = HOST_ENVIRONMENT_FILE,
) -> str:
    """``destroy`` of host mode (``templates/haproxy-teardown.sh.j2``): remove what the stack put on
    the host, or say what it leaves.

    remove=True (``haproxy.removeOnDestroy``): HAProxy stopped and disabled, the stack's
    haproxy.cfg and PEM (the server's private key) deleted, the two managed lines of the
    environment file (the stats password) removed and its mode put back as the deploy recorded it
    (removed if the stack created it and nothing else is left in it; 0644, Debian's, when there is
    no record). remove=False: nothing is touched and the output lists what stays on the host.
    """
    return render_script(
        "haproxy-teardown.sh.j2",
        cfg=haproxy_config_path,
        pem=pem_path,
        env=environment_file,
        env_mode=environment_mode_path(haproxy_config_path),
        default_mode=HOST_ENVIRONMENT_DEFAULT_MODE,
        remove=remove,
        stats_password_env=STATS_PASSWORD_ENV,
    )


# ------------------------------------------------------------------------------------------------
# Container mode: the configuration check and the healthcheck
# ------------------------------------------------------------------------------------------------


def container_check_script(image: str, config_text: str, docker_prefix: str = "") -> str:
    """``haproxy -c`` by ``image``'s own HAProxy, in a throwaway container, of what
    :func:`container_check_stdin` carries: the stats password line, the PEM bundle, a marker line,
    then the configuration (nothing of it in the command or the script: its digest only, so a new
    configuration still changes the command and runs the check again). The configuration and PEM are
    written where the real container has them, as root (the image's directories belong to root),
    with no network (server names resolve at run time).
    """
    digest = hashlib.sha256(config_text.encode()).hexdigest()[:16]
    inner = (
        "set -eu\n"
        f"IFS= read -r {STATS_PASSWORD_ENV}; export {STATS_PASSWORD_ENV}\n"
        f": > {CONTAINER_CERTIFICATE_PATH}\n"
        f'while IFS= read -r line && [ "$line" != {shlex.quote(CONFIG_MARK)} ]; do\n'
        f"  printf '%s\\n' \"$line\" >> {CONTAINER_CERTIFICATE_PATH}\n"
        "done\n"
        f"cat > {CONTAINER_CONFIG_PATH}\n"
        f"haproxy -c -f {CONTAINER_CONFIG_PATH}\n"
    )
    q = shlex.quote
    return (
        f"# haproxy.cfg sha256:{digest} (on stdin)\n"
        f"{docker_prefix}"
        f"if ! docker run --rm -i --user 0 --network none --entrypoint sh {q(image)} -c {q(inner)}; then\n"
        f"  echo 'haproxy -c of {image} rejected the new configuration or certificate (its message is "
        f"above); the running {HAPROXY_CONTAINER_NAME} container is unchanged' >&2\n"
        "  exit 1\n"
        "fi\n"
    )


def container_check_stdin(password: str, pem_bundle: str, config_text: str) -> str:
    """What the configuration check reads (a secret): the stats password, the PEM bundle, the
    marker line, then haproxy.cfg."""
    pem = pem_bundle if pem_bundle.endswith("\n") else pem_bundle + "\n"
    return f"{password}\n{pem}{CONFIG_MARK}\n{config_text}"


def published_ports(spec: HaproxySpec) -> dict[int, str]:
    """Every port the HAProxy container publishes -> what it is, as the stack config names it."""
    ports = {
        spec.http_port: "haproxy.httpPort",
        spec.https_port: "haproxy.httpsPort",
        spec.stats_port: "haproxy.statsPort",
    }
    ports.update({c.external_port: f"the Docker port of {c.repository}" for c in spec.connectors})
    return ports


def ports_free_script(ports: Mapping[int, str], container: str = HAPROXY_CONTAINER_NAME) -> str:
    """Fails, naming each one, when a port the container publishes is held on the Docker host by
    anything but ``container`` itself (``ports``: port -> what it is, e.g. ``haproxy.httpPort``).

    Docker binds published ports only when it starts the new container, after the old one is gone
    (its name and ports are fixed): a port taken by another process would leave no front end at
    all. The listening sockets come from ``/proc/net/tcp`` and ``tcp6`` of the host (state 0A);
    the old container's own ports (``docker port``) are not a clash.
    """
    checks = "".join(f"check {port} {shlex.quote(what)}\n" for port, what in sorted(ports.items()))
    return (
        f"ours=$(docker port {shlex.quote(container)} 2>/dev/null | sed -n 's/.*:\\([0-9]*\\)$/\\1/p')\n"
        'listening=$(awk \'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }\' '
        "/proc/net/tcp /proc/net/tcp6 2>/dev/null)\n"
        "busy=\n"
        "check() {\n"
        "  hex=$(printf '%04X' \"$1\")\n"
        "  if printf '%s\\n' $listening | grep -qx \"$hex\" &&\n"
        "     ! printf '%s\\n' $ours | grep -qx \"$1\"; then\n"
        '    echo "port $1 ($2) is in use on the Docker host by another process" >&2; busy=1\n'
        "  fi\n"
        "}\n"
        f"{checks}"
        'if [ -n "$busy" ]; then\n'
        f"  echo 'the running {container} container is unchanged: free the port or choose another one' >&2\n"
        "  exit 1\n"
        "fi\n"
    )


def container_healthcheck(https_port: int) -> docker.ContainerHealthcheckArgs:
    """Healthy while HAProxy accepts connections on its HTTPS port (bash is in the image)."""
    return docker.ContainerHealthcheckArgs(
        tests=["CMD", "bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{https_port}"],
        interval=docker_duration(10),
        timeout=docker_duration(5),
        retries=3,
        start_period=docker_duration(5),
    )


# ------------------------------------------------------------------------------------------------
# The component
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HaproxyArgs:
    """What HAProxy deploys (spec, paths, stats password) and where (the host)."""

    spec: HaproxySpec
    #: Container mode: the pinned image.
    image: str
    config_path: str
    stats_password: str
    host: HostAccess
    #: Host mode: ``destroy`` removes HAProxy's files from the host.
    remove_on_destroy: bool = False

    @classmethod
    def from_settings(cls, settings: StackSettings) -> HaproxyArgs:
        return cls(
            spec=haproxy_spec_from_settings(settings),
            image=settings.haproxy.image,
            config_path=config_path(settings),
            stats_password=settings.haproxy_stats_password(),
            host=HostAccess.from_settings(settings),
            remove_on_destroy=settings.haproxy.remove_on_destroy,
        )


class ServedCertificate(Protocol):
    """The certificate HAProxy serves: the :class:`components.pki.Pki` outputs, or any PEMs."""

    @property
    def certificate_pem(self) -> pulumi.Input[str]: ...

    @property
    def chain_pem(self) -> pulumi.Input[str]: ...

    @property
    def private_key_pem(self) -> pulumi.Input[str]: ...


class Haproxy(Component[HaproxyArgs]):
    """HAProxy as a container next to Nexus, or on the host through commands.

    ``certificate``: what it serves (the Pki). Container mode: ``docker_provider`` and
    ``network_name``, the engine and network of the NexusServer. ``after``: what HAProxy serves in
    front of (the nexus container): its container, or in host mode its deploy command, waits for it.
    """

    TYPE_TOKEN = "nexus-platform:components:Haproxy"

    mode: str
    #: The rendered haproxy.cfg (no secret in it).
    config: pulumi.Output[str]
    config_path: pulumi.Output[str]
    certificate_path: pulumi.Output[str]
    #: The PEM bundle HAProxy loads (secret).
    pem_bundle: pulumi.Output[str]
    stats_password: pulumi.Output[str]
    #: Container mode: the haproxy container; None in host mode.
    container: docker.Container | None
    container_id: pulumi.Output[str] | None
    #: Host mode: the command that checks, installs and reloads; None in container mode.
    deploy_command: pulumi.CustomResource | None
    #: Container mode: ``haproxy -c`` by the image before the container is replaced (None: no shell).
    config_check: pulumi.CustomResource | None

    def __init__(
        self,
        name: str,
        args: HaproxyArgs,
        *,
        certificate: ServedCertificate,
        docker_provider: docker.Provider | None = None,
        network_name: pulumi.Input[str] | None = None,
        after: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        self._certificate = certificate
        self._docker_provider = docker_provider
        self._network_name = network_name
        self._after = list(after)
        super().__init__(name, args, opts)

    @classmethod
    def in_front_of(
        cls,
        name: str,
        args: HaproxyArgs,
        pki: Pki,
        nexus: NexusServer,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Haproxy:
        """The usual wiring: the certificate of the Pki, the engine and network of the NexusServer,
        after its container."""
        return cls(
            name,
            args,
            certificate=pki,
            docker_provider=nexus.docker_provider,
            network_name=nexus.network_name,
            after=[nexus.container],
            opts=opts,
        )

    def build(self, name: str, args: HaproxyArgs) -> Mapping[str, Any]:
        spec = args.spec
        config_text = render_haproxy_config(spec)

        self.mode = spec.mode
        self.config = pulumi.Output.from_input(config_text)
        self.config_path = pulumi.Output.from_input(args.config_path)
        self.certificate_path = pulumi.Output.from_input(spec.certificate_path)
        certificate = self._certificate
        self.pem_bundle = pulumi.Output.secret(
            pulumi.Output.all(
                certificate.certificate_pem, certificate.chain_pem, certificate.private_key_pem
            ).apply(lambda parts: build_pem_bundle(parts[0], parts[1] or "", parts[2]))
        )
        password = args.stats_password
        self.stats_password = pulumi.Output.secret(password)
        self.container = None
        self.container_id = None
        self.deploy_command = None
        self.config_check = None

        if spec.mode == "container":
            self._container(name, args, spec, config_text, password)
        else:
            self._host(name, args, config_text, password)

        return {
            "mode": self.mode,
            "config": self.config,
            "configPath": self.config_path,
            "certificatePath": self.certificate_path,
            "statsPassword": self.stats_password,
            "containerId": self.container_id,
        }

    def _container(
        self, name: str, args: HaproxyArgs, spec: HaproxySpec, config_text: str, password: str
    ) -> None:
        if self._docker_provider is None or self._network_name is None:
            raise ValueError("container-mode HAProxy needs the docker provider and network of NexusServer")
        on_engine = self.child(provider=self._docker_provider)
        image = docker.RemoteImage(f"{name}-image", name=args.image, keep_locally=True, opts=on_engine)
        public = [spec.http_port, spec.https_port, *(c.external_port for c in spec.connectors)]
        ports = [docker.ContainerPortArgs(internal=port, external=port, ip=PUBLIC) for port in public]
        ports.append(
            docker.ContainerPortArgs(internal=spec.stats_port, external=spec.stats_port, ip=LOOPBACK)
        )
        depends_on = list(self._after)
        host = args.host
        self.config_check = None
        if host.can_run_commands:
            self.config_check = host.run(
                f"{name}-config-check",
                container_check_script(args.image, config_text, docker_cli_prefix(host)),
                stdin=pulumi.Output.secret(
                    self.pem_bundle.apply(lambda pem: container_check_stdin(password, pem, config_text))
                ),
                opts=self.child([image]),
            )
            depends_on.append(self.config_check)
            # Only a change of the published ports can meet a port held by another process.
            ports_free = host.run(
                f"{name}-ports-free",
                docker_cli_prefix(host) + ports_free_script(published_ports(spec)),
                opts=self.child(),
            )
            depends_on.append(ports_free)
        else:
            pulumi.log.warn(
                f"dockerHost {host.docker_host} offers no shell: the HAProxy configuration is not checked "
                "before the container is replaced (its healthcheck still is)",
                resource=self,
            )
        # `up` fails here when HAProxy does not listen in time: the program's last line says where to look
        hint = shutdown.container_hint(f"{name}-container", HAPROXY_CONTAINER_NAME, HEALTH_WAIT_SECONDS)
        with shutdown.hint_when_stopped(hint):
            self.container = docker.Container(
                f"{name}-container",
                name=HAPROXY_CONTAINER_NAME,
                image=image.image_id,
                ports=ports,
                envs=pulumi.Output.secret([f"{STATS_PASSWORD_ENV}={password}"]),
                uploads=[
                    docker.ContainerUploadArgs(
                        file=CONTAINER_CONFIG_PATH, content=config_text, permissions="0644"
                    ),
                    # root's, 0600: only the master (root) reads it; the workers run as haproxy
                    docker.ContainerUploadArgs(
                        file=spec.certificate_path, content=self.pem_bundle, permissions="0600"
                    ),
                ],
                networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=self._network_name)],
                # The master starts as root to bind the ports and read the PEM, then its workers drop to
                # the image's haproxy user (`user`/`group` in global): the same as Debian's unit does.
                # No upload owner is needed, which the docker provider gained only in 5.2.0.
                user=CONTAINER_MASTER_USER,
                healthcheck=container_healthcheck(spec.https_port),
                **service_container_args(
                    host,
                    wait_seconds=HEALTH_WAIT_SECONDS,
                    stop_grace_seconds=CONTAINER_STOP_GRACE_SECONDS,
                    log_opts=CONTAINER_LOG_OPTS,
                ),
                opts=self.child(depends_on, provider=self._docker_provider, delete_before_replace=True),
            )
        self.container_id = self.container.id
        running_guard(
            name,
            host,
            HAPROXY_CONTAINER_NAME,
            self.container,
            HEALTH_WAIT_SECONDS,
            opts=self.child([self.container]),
        )

    def _host(self, name: str, args: HaproxyArgs, config_text: str, password: str) -> None:
        # settings refuse host mode on a Docker host without a shell (haproxy.mode)
        host = args.host
        cfg_path, pem_path = args.config_path, args.spec.certificate_path
        environment = environment_file_lines(password, cfg_path)
        deploy = as_root(deploy_script(cfg_path, pem_path))
        self.deploy_command = host.run(
            f"{name}-deploy",
            deploy,
            # Every change (configuration, certificate, password) runs the same transaction; the
            # resource is never replaced, so its delete runs only on destroy.
            update=deploy,
            delete=as_root(teardown_script(cfg_path, pem_path, args.remove_on_destroy)),
            stdin=pulumi.Output.secret(
                self.pem_bundle.apply(lambda pem: deploy_stdin(environment, pem, config_text))
            ),
            # No triggers: pulumi-command replaces a command whose triggers change, and a replace
            # tears HAProxy down (removeOnDestroy) instead of reloading it. A configuration change
            # changes stdin (a secret), so it is an update that runs the deploy transaction;
            # `scripts/render-haproxy STACK` prints the configuration the preview would deploy.
            # A forced replacement (`up --replace`) must tear down before deploying again, or the
            # old resource's delete (removeOnDestroy) would remove what the new one just installed.
            opts=self.child(self._after, delete_before_replace=True),
        )
