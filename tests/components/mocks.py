"""Pulumi mocks shared by the component tests.

``set_mocks`` is process-global, so every test installs a fresh :class:`RecordingMocks` (the
``mocks`` fixture of ``tests/components/conftest.py``) and builds its components inside
:func:`deploy`, which runs them under ``pulumi.runtime.test`` and returns once every
registration has completed.

The mocks echo the inputs back as outputs and add plausible values for what the real providers
compute (PEM text for the tls resources, image ids and digests for docker), so code that
post-processes outputs (e.g. the HAProxy PEM bundle) runs for real.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from dynamic_providers.base import KINDS
from dynamic_providers.client import Connection
from reach.host import stdin_scripts

PROJECT = "nexus-platform"
STACK = "test"

T_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
T_SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
T_CERT_REQUEST = "tls:index/certRequest:CertRequest"
T_LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
T_CONTAINER = "docker:index/container:Container"
T_REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
T_NETWORK = "docker:index/network:Network"
T_DOCKER_PROVIDER = "pulumi:providers:docker"
T_LOCAL_COMMAND = "command:local:Command"
T_REMOTE_COMMAND = "command:remote:Command"
T_FIRST_RUN = "pulumi-python:dynamic/nexus:FirstRun"
TLS_TYPES = (T_PRIVATE_KEY, T_SELF_SIGNED, T_CERT_REQUEST, T_LOCALLY_SIGNED)


def fake_pem(label: str, seed: str) -> str:
    """A syntactically valid PEM block (base64 of a DER-looking SEQUENCE), unique per seed."""
    body = hashlib.sha256(seed.encode()).digest() * 2
    der = bytes([0x30, len(body)]) + body
    encoded = base64.b64encode(der).decode("ascii")
    return f"-----BEGIN {label}-----\n{encoded}\n-----END {label}-----\n"


def _computed(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    if typ == T_PRIVATE_KEY:
        return {
            "privateKeyPem": fake_pem("EC PRIVATE KEY", f"key:{name}"),
            "publicKeyPem": fake_pem("PUBLIC KEY", f"pub:{name}"),
        }
    if typ == T_SELF_SIGNED:
        return {"certPem": fake_pem("CERTIFICATE", f"ca:{name}")}
    if typ == T_CERT_REQUEST:
        return {"certRequestPem": fake_pem("CERTIFICATE REQUEST", f"csr:{name}")}
    if typ == T_LOCALLY_SIGNED:
        return {"certPem": fake_pem("CERTIFICATE", f"cert:{name}"), "readyForRenewal": False}
    if typ == T_REMOTE_IMAGE:
        digest = hashlib.sha256(str(inputs.get("name")).encode()).hexdigest()
        repository = str(inputs.get("name")).rsplit(":", 1)[0]
        return {"imageId": f"sha256:{digest}", "repoDigest": f"{repository}@sha256:{digest}"}
    if typ == T_CONTAINER:
        return {"exitCode": 0, "network_data": []}
    if typ in (T_LOCAL_COMMAND, T_REMOTE_COMMAND):
        return {"stdout": "", "stderr": ""}
    if typ == T_FIRST_RUN:  # what the provider answers once it has taken the admin account over
        connection = Connection(url=str(inputs.get("url")), username="admin").as_props()
        return {"connection": connection, "edition": "COMMUNITY", "eula_accepted": False}
    return {}


class Registration:
    """Resource options as the engine receives them (MockResourceArgs does not carry them)."""

    def __init__(self, request: Any) -> None:
        self.urn_parent: str = request.parent
        self.dependencies: list[str] = list(request.dependencies)
        self.delete_before_replace: bool = bool(request.deleteBeforeReplace)
        self.additional_secret_outputs: list[str] = list(request.additionalSecretOutputs)
        self.ignore_changes: list[str] = list(request.ignoreChanges)
        self.replace_on_changes: list[str] = list(request.replaceOnChanges)

    def depends_on_name(self, name: str) -> bool:
        return any(urn.endswith(f"::{name}") for urn in self.dependencies)


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recorder = mocks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self.recorder.options[(request.type, request.name)] = Registration(request)
        return super().RegisterResource(request)


def checked_inputs(typ: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What the engine records as a Nexus object's inputs: its kind's ``check`` of what the program
    sent (the program leaves out fields at their defaults and check fills them in), as in a real run."""
    for provider in KINDS.values():
        if typ == f"pulumi-python:{provider.type_name}":
            result = provider().check({}, dict(inputs))
            return _as_sent(dict(result.inputs)) if not result.failures else inputs
    return inputs


