"""The docker resources the components declare, run for real on a Docker Engine.

The docker provider plugin cannot be built here, so nothing would otherwise ever start the
containers exactly as ``components/nexus_server.py`` and ``components/haproxy.py`` declare them.
Under Pulumi mocks (:mod:`tests.components.mocks`) every registered resource is recorded with its
inputs; :func:`create_args` translates a recorded ``docker:index/container:Container`` into
``docker create`` arguments, one input at a time (image, name, user, env, mounts, ports, networks,
ulimits, sysctls, restart policy, stop timeout, log options, health check), and :func:`upload_tar`
turns its ``uploads`` into the tar stream ``docker cp -`` unpacks with the declared owner and mode.
The declaration is therefore never written a second time in a test.

What a test may change, and only through :class:`RunOptions`, because this machine differs from a
user's host: the host side of published ports (other engineers' processes hold 80, 443, 8081...;
the container side stays as declared) and the address they are published on (127.0.0.1 instead
of 0.0.0.0), and the open-file limit when the engine's own hard limit is lower than the declared
one (a container cannot exceed the daemon's limit; the clamp is reported, never silent).

Inputs this translator does not know fail loudly (:class:`UnknownInputError`), so a new input in a
component cannot be silently left out of the real run.
"""

from __future__ import annotations

import io
import shlex
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.components import mocks as m

#: Inputs that concern the provider's bookkeeping, not the container (no docker run flag).
_PROVIDER_ONLY = {"destroyGraceSeconds", "mustRun", "attach", "logs", "start", "wait", "waitTimeout", "rm"}
_KNOWN = {
    "name", "image", "user", "envs", "volumes", "mounts", "ports", "networksAdvanced", "ulimits",
    "sysctls", "restart", "stopTimeout", "stopSignal", "logDriver", "logOpts", "healthcheck",
    "uploads", "command", "entrypoints", "labels", "networkMode", "hostname", "workingDir",
    "memory", "capabilities",
} | _PROVIDER_ONLY  # fmt: skip


class UnknownInputError(AssertionError):
    """The declaration uses a container input the translator cannot run yet."""


@dataclass(frozen=True)
class RunOptions:
    """What may differ on this machine (see the module docstring)."""

    #: Declared external port -> host port to publish on here.
    host_ports: Mapping[int, int] = field(default_factory=dict)
    #: Address every port is published on here (None: as declared).
    publish_ip: str | None = "127.0.0.1"
    #: The engine's hard open-file limit (None: unlimited).
    nofile_cap: int | None = None
    #: Labels added to what a test creates, so it removes only its own.
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Declared:
    """One recorded container: its inputs with secrets unwrapped, and the image it names."""

    name: str
    image: str
    inputs: dict[str, Any]

    @property
    def container_name(self) -> str:
        return str(self.inputs["name"])


def declared_container(mocks: m.RecordingMocks, resource_name: str) -> Declared:
    """The container ``resource_name`` as registered, its image resolved through its RemoteImage.

    The component passes ``image.image_id`` (an output); the RemoteImage whose id that is names
    the image that was asked for.
    """
    container = mocks.one(m.T_CONTAINER, resource_name)
    inputs = m.plain(dict(container.inputs))
    image_id = inputs["image"]
    names = [
        image.inputs["name"]
        for image in mocks.of_type(m.T_REMOTE_IMAGE)
        if mocks.outputs[(image.typ, image.name)].get("imageId") == image_id
    ]
    assert len(names) == 1, f"{resource_name}: image {image_id} is not one RemoteImage's id: {names}"
    return Declared(resource_name, str(names[0]), inputs)


def declared_networks(mocks: m.RecordingMocks) -> list[dict[str, Any]]:
    """The docker networks declared (their inputs)."""
    return [m.plain(dict(network.inputs)) for network in mocks.of_type(m.T_NETWORK)]


def network_create_args(inputs: Mapping[str, Any], options: RunOptions) -> list[str]:
    args = ["network", "create", "--driver", str(inputs.get("driver") or "bridge")]
    for key, value in options.labels.items():
        args += ["--label", f"{key}={value}"]
    return [*args, str(inputs["name"])]


def _duration(value: Any) -> str:
    """The provider's duration: a Go duration string (``15s``, what docker's flags take too) or
    nanoseconds."""
    if isinstance(value, str) and not value.isdigit():
        return value
    return f"{int(value) // 1_000_000}ms"


