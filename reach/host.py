"""Reaching the Docker host: the one place for how the project gets a shell there.

A ``unix://`` Docker host is this machine; an ``ssh://user@host[:port]`` one (:func:`parse_ssh_host`)
is reached with the system ``ssh`` client (``BatchMode=yes``: it fails instead of prompting; the key
from the stack's ``sshPrivateKey`` in a 0600 temporary file, :func:`secret_file`, or the SSH agent).
A script is sent as one argument of ``sh -c`` so the remote login shell never parses it; what must
run as root starts with :data:`AS_ROOT_PREFIX` (root directly, else ``sudo -n``: fails, never
prompts). Used by the first run (reading ``admin.password``), the components' command resources and
the operations alike; the scripts come from ``templates/`` (:func:`render_script` for a Jinja
template with values, :func:`script_fragment` for a piece of shell used as is).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shlex
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from reach.errors import NexusPlatformError

if TYPE_CHECKING:
    import jinja2

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

_SSH_HOST = re.compile(r"^ssh://(?P<user>[^@\s/]+)@(?P<host>[^\s/:]+)(:(?P<port>\d+))?$")

#: Run the rest of a shell command as root: directly when already root, else through `sudo -n`
#: (fails instead of prompting). Use ``$S`` before each command that needs root.
AS_ROOT_PREFIX = 'S=; [ "$(id -u)" -eq 0 ] || S="sudo -n"; '
#: The same ``$S`` for a host whose files the operator owns (no root needed).
NOT_AS_ROOT_PREFIX = "S=; "


@dataclass(frozen=True)
class SshTarget:
    user: str
    host: str
    port: int = 22


def parse_ssh_host(docker_host: str) -> SshTarget | None:
    """``ssh://user@host[:port]`` -> :class:`SshTarget`; None for anything else."""
    match = _SSH_HOST.match(docker_host)
    if not match:
        return None
    return SshTarget(match["user"], match["host"], int(match["port"] or 22))


@functools.cache
def templates() -> jinja2.Environment:
    """The project's templates (``templates/``): haproxy.cfg and the host scripts. Strict (an
    undefined name is an error), blocks trimmed, the final newline kept; ``q`` quotes for sh.
    Jinja is imported here: the first run, which only needs an SSH target, does not load it."""
    import jinja2  # noqa: PLC0415

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters["q"] = lambda value: shlex.quote(str(value))
    return environment


def render_script(template: str, **context: Any) -> str:
    """The shell script ``templates/<template>`` with ``context`` (``{{ x | q }}`` quotes a value for
    sh; a name the template uses and ``context`` lacks is an error, not an empty string)."""
    return templates().get_template(template).render(**context)


@functools.cache
def script_fragment(name: str) -> str:
    """A piece of shell kept as is in ``templates/<name>`` (no values in it: the caller sets the
    shell variables it uses, quoted, before it)."""
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# Command resources: a short fixed command text, the script on stdin
# ------------------------------------------------------------------------------------------------

#: A stdin line that starts a script section (``<mark><section>``) or, ``<mark>end``, ends them.
SCRIPT_MARK = "#--nexus-platform:"
SCRIPT_END = "end"
#: The longest command text a runner makes (pulumi-command quotes it into every error).
RUNNER_MAX_CHARS = 300


def script_digest(scripts: Mapping[str, str]) -> str:
    """A short digest of a command's scripts: in its command text, so that a changed script changes
    an input the preview shows (the stdin that carries it may be a secret) and runs it again."""
    digest = hashlib.sha256()
    for section in sorted(scripts):
        digest.update(f"{section}\0{scripts[section]}\0".encode())
    return digest.hexdigest()[:16]


def stdin_runner(section: str, digest: str) -> str:
    """The command text that runs the script of ``section`` from stdin (:func:`scripts_stdin`).

    It reads stdin line by line with the shell's ``read`` builtin, which takes one byte at a time
    from a pipe (pulumi-command's stdin, locally and over SSH), so it stops right after the end
    line and the data after it stays on stdin for the script; it keeps the lines of its section and
    ``eval``s them. Without the end line (stdin cut short) it runs nothing and fails. POSIX sh: it is
    also what a remote login shell runs. ``digest``: :func:`script_digest`, as a comment.
    """
    if not section.isidentifier():
        raise ValueError(f"a script section is a plain name, not {section!r}")
    runner = (
        f"_m='{SCRIPT_MARK}';_s=;_k=;_e=1;while IFS= read -r _l;do case $_l in "
        f'"${{_m}}{SCRIPT_END}")_e=0;break;;"$_m"*)_k=${{_l#"$_m"}};;*)[ "$_k" = {section} ]&&_s="$_s$_l\n";;'
        "esac;done;[ $_e = 0 ]||{ echo 'nexus-platform: the script did not arrive on stdin' >&2;exit 1;}"
        f';eval "$_s" # {digest}'
    )
    if len(runner) > RUNNER_MAX_CHARS:
        raise ValueError(f"the runner is {len(runner)} characters, more than {RUNNER_MAX_CHARS}")
    return runner


