"""The whole program under a real ``pulumi up``: the engine, the tls, docker and command plugins, a
real Docker Engine with the project's images, and the operations scripts, on a sandboxed machine.

:func:`stack_machine` gives a :class:`StackMachine`: private network and mount namespaces (the
``ssh_host`` sandbox of :mod:`tests.components.ssh_host`: its own loopback, an sshd on it, Debian's
HAProxy files and a ``systemctl`` stand-in) with a ``dockerd`` of its own started inside them. So
the stack binds its real ports (80, 443, 8081, ...) without touching this machine's, the
containers named ``nexus`` and ``haproxy`` of other tests are never seen, and everything the stack
runs (``scripts/pulumi``, ``scripts/upgrade``, the command resources, ``curl``) runs inside. The
daemon also listens on ``/run/docker.sock`` inside (the default socket a host-mode stack's SSH
session finds) and on a socket in a temporary directory (the one tests and container-mode stacks
name).

:class:`WholeStack` is one stack of the project copied into a work directory, its config written
as ``Pulumi.<stack>.yaml`` and its state, PULUMI_HOME and plugins private to it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.components.ssh_host import SshHost, ssh_host
from tests.docker_engine import DockerEngine, docker_engine
from tests.e2e.conftest import REPO_ROOT, PulumiCli, PulumiResult, copy_project, plugin_dir
from tests.eventually import eventually
from tests.layers import unavailable
from tools.build_images import Builder, haproxy_image, nexus_image
from tools.plugins import installed, wanted_plugins

DOMAIN = "example.test"
UI_HOST = f"nexus.{DOMAIN}"
ADMIN_PASSWORD = "whole-stack-Admin-1"
STACK = "e2e"
MAVEN, RAW = "maven-e2e", "raw-e2e"
#: The nofile hard limit containers can get from a dockerd we start (it inherits ours).
NOFILE_LIMIT = 16384
#: The socket the daemon also listens on inside the sandbox's mount namespace.
INNER_SOCKET = "unix:///run/docker.sock"
SCRIPTS = REPO_ROOT / "scripts"


def require_plugins() -> None:
    """The docker and command plugins must come from somewhere: a folder, or already installed."""
    folder = plugin_dir()
    if folder is not None and all(
        (folder / f"pulumi-resource-{name}").is_file() for name in ("docker", "command")
    ):
        return
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    site = [Path(p) for p in __import__("site").getsitepackages()]
    missing = [p for p in wanted_plugins(site) if p.name != "tls" and not installed(p, home)]
    if missing:
        unavailable(
            "the whole-stack tests need the docker and command provider plugins: set "
            f"NEXUS_PLATFORM_PLUGIN_DIR to a folder holding {', '.join(p.binary for p in missing)} "
            "and SHA256SUMS"
        )


@dataclass
class StackMachine:
    """The sandbox: run commands in its namespaces, reach its loopback, its Docker Engine."""

    host: SshHost
    engine: DockerEngine
    root: Path

    def prefix(self) -> list[str]:
        """The argv prefix that runs a command inside the sandbox (network and mount namespaces)."""
        return self.host.in_namespaces()

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float = 600,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        chdir = ["env", f"--chdir={cwd}"] if cwd is not None else []
        return subprocess.run(
            [*self.prefix(), *chdir, *argv],
            env={**os.environ, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def curl(self, url: str, *extra: str, ca_file: Path | None = None) -> subprocess.CompletedProcess[str]:
        """curl inside the sandbox, ``UI_HOST`` resolved to its loopback, trusting only ``ca_file``."""
        argv = ["curl", "-sS", "--max-time", "30", "--resolve", f"{UI_HOST}:443:127.0.0.1"]
        if ca_file is not None:
            argv += ["--cacert", str(ca_file)]
        return self.run([*argv, *extra, url], timeout=60)

    def status(self, url: str, *extra: str, ca_file: Path | None = None) -> int:
        """HTTP status of ``url`` (0: no answer, TLS failure)."""
        done = self.curl(url, "-o", "/dev/null", "-w", "%{http_code}", *extra, ca_file=ca_file)
        return int(done.stdout.strip() or "0")

    def docker(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.engine.docker(*args, check=check)

    def containers(self) -> dict[str, str]:
        """name -> state of every container of the engine."""
        out = self.docker("ps", "-a", "--format", "{{.Names}} {{.State}}").stdout
        return dict(line.split(" ", 1) for line in out.splitlines() if line.strip())

    def ssh_private_key(self) -> str:
        return (self.host.directory / "client_key").read_text()

    def trust_sshd_and_name_the_ui(self) -> None:
        """What a host-mode user's machine has: ``~/.ssh`` that knows the Docker host's key (the
        docker provider runs the system ``ssh``), and the UI host name resolving to it. Both only
        inside the sandbox's mount namespace (bind mounts over ``/root/.ssh`` and ``/etc/hosts``)."""
        ssh_dir = self.root / "dot-ssh"
        ssh_dir.mkdir(mode=0o700)
        key = ssh_dir / "id_ed25519"
        key.write_text(self.ssh_private_key())
        key.chmod(0o600)
        (ssh_dir / "known_hosts").write_text((self.host.directory / "known_hosts").read_text())
        hosts = self.root / "hosts"
        hosts.write_text(f"127.0.0.1 localhost\n127.0.0.1 {UI_HOST}\n")
        mounts = (
            f"mkdir -p /root/.ssh && mount --bind {ssh_dir} /root/.ssh && mount --bind {hosts} /etc/hosts"
        )
        done = self.run(["sh", "-c", mounts], timeout=30)
        assert done.returncode == 0, done.stderr

    def container_id(self, name: str) -> str:
        return self.docker("inspect", "-f", "{{.Id}}", name).stdout.strip()

    def networks(self) -> set[str]:
        out = self.docker("network", "ls", "--format", "{{.Name}}").stdout
        return set(out.split()) - {"bridge", "host", "none"}