def create_args(declared: Declared, options: RunOptions, notes: Callable[[str], None] = print) -> list[str]:
    """``docker create`` arguments for the declared container (without the uploads)."""
    inputs = declared.inputs
    unknown = set(inputs) - _KNOWN
    if unknown:
        raise UnknownInputError(f"{declared.name}: no docker flag for input(s) {sorted(unknown)}")
    args = ["create", "--name", declared.container_name]
    for key, value in options.labels.items():
        args += ["--label", f"{key}={value}"]
    for label in inputs.get("labels") or []:  # the provider's list of {label, value}
        args += ["--label", f"{label['label']}={label['value']}"]
    if inputs.get("user"):
        args += ["--user", str(inputs["user"])]
    for env in inputs.get("envs") or []:
        args += ["--env", str(env)]
    for volume in inputs.get("volumes") or []:
        spec = f"{volume['hostPath']}:{volume['containerPath']}"
        if volume.get("readOnly"):
            spec += ":ro"
        args += ["--volume", spec]
    for mount in inputs.get("mounts") or []:
        args += ["--mount", f"type={mount['type']},source={mount['source']},target={mount['target']}"]
    for port in inputs.get("ports") or []:
        internal = int(port["internal"])
        external = int(port.get("external") or internal)
        ip = options.publish_ip or str(port.get("ip") or "0.0.0.0")
        host_port = options.host_ports.get(external, external)
        args += ["--publish", f"{ip}:{host_port}:{internal}/{port.get('protocol') or 'tcp'}"]
    networks = inputs.get("networksAdvanced") or []
    if inputs.get("networkMode"):
        args += ["--network", str(inputs["networkMode"])]
    elif networks:
        first = networks[0]
        args += ["--network", str(first["name"])]
        for alias in first.get("aliases") or []:
            args += ["--network-alias", str(alias)]
        if len(networks) > 1:
            raise UnknownInputError(f"{declared.name}: more than one network (connect them after create)")
    for limit in inputs.get("ulimits") or []:
        soft, hard = int(limit["soft"]), int(limit["hard"])
        if limit["name"] == "nofile" and options.nofile_cap is not None and hard > options.nofile_cap:
            notes(
                f"{declared.name}: nofile {soft}:{hard} clamped to this engine's limit {options.nofile_cap}"
            )
            soft, hard = min(soft, options.nofile_cap), options.nofile_cap
        args += ["--ulimit", f"{limit['name']}={soft}:{hard}"]
    for key, value in (inputs.get("sysctls") or {}).items():
        args += ["--sysctl", f"{key}={value}"]
    if inputs.get("restart"):
        args += ["--restart", str(inputs["restart"])]
    if inputs.get("stopTimeout") is not None:
        args += ["--stop-timeout", str(int(inputs["stopTimeout"]))]
    if inputs.get("stopSignal"):
        args += ["--stop-signal", str(inputs["stopSignal"])]
    if inputs.get("logDriver"):
        args += ["--log-driver", str(inputs["logDriver"])]
    for key, value in (inputs.get("logOpts") or {}).items():
        args += ["--log-opt", f"{key}={value}"]
    health = inputs.get("healthcheck")
    if health:
        test = [str(part) for part in health["tests"]]
        # --health-cmd is always run by the image's /bin/sh: a CMD form is quoted word by word.
        command = test[1] if test[0] == "CMD-SHELL" else shlex.join(test[1:] if test[0] == "CMD" else test)
        args += ["--health-cmd", command]
        for key, flag in (("interval", "--health-interval"), ("timeout", "--health-timeout"),
                          ("startPeriod", "--health-start-period")):  # fmt: skip
            if health.get(key):
                args += [flag, _duration(health[key])]
        if health.get("retries"):
            args += ["--health-retries", str(int(health["retries"]))]
    if inputs.get("workingDir"):
        args += ["--workdir", str(inputs["workingDir"])]
    if inputs.get("hostname"):
        args += ["--hostname", str(inputs["hostname"])]
    if inputs.get("entrypoints"):
        args += ["--entrypoint", str(inputs["entrypoints"][0])]
    args.append(declared.image)
    args += [str(arg) for arg in (inputs.get("entrypoints") or [])[1:]]
    args += [str(arg) for arg in inputs.get("command") or []]
    return args


def upload_tar(upload: Mapping[str, Any]) -> tuple[str, bytes]:
    """(directory, tar stream) putting one declared upload in place with its owner and mode."""
    path = str(upload["file"])
    directory, _, name = path.rpartition("/")
    data = str(upload["content"]).encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = int(str(upload.get("permissions") or "0644"), 8)
    info.uid = int(upload.get("owner") or 0)
    info.gid = int(upload.get("group") or 0)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        archive.addfile(info, io.BytesIO(data))
    return directory or "/", buffer.getvalue()