def scripts_stdin(scripts: Mapping[str, str], data: str = "") -> str:
    """A command's stdin: each script as a section, the end line, then ``data`` (what the scripts
    read from their stdin, e.g. a PEM bundle)."""
    parts = []
    for section, script in scripts.items():
        stdin_runner(section, "")  # the section's name is valid
        if any(line.startswith(SCRIPT_MARK) for line in script.splitlines()):
            raise ValueError(f"the {section} script has a line starting with {SCRIPT_MARK!r}")
        parts.append(f"{SCRIPT_MARK}{section}\n{script if script.endswith(chr(10)) else script + chr(10)}")
    return "".join(parts) + f"{SCRIPT_MARK}{SCRIPT_END}\n" + data


def stdin_scripts(stdin: str) -> tuple[dict[str, str], str]:
    """The scripts (by section) and the data of a command's stdin: :func:`scripts_stdin` read back."""
    scripts: dict[str, str] = {}
    section: str | None = None
    lines = stdin.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith(SCRIPT_MARK):
            name = line[len(SCRIPT_MARK) :].rstrip("\n")
            if name == SCRIPT_END:
                return scripts, "".join(lines[index + 1 :])
            section = name
            scripts[section] = ""
        elif section is not None:
            scripts[section] += line
    raise ValueError("no end line: not the stdin of a command resource")


def as_root(script: str) -> str:
    """Run ``script`` with ``sh -c`` as root (directly, or through ``sudo -n``); stdin passes through."""
    return f"{AS_ROOT_PREFIX}exec $S sh -c {shlex.quote(script)}"


@dataclass(frozen=True)
class ShellResult:
    returncode: int
    stdout: str
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class ShellError(NexusPlatformError, RuntimeError):
    def __init__(self, what: str, result: ShellResult) -> None:
        detail = result.stderr.strip().splitlines()[-5:] if result.stderr else []
        tail = ("\n  " + "\n  ".join(detail)) if detail else ""
        super().__init__(f"{what} failed (exit {result.returncode}){tail}")
        self.result = result


def _run(
    argv: list[str], *, stream: bool, timeout: float | None, env: Mapping[str, str] | None = None
) -> ShellResult:
    """Run ``argv``: stdout captured; stderr captured too, or passed to the terminal (``stream``)."""
    completed = subprocess.run(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=None if stream else subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
    )
    return ShellResult(completed.returncode, completed.stdout, completed.stderr or "")


class Shell(Protocol):
    def run(self, script: str, *, timeout: float | None = None) -> ShellResult: ...


@dataclass(frozen=True)
class LocalShell:
    """``/bin/sh -c SCRIPT`` on this machine; ``stream`` passes progress (stderr) to the terminal."""

    env: Mapping[str, str] = field(default_factory=dict)
    stream: bool = False

    def argv(self, script: str) -> list[str]:
        return ["/bin/sh", "-c", script]

    def run(self, script: str, *, timeout: float | None = None) -> ShellResult:
        return _run(self.argv(script), stream=self.stream, timeout=timeout, env={**os.environ, **self.env})


@dataclass(frozen=True)
class SshShell:
    """``ssh [-p PORT] [-i KEY] user@host -- sh -c 'SCRIPT'``."""

    user: str
    host: str
    port: int = 22
    identity_file: str | None = None
    stream: bool = False

    def argv(self, script: str) -> list[str]:
        argv = ssh_argv(self.user, self.host, self.port, self.identity_file)
        return [*argv, "--", f"sh -c {shlex.quote(script)}"]

    def run(self, script: str, *, timeout: float | None = None) -> ShellResult:
        return _run(self.argv(script), stream=self.stream, timeout=timeout)