def _as_sent(value: Any) -> Any:
    """A value as the engine passes it on: tuples are lists on the wire."""
    if isinstance(value, dict):
        return {k: _as_sent(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_sent(v) for v in value]
    return value


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every registered resource; returns inputs plus plausible computed outputs."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.options: dict[tuple[str, str], Registration] = {}
        #: What the mocks answered for each resource (inputs plus computed values).
        self.outputs: dict[tuple[str, str], dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        args.inputs = checked_inputs(args.typ, args.inputs)
        self.resources.append(args)
        outputs = dict(args.inputs)
        outputs.update(_computed(args.typ, args.name, args.inputs))
        self.outputs[(args.typ, args.name)] = outputs
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    # -- queries ---------------------------------------------------------------------------------

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ == typ]

    def one(self, typ: str, name: str | None = None) -> pulumi.runtime.MockResourceArgs:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, got {[r.name for r in found]}"
        return found[0]

    def options_of(self, resource: pulumi.runtime.MockResourceArgs) -> Registration:
        return self.options[(resource.typ, resource.name)]


def install(mocks: RecordingMocks | None = None) -> RecordingMocks:
    """Install ``mocks`` (default: fresh :class:`RecordingMocks`) as the process's Pulumi mocks."""
    mocks = mocks if mocks is not None else RecordingMocks()
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=STACK, preview=False, monitor=RecordingMonitor(mocks)
    )
    return mocks


def connection(url: str = "http://127.0.0.1:8081") -> pulumi.Output[Connection]:
    """What the first run hands every Nexus component (call it while deploying: it is an Output)."""
    return pulumi.Output.from_input(Connection(url=url, username="admin"))


def is_secret(value: Any) -> bool:
    """True for an input value the engine received as a secret."""
    return rpc.is_rpc_secret(value)


def plain(value: Any) -> Any:
    """The value with every secret wrapper removed (recursively)."""
    if rpc.is_rpc_secret(value):
        return plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def contains_secret(value: Any) -> bool:
    if rpc.is_rpc_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_secret(item) for item in value)
    return False


class Resolved:
    """Values and secretness of outputs, filled by :func:`deploy`."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.secret: dict[str, bool] = {}


def deploy(
    build: Callable[[], Any], outputs: Callable[[Any], dict[str, pulumi.Output[Any]]] | None = None
) -> tuple[Any, Resolved]:
    """Build components under the current mocks; wait for every registration; resolve outputs.

    ``build`` returns the component (or anything); ``outputs`` maps it to the outputs whose
    values and secretness the test wants to check.
    """
    holder: dict[str, Any] = {}
    resolved = Resolved()

    async def _resolve(named: dict[str, pulumi.Output[Any]]) -> None:
        for key, output in named.items():
            resolved.values[key] = await output.future()
            resolved.secret[key] = await output.is_secret()

    @pulumi.runtime.test
    def program() -> Any:
        holder["built"] = build()
        if outputs is None:
            return None
        return pulumi.Output.from_input(asyncio.ensure_future(_resolve(outputs(holder["built"]))))

    program()
    return holder["built"], resolved


# -- command resources: a runner as the command text, the scripts on stdin ----------------------


def runner_section(runner: str) -> str:
    """The stdin section a command's runner (reach.host.stdin_runner) evaluates."""
    found = re.search(r'\[ "\$_k" = (\w+) \]', runner)
    assert found, f"not a runner: {runner[:120]!r}"
    return found[1]


def command_inputs(resource: Any) -> dict[str, Any]:
    inputs = resource if isinstance(resource, Mapping) else resource.inputs
    return {key: plain(value) for key, value in inputs.items()}


def script(resource: Any, step: str = "create") -> str:
    """The script a command resource (or its recorded inputs) runs for ``step`` (create, update,
    delete): the section of its stdin that the runner of ``step`` reads."""
    inputs = command_inputs(resource)
    scripts, _ = stdin_scripts(inputs["stdin"])
    return scripts[runner_section(inputs[step])]


def stdin_data(resource: Any) -> str:
    """What follows the scripts on a command resource's stdin (what the scripts read)."""
    return stdin_scripts(command_inputs(resource)["stdin"])[1]


def run_command(
    resource: Any, step: str = "create", env: Mapping[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a local command resource's ``step`` as pulumi-command does: its interpreter with the
    command text, the stdin on standard input."""
    inputs = command_inputs(resource)
    argv = [*(inputs.get("interpreter") or ["/bin/sh", "-c"]), inputs[step]]
    return subprocess.run(
        argv,
        input=inputs["stdin"],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
