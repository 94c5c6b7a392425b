"""A real Docker Engine for the live tests: the one that answers, or a sandboxed ``dockerd`` of our own.

:func:`docker_engine` yields a :class:`DockerEngine`:

* if ``docker info`` answers on a local engine (``DOCKER_HOST`` unset or ``unix://``), that engine;
* else, as root with Debian's ``docker.io`` installed (``scripts/install-system-deps``), a
  ``dockerd`` started in the background that cannot disturb a system daemon or the machine's
  network: its own socket (``-H unix://<tmp>/docker.sock``), ``--data-root`` and ``--exec-root``
  in a temporary directory, no iptables rules, no default bridge (containers run with
  ``--network none``, or on a user-defined bridge network such as the one the components declare:
  publishing ports on 127.0.0.1 and name resolution between containers work there; its address
  pool is a random unused ``10.x.0.0/16``, so sandboxes started side by side get distinct subnets).
  It is waited for (bounded), and stopped, with its directory removed, when the block ends;
* otherwise :class:`EngineUnavailableError` with the precise reason (the tests skip with it, or
  fail in CI: :func:`unavailable`).

No image is pulled (no registry is reachable): the tests build what they run with ``docker import``.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.eventually import eventually

#: Seconds the daemon we start gets to answer ``docker info`` (it usually takes one or two).
START_TIMEOUT = 30.0
#: Seconds it gets to stop on SIGTERM before it is killed.
STOP_TIMEOUT = 20.0
SANDBOX_FLAGS = ("--iptables=false", "--ip6tables=false", "--log-level=warn")


class EngineUnavailableError(RuntimeError):
    """No Docker Engine can be used here; the message says why."""


@dataclass
class DockerEngine:
    """A Docker Engine reachable at ``host`` with the ``docker`` CLI at ``cli``."""

    cli: str
    host: str
    #: True when this process started the daemon (it is stopped at the end).
    started: bool = False
    log_file: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """The variables the docker CLI (and scripts that call it) need to reach this engine."""
        return {"DOCKER_HOST": self.host, **self.extra_env}

    def docker(
        self, *args: str, check: bool = True, timeout: float = 60.0, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``docker ARGS`` against this engine; raises with stderr when ``check`` and it fails."""
        completed = subprocess.run(
            [self.cli, *args],
            env={**os.environ, **self.env},
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and completed.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args)} failed ({completed.returncode}): {completed.stderr.strip()}"
            )
        return completed

    def build_under_tag(self, base: str, name: str, context: Path, labels: dict[str, str]) -> str:
        """``base`` again as an image of its own named ``name``, ``labels`` added: the same software
        under another tag. A new image id, as a tag of the same id would be "already running" and
        no container would be replaced."""
        lines = [f"FROM {base}", *(f"LABEL {key}={value}" for key, value in labels.items())]
        (context / "Dockerfile").write_text("\n".join(lines) + "\n")
        self.docker("build", "--quiet", "--tag", name, str(context), timeout=300)
        return name

    def log_tail(self, lines: int = 20) -> str:
        if self.log_file is None or not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def _answers(cli: str, host: str | None, timeout: float = 10.0) -> bool:
    env = dict(os.environ)
    if host is not None:
        env["DOCKER_HOST"] = host
    try:
        completed = subprocess.run(
            [cli, "info", "--format", "{{.ServerVersion}}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return completed.returncode == 0 and bool(completed.stdout.strip())


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def routed_prefixes() -> set[tuple[int, int]]:
    """The first two octets of every IPv4 route of this machine (/proc/net/route, little-endian hex)."""
    found: set[tuple[int, int]] = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/route").read_text().splitlines()[1:]:
            fields = line.split()
            if len(fields) > 1:
                address = int(fields[1], 16).to_bytes(4, "little")
                found.add((address[0], address[1]))
    return found


def free_prefix() -> int:
    """The second octet of a ``10.x.0.0/16`` no route of this machine uses."""
    used = routed_prefixes()
    return random.choice([x for x in range(64, 255) if (10, x) not in used])


def dockerd_argv(
    dockerd: str, root: Path, extra_hosts: Sequence[str] = (), *, default_bridge: bool = False
) -> list[str]:
    """The sandboxed daemon's command line; everything it writes stays under ``root``.

    Networks get /24s of a free ``10.x.0.0/16``. No default bridge, unless ``default_bridge``
    (a daemon in a network namespace of its own, where its ``docker0`` touches nothing else): a
    container on no user-defined network then publishes its ports as on a stock engine.
    """
    x = free_prefix()
    bridge = [f"--bip=10.{x}.255.1/24"] if default_bridge else ["--bridge=none"]
    return [
        dockerd,
        *(f"--host={host}" for host in extra_hosts),
        *SANDBOX_FLAGS,
        *bridge,
        f"--default-address-pool=base=10.{x}.0.0/16,size=24",
        f"--data-root={root / 'data'}",
        f"--exec-root={root / 'exec'}",
        f"--pidfile={root / 'docker.pid'}",
        f"--host=unix://{root / 'docker.sock'}",
    ]


@contextlib.contextmanager
def docker_engine(
    *,
    use_running: bool = True,
    wrap: Sequence[str] = (),
    extra_hosts: Sequence[str] = (),
    default_bridge: bool = False,
) -> Iterator[DockerEngine]:
    """A Docker Engine for the duration of the block (see the module docstring).

    ``wrap``: an argv prefix the daemon starts under (e.g. ``nsenter`` into a sandbox's network and
    mount namespaces: its containers' ports are then published there); ``extra_hosts``: more
    ``--host`` sockets for it (e.g. ``unix:///run/docker.sock`` inside that mount namespace);
    ``default_bridge``: see :func:`dockerd_argv`.
    """
    cli = shutil.which("docker")
    if cli is None:
        raise EngineUnavailableError("no docker CLI on PATH (install docker.io: scripts/install-system-deps)")
    current = os.environ.get("DOCKER_HOST", "")
    if use_running and (current == "" or current.startswith("unix://")) and _answers(cli, None):
        yield DockerEngine(cli=cli, host=current or "unix:///var/run/docker.sock")
        return
    if os.geteuid() != 0:
        raise EngineUnavailableError(
            "no Docker Engine answers `docker info` and starting dockerd needs root "
            f"(running as UID {os.geteuid()})"
        )
    dockerd = shutil.which("dockerd") or next(
        (path for path in ("/usr/sbin/dockerd", "/usr/bin/dockerd") if os.access(path, os.X_OK)), None
    )
    if dockerd is None:
        raise EngineUnavailableError(
            "no Docker Engine answers `docker info` and dockerd is not installed "
            "(Debian package docker.io: scripts/install-system-deps)"
        )
    # A short path: unix sockets (ours and containerd's under --exec-root) are limited to 107 bytes.
    root = Path(tempfile.mkdtemp(prefix="nexus-dockerd-"))
    log_file = root / "dockerd.log"
    engine = DockerEngine(cli=cli, host=f"unix://{root / 'docker.sock'}", started=True, log_file=log_file)
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [*wrap, *dockerd_argv(dockerd, root, extra_hosts, default_bridge=default_bridge)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of the test run reaches it through _stop only
        )
    try:

        def answers() -> bool:
            if process.poll() is not None:
                raise EngineUnavailableError(
                    f"dockerd exited with {process.returncode} at start:\n{engine.log_tail()}"
                )
            return _answers(cli, engine.host, timeout=5.0)

        eventually(
            answers,
            timeout=START_TIMEOUT,
            error=EngineUnavailableError,
            message=lambda _: f"dockerd did not answer within {START_TIMEOUT:.0f}s:\n{engine.log_tail()}",
        )
        yield engine
    finally:
        _stop(process)
        shutil.rmtree(root, ignore_errors=True)