def shell_for(docker_host: str, *, identity_file: str | None = None, stream: bool = False) -> Shell:
    """The shell that reaches ``docker_host``; tcp:// engines offer none (an error that says so)."""
    if docker_host.startswith("unix://"):
        return LocalShell(env={"DOCKER_HOST": docker_host}, stream=stream)
    target = parse_ssh_host(docker_host)
    if target:
        return SshShell(target.user, target.host, target.port, identity_file=identity_file, stream=stream)
    raise ValueError(
        f"dockerHost {docker_host} offers no shell: snapshots and restores need unix:// or ssh://user@host"
    )


def write_secret_file(content: str, *, prefix: str = "nexus-", suffix: str = "") -> str:
    """The path of a new temporary file holding ``content``, which only its owner may read (0600,
    written after the chmod); a missing final newline is added (``ssh`` refuses a key without one).
    The one writer of the project's temporary files (keys, CAs); the caller removes it."""
    handle = tempfile.NamedTemporaryFile("w", prefix=prefix, suffix=suffix, delete=False)  # noqa: SIM115
    try:
        with handle:
            os.chmod(handle.name, 0o600)
            handle.write(content if content.endswith("\n") else content + "\n")
    except BaseException:
        os.unlink(handle.name)
        raise
    return handle.name


@contextmanager
def secret_file(content: str | None, *, prefix: str = "nexus-", suffix: str = "") -> Iterator[str | None]:
    """``content`` in a temporary file (:func:`write_secret_file`) removed on exit. No content, no
    file: None."""
    if not content:
        yield None
        return
    path = write_secret_file(content, prefix=prefix, suffix=suffix)
    try:
        yield path
    finally:
        os.unlink(path)


def private_key_file(key: str | None) -> AbstractContextManager[str | None]:
    """The stack's SSH private key in a 0600 temporary file for ``ssh -i`` (None: the agent)."""
    return secret_file(key, prefix="nexus-ssh-")


def pem_file(pem: str | None) -> AbstractContextManager[str | None]:
    """A CA certificate (PEM) in a temporary file for ``verify=``/``--cacert`` while the block runs
    (None: none given); for the whole process: :func:`reach.http.ca_file`."""
    return secret_file(pem, suffix=".pem")


def run_checked(shell: Shell, script: str, what: str, *, timeout: float | None = None) -> str:
    result = shell.run(script, timeout=timeout)
    if not result.ok:
        raise ShellError(what, result)
    return result.stdout


def quote_argv(argv: Sequence[str]) -> str:
    return " ".join(shlex.quote(part) for part in argv)


def ssh_argv(
    user: str,
    host: str,
    port: int = 22,
    identity_file: str | None = None,
    *options: str,
    connect_timeout: int = 30,
) -> list[str]:
    """``ssh`` to ``user@host`` without prompts (batch mode), with the stack's key if any."""
    argv = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={connect_timeout}", "-p", str(port)]
    argv += options
    if identity_file:
        argv += ["-i", identity_file, "-o", "IdentitiesOnly=yes"]
    return [*argv, f"{user}@{host}"]


@contextmanager
def ssh_tunnel(
    docker_host: str,
    target_host: str,
    target_port: int,
    *,
    private_key: str | None = None,
    timeout_seconds: float = 60.0,
) -> Iterator[tuple[str, int]]:
    """A local port forwarded through the ``ssh://`` Docker host to ``target_host:target_port``, so
    a connection starts from that host (``ssh -N -L``); yields the local (host, port)."""
    target = parse_ssh_host(docker_host)
    if target is None:
        raise ValueError(f"dockerHost {docker_host} is not ssh://user@host[:port]: no host to tunnel through")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        local_port = probe.getsockname()[1]
    with private_key_file(private_key) as identity:
        argv = ssh_argv(
            target.user, target.host, target.port, identity,
            "-N", "-o", "ExitOnForwardFailure=yes",
            "-L", f"127.0.0.1:{local_port}:{target_host}:{target_port}",
        )  # fmt: skip
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + timeout_seconds
            while True:
                if process.poll() is not None:
                    error = (process.stderr.read() if process.stderr else b"").decode(errors="replace")
                    raise ShellError(
                        f"the SSH tunnel through {docker_host}",
                        ShellResult(process.returncode, "", error.strip()[-500:]),
                    )
                try:
                    with socket.create_connection(("127.0.0.1", local_port), timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"the SSH tunnel through {docker_host} did not open in {timeout_seconds:.0f} s"
                        ) from None
                    time.sleep(0.2)
            yield "127.0.0.1", local_port
        finally:
            stop_process(process)


def stop_process(process: subprocess.Popen[Any], grace_seconds: float = 30.0) -> None:
    """Terminate a child process, kill it if it is still there after the grace period, reap it."""
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace_seconds)