@contextlib.contextmanager
def stack_machine() -> Iterator[StackMachine]:
    if os.geteuid() != 0:
        unavailable("the whole-stack tests need root (namespaces, dockerd, a UID 200 data directory)")
    require_plugins()
    with ssh_host() as host:
        root = host.directory / "machine"
        root.mkdir()
        # a default bridge, as a stock engine has: host mode publishes Nexus's ports from it
        inside = host.in_namespaces()
        sandbox = docker_engine(
            use_running=False, wrap=inside, extra_hosts=(INNER_SOCKET,), default_bridge=True
        )
        with sandbox as engine:
            yield StackMachine(host=host, engine=engine, root=root)


def build_images(engine: DockerEngine, nexus_versions: Sequence[str]) -> dict[str, str]:
    """The project's images in ``engine``: "haproxy" and each Nexus version -> image name."""
    builder = Builder(docker=(engine.cli,), env=engine.env)
    images = {"haproxy": builder.build(haproxy_image())}
    for version in nexus_versions:
        images[version] = builder.build(nexus_image(version))
    return images


def stack_config(
    machine: StackMachine, images: Mapping[str, str], version: str, **overrides: Any
) -> dict[str, Any]:
    """A container-mode Maven/raw stack (the core has no Docker format) on the sandbox's engine."""
    repository = images[version].rsplit(":", 1)[0]
    config: dict[str, Any] = {
        "domain": DOMAIN,
        "dockerHost": machine.engine.host,
        "nexus": {
            "image": repository,
            "version": version,
            "dataDir": str(machine.root / "nexus-data"),
            "backupDir": str(machine.root / "backups"),
            "heap": "768m",
            "maxDirectMemory": "512m",
            "keepSnapshots": 3,
            "nofileLimit": NOFILE_LIMIT,
            "manageTasks": False,  # the open-source core has no task create over REST
        },
        "docker": {"enabled": False},
        "repositories": [
            {"name": MAVEN, "format": "maven2", "type": "hosted", "deletionProtection": False},
            {
                "name": "raw-e2e",
                "format": "raw",
                "type": "hosted",
                "writePolicy": "ALLOW",
                "deletionProtection": False,
            },
        ],
        "haproxy": {"mode": "container", "image": images["haproxy"]},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config


def host_mode_config(machine: StackMachine, images: Mapping[str, str], version: str) -> dict[str, Any]:
    """The same stack with HAProxy on the Docker host, both reached over SSH (the seed's way)."""
    config = stack_config(machine, images, version)
    config["dockerHost"] = machine.host.docker_host
    config["haproxy"] = {"mode": "host", "removeOnDestroy": True}
    return config


@dataclass
class WholeStack:
    """One stack of a copy of the project, run inside the machine's namespaces."""

    machine: StackMachine
    project: Path
    cli: PulumiCli
    config: dict[str, Any]
    log: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, machine: StackMachine, work: Path, config: Mapping[str, Any]) -> WholeStack:
        project = copy_project(work / "project")
        cli = PulumiCli(project, work / "pulumi", prefix=machine.prefix())
        stack = cls(machine, project, cli, dict(config))
        stack.write_config()
        cli.stack_init(STACK)
        cli.config_set("nexus-platform:adminPassword", ADMIN_PASSWORD, secret=True)
        if str(config.get("dockerHost", "")).startswith("ssh://"):
            cli.config_set("nexus-platform:sshPrivateKey", machine.ssh_private_key(), secret=True)
        return stack

    @property
    def stack_file(self) -> Path:
        return self.project / f"Pulumi.{STACK}.yaml"

    def write_config(self) -> None:
        """The stack file with ``config`` as set here; the engine's own keys (``encryptionsalt``)
        and every ``secure:`` value stay as the engine wrote them."""
        current = yaml.safe_load(self.stack_file.read_text()) if self.stack_file.exists() else None
        current = current or {}
        kept = (current.get("config") or {}).items()
        secrets = {key: value for key, value in kept if isinstance(value, dict) and "secure" in value}
        body = {f"nexus-platform:{key}": value for key, value in self.config.items()}
        current["config"] = {**body, **secrets}
        self.stack_file.write_text(yaml.safe_dump(current, sort_keys=False))

    def configure(self, **changes: Any) -> None:
        """Sets top-level config keys (a dict merges into the section) and rewrites the stack file."""
        for key, value in changes.items():
            if isinstance(value, dict) and isinstance(self.config.get(key), dict):
                self.config[key] = {**self.config[key], **value}
            else:
                self.config[key] = value
        self.write_config()

    def pinned_version(self) -> str:
        data = yaml.safe_load(self.stack_file.read_text())["config"]
        return str(data["nexus-platform:nexus"]["version"])

    def up(self, *extra: str, check: bool = True) -> PulumiResult:
        return self._pulumi("up", "--yes", *extra, check=check, timeout=1800)

    def preview(self, *extra: str, check: bool = True) -> PulumiResult:
        return self._pulumi("preview", *extra, check=check, timeout=900)

    def refresh(self, *extra: str, check: bool = True) -> PulumiResult:
        return self._pulumi("refresh", "--yes", *extra, check=check, timeout=900)

    def destroy(self, *extra: str, check: bool = True) -> PulumiResult:
        return self._pulumi("destroy", "--yes", *extra, check=check, timeout=1800)

    def _pulumi(self, command: str, *extra: str, check: bool, timeout: float) -> PulumiResult:
        args = (command, "--non-interactive", "--stack", STACK, *extra)
        result = self.cli.run(*args, check=check, timeout=timeout)
        self.log.append(f"pulumi {' '.join(args)} -> {result.returncode}\n{result.output[-4000:]}")
        return result

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        return self.cli.stack_outputs(show_secrets=show_secrets)

    def script(self, name: str, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
        """``scripts/<name> STACK ARGS`` on this stack's project copy, inside the machine."""
        argv = [str(SCRIPTS / name), STACK, *args, "--project-dir", str(self.project)]
        done = self.machine.run(argv, env=self.cli.env, timeout=timeout, cwd=self.project)
        tail = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        self.log.append(f"scripts/{name} {' '.join(args)} -> {done.returncode}\n{tail}")
        return done

    def ca_file(self) -> Path:
        path = self.project.parent / "stack-ca.pem"
        ca = self.outputs().get("caPem")
        if ca is None:  # a failed first `up` records no outputs: the CA resource has it
            (cert,) = [
                r for r in self.cli.resources() if r.get("type") == "tls:index/selfSignedCert:SelfSignedCert"
            ]
            ca = cert["outputs"]["certPem"]
        path.write_text(ca)
        return path

    def ui(self, path: str) -> str:
        return f"https://{UI_HOST}{path}"


@contextlib.contextmanager
def holding_port(machine: StackMachine, port: int) -> Iterator[None]:
    """Another process listens on ``port`` on all addresses inside the sandbox (a port clash)."""
    code = (
        "import socket, time\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('0.0.0.0', {port})); s.listen(); print('listening', flush=True); time.sleep(3600)\n"
    )
    process = subprocess.Popen([*machine.prefix(), "python3", "-c", code], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"listening"
        yield
    finally:
        process.kill()
        process.wait()


# ---------------------------------------------------------------- through HAProxy, as a user


ADMIN = f"admin:{ADMIN_PASSWORD}"
#: How long HAProxy may take to serve a new or restarted Nexus container again.
SERVED_AGAIN_SECONDS = 60.0


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def wait_served(stack: WholeStack, path: str, ca: Path) -> int:
    """The status of an admin GET through HAProxy, once it is not 503 (bounded): after a new or
    restarted container HAProxy's health check and name resolution take a few seconds."""

    def served() -> int | None:
        status = stack.machine.status(stack.ui(path), "-u", ADMIN, ca_file=ca)
        return None if status in (0, 503) else status

    return eventually(served, timeout=SERVED_AGAIN_SECONDS, interval=2.0, message=f"{path} not served")


def download(stack: WholeStack, path: str, ca: Path) -> str:
    assert wait_served(stack, path, ca) == 200
    done = stack.machine.curl(stack.ui(path), "-f", "-u", ADMIN, ca_file=ca)
    assert done.returncode == 0, done.stderr
    return done.stdout


def upload(stack: WholeStack, path: str, body: bytes, ca: Path) -> None:
    payload = stack.project.parent / "payload"
    payload.write_bytes(body)
    done = stack.machine.curl(stack.ui(path), "-f", "-u", ADMIN, "-T", str(payload), ca_file=ca)
    assert done.returncode == 0, done.stderr


def jar() -> bytes:
    """A small real jar (Nexus checks that a .jar's content is a zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    return buffer.getvalue()


JAR = jar()


def sha256_file(stack: WholeStack, path: str, ca: Path) -> str:
    assert wait_served(stack, path, ca) == 200
    target = stack.project.parent / "downloaded"
    done = stack.machine.curl(stack.ui(path), "-f", "-u", ADMIN, "-o", str(target), ca_file=ca)
    assert done.returncode == 0, done.stderr
    return hashlib.sha256(target.read_bytes()).hexdigest()


def server_version(stack: WholeStack, ca: Path) -> str:
    wait_served(stack, "/service/rest/v1/status", ca)
    done = stack.machine.curl(stack.ui("/service/rest/v1/status"), "-D", "-", "-o", "/dev/null", ca_file=ca)
    header = next(line for line in done.stdout.splitlines() if line.lower().startswith("server:"))
    return header.split("/", 1)[1].split()[0]


def assert_nothing_anonymous(stack: WholeStack, ca: Path) -> None:
    """Nothing without a password: no repository listed, no content served (Nexus answers the
    list itself with 200 and what the caller may see)."""
    listed = stack.machine.curl(stack.ui("/service/rest/v1/repositories"), "-w", "\n%{http_code}", ca_file=ca)
    body, _, status = listed.stdout.rpartition("\n")
    assert status in ("401", "403") or json.loads(body) == [], listed.stdout[-500:]
    assert stack.machine.status(stack.ui("/repository/maven-public/"), ca_file=ca) == 401


def one_line_errors(output: str) -> None:
    """The project's errors read as lines, never a Python traceback or a whole script."""
    assert "Traceback (most recent call last)" not in output, output[-3000:]
    assert max(len(line) for line in output.splitlines()) < 2000, "a line of over 2000 characters"
