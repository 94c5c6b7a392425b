"""A Python language runtime for the Pulumi CLI, for when no `pulumi-language-python` binary exists.

The CLI built by scripts/build-pulumi has no Python language host (its Go module is not served by
the module proxy we use). The CLI accepts a hidden `--client=127.0.0.1:PORT` flag on
up/preview/refresh/destroy that makes the engine talk to an already running LanguageRuntime gRPC
server instead of starting `pulumi-language-python` (the Automation API runs inline programs that
way). This module is such a server: it uses the Pulumi SDK's own `LanguageServer` with a program
that runs the project's entry point (`__main__.py`, or `main:` from Pulumi.yaml) through `runpy`,
the same way the real `pulumi-language-python-exec` does, with the project directory as the
working directory and first on `sys.path` (so project packages such as `components` import, and
dynamic-provider classes pickled by reference resolve in the provider process, whose cwd is also
the project directory).

Usage (run it with the Python that has `pulumi` installed, e.g. the project's .venv):

    python tools/language_host.py [--project-dir DIR] run -- pulumi up --yes ...
        starts the server, runs the command with `--client=127.0.0.1:PORT` added, waits for it,
        exits with its exit status; stdout of the command is passed through untouched (anything
        the program prints goes to stderr, so `--json` output stays parseable)
    python tools/language_host.py [--project-dir DIR] serve
        prints the port on stdout, serves until stdin reaches EOF or SIGTERM/SIGINT arrives

Without --project-dir the project is found like the CLI does: from `--cwd/-C DIR` in the command,
else the working directory, walking up to the first directory with Pulumi.yaml.

How a failed program is reported. The SDK's `LanguageServer` logs an unhandled exception with its
traceback (`python inline source runtime error: ...` and ~30 lines) and hands the same text to the
engine as the run's error, which prints it a second time; a `RunError` is logged as its message
alone, then also handed to the engine. The real host (`pulumi-language-python-exec`) logs a
`RunError` as its message and any other exception once, with the traceback from the program's own
frames on. Here, an error the project raises on purpose (`reach.errors.NexusPlatformError`: a config
error, `settings.SettingsError`; a provider's `ProviderError`; ...) or a `RunError` raised while the
program runs is logged as its message alone (one line per problem); and since the SDK's server logs
every error it returns, a failed run answers `bail` (the error was reported) instead, so the engine
does not print it a second time. `NEXUS_PLATFORM_DEBUG=1` in the environment keeps the tracebacks.
"""

from __future__ import annotations

import argparse
import os
import runpy
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent import futures
from pathlib import Path
from types import FrameType
from typing import Any

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
DEBUG_ENV = "NEXUS_PLATFORM_DEBUG"
#: The root of the errors the project raises on purpose (module, class name): matched by name, as
#: the program imports its modules afresh on every run (forget_project_modules).
PROJECT_ERROR_ROOT = ("reach.errors", "NexusPlatformError")
# Commands (and their aliases) that take --client: they need a language runtime for the program.
PROGRAM_COMMANDS = frozenset({"up", "update", "preview", "pre", "refresh", "destroy", "down", "dn"})


def find_project_dir(start: Path) -> Path:
    """Returns the first directory at or above `start` that holds a Pulumi project file."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if any((candidate / name).is_file() for name in PROJECT_FILES):
            return candidate
    raise SystemExit(f"language_host: no Pulumi.yaml in {start} or any parent directory")


def cwd_from_args(args: Sequence[str]) -> Path | None:
    """Returns the value of pulumi's `--cwd`/`-C` option in `args`, if any."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg in ("--cwd", "-C") and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--cwd="):
            return Path(arg.split("=", 1)[1])
        if arg.startswith("-C") and len(arg) > 2:
            return Path(arg[2:].removeprefix("="))
    return None


def entry_point(project_dir: Path) -> Path:
    """The program file: `main:` from Pulumi.yaml (a file or a directory), default `__main__.py`."""
    import yaml  # noqa: PLC0415 -- only needed here, keeps `--help` fast

    main: str | None = None
    for name in PROJECT_FILES:
        path = project_dir / name
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if isinstance(data, dict) and isinstance(data.get("main"), str):
                main = data["main"]
            break
    target = project_dir / main if main else project_dir
    if target.is_dir():
        target = target / "__main__.py"
    if not target.is_file():
        raise SystemExit(f"language_host: program entry point {target} does not exist")
    return target


def project_module_names(project_dir: Path) -> set[str]:
    """Top-level modules and packages that live directly in the project directory."""
    names: set[str] = set()
    for child in project_dir.iterdir():
        if child.name.startswith(".") or child.name == "__main__.py":
            continue
        if child.suffix == ".py" and child.stem.isidentifier():
            names.add(child.stem)
        elif child.is_dir() and (child / "__init__.py").is_file() and child.name.isidentifier():
            names.add(child.name)
    return names


def forget_project_modules(project_dir: Path) -> None:
    """Drops the project's own modules from `sys.modules`, so every run imports fresh code.

    The real language host starts a new interpreter for each run; `pulumi up` runs the program
    twice (preview, then update) and module-level state must not leak from one run to the next.
    """
    names = project_module_names(project_dir)
    for key in list(sys.modules):
        if key.split(".", 1)[0] in names:
            del sys.modules[key]


def debug_enabled() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes")


def is_project_error(error: BaseException) -> bool:
    """True for an error the project raises on purpose (derived from its error root)."""
    return any((cls.__module__, cls.__name__) == PROJECT_ERROR_ROOT for cls in type(error).__mro__)


def reported_message(error: BaseException) -> str | None:
    """What to log for ``error`` alone, without its traceback; None: keep the SDK's report."""
    from pulumi import RunError  # noqa: PLC0415

    if debug_enabled() or not (isinstance(error, RunError) or is_project_error(error)):
        return None
    return str(error).strip() or type(error).__name__


class Program:
    """A Pulumi program function that runs the project's entry point like pulumi-language-python-exec.

    A project error or ``RunError`` it raises becomes a ``RunError`` with the message alone (no
    traceback, nothing chained), remembered in :attr:`reported` for :class:`ProgramServer`."""

    def __init__(self, project_dir: Path, main: Path) -> None:
        self.project_dir = project_dir
        self.main = main
        #: The message of the error the last run ended with, when it is logged without a traceback.
        self.reported: str | None = None

    def __call__(self) -> None:
        from pulumi import RunError  # noqa: PLC0415
        from pulumi.runtime import settings  # noqa: PLC0415

        # LanguageServer.Run does not pass the root directory on; pulumi.get_root_directory() needs it.
        settings.SETTINGS.root_directory = str(self.project_dir)
        forget_project_modules(self.project_dir)
        if sys.path[:1] != [str(self.project_dir)]:
            sys.path.insert(0, str(self.project_dir))
        sys.argv = [str(self.main)]
        try:
            runpy.run_path(str(self.main), run_name="__main__")
        except Exception as error:
            message = reported_message(error)
            if message is None:
                raise
            self.reported = message
            raise RunError(message) from None


def make_program(project_dir: Path, main: Path) -> Program:
    """The program function the server runs (see :class:`Program`)."""
    return Program(project_dir, main)


def bail_if_logged(result: Any) -> Any:
    """The run's answer: ``bail`` for a failed run, else ``result``. The SDK's server logs every
    error before it returns it as the run's error, which the engine would print a second time
    (``an unhandled error occurred: ...``); ``bail`` says the error was reported."""
    from pulumi.runtime.proto import language_pb2  # noqa: PLC0415

    if result.error:
        return language_pb2.RunResponse(bail=True)
    return result


class Server:
    """The LanguageRuntime gRPC server on a free loopback port."""

    def __init__(self, project_dir: Path) -> None:
        import grpc  # noqa: PLC0415
        from pulumi.automation._server import LanguageServer  # noqa: PLC0415
        from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS  # noqa: PLC0415
        from pulumi.runtime.proto import language_pb2_grpc  # noqa: PLC0415

        class ProgramServer(LanguageServer):
            """The SDK's server; a failed run answers ``bail``, its error being logged already."""

            def Run(self, request: Any, context: Any) -> Any:  # noqa: N802 - the gRPC method's name
                program: Program = self.program  # type: ignore[assignment]
                program.reported = None
                return bail_if_logged(super().Run(request, context))  # type: ignore[no-untyped-call]

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
        language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
            ProgramServer(make_program(project_dir, entry_point(project_dir))), self._server
        )
        self.port: int = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.stop(grace=None)


def with_client_flag(command: Sequence[str], address: str) -> list[str]:
    """`command` with `--client=ADDRESS` added before a `--` separator, if there is one."""
    out = list(command)
    flag = f"--client={address}"
    if "--" in out:
        out.insert(out.index("--"), flag)
    else:
        out.append(flag)
    return out


def prepare_process(project_dir: Path) -> None:
    os.chdir(project_dir)
    sys.path.insert(0, str(project_dir))


def run(project_dir: Path, command: Sequence[str]) -> int:
    """Serves the runtime while `command` (a pulumi invocation) runs; returns its exit status."""
    # The command's stdout is ours; the program's prints go to stderr so they cannot corrupt --json.
    command_stdout = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    caller_cwd = Path.cwd()  # the command runs where it was started (a relative --cwd stays valid)
    prepare_process(project_dir)
    server = Server(project_dir)
    try:
        child = subprocess.Popen(
            with_client_flag(command, server.address), stdout=command_stdout, cwd=caller_cwd
        )
        os.close(command_stdout)

        def forward(signum: int, _frame: FrameType | None) -> None:
            # Ctrl-C reaches the whole process group already; pulumi cancels gracefully and we must
            # keep serving until it exits. Other signals are passed on.
            if signum != signal.SIGINT:
                child.send_signal(signum)

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, forward)
        status = child.wait()
        return 128 - status if status < 0 else status  # killed by a signal: shell convention
    finally:
        server.stop()


def serve(project_dir: Path) -> int:
    """Prints the port and serves until stdin is closed or a termination signal arrives."""
    prepare_process(project_dir)
    server = Server(project_dir)
    done = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)

    def wait_stdin() -> None:
        sys.stdin.buffer.read()
        done.set()

    threading.Thread(target=wait_stdin, daemon=True).start()
    print(server.port, flush=True)
    done.wait()
    server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project-dir", type=Path, help="directory with Pulumi.yaml (default: found)")
    sub = parser.add_subparsers(dest="mode", required=True)
    run_parser = sub.add_parser("run", help="run COMMAND... with --client pointing at this runtime")
    run_parser.add_argument("command", nargs=argparse.REMAINDER, help="e.g. -- pulumi up --yes")
    sub.add_parser("serve", help="print the port and serve until stdin closes")
    args = parser.parse_args(argv)

    if args.mode == "run":
        command: list[str] = args.command
        if command[:1] == ["--"]:
            command = command[1:]
        if not command:
            parser.error("run needs a command")
        start = args.project_dir or cwd_from_args(command[1:]) or Path.cwd()
        return run(find_project_dir(start), command)
    return serve(find_project_dir(args.project_dir or Path.cwd()))


if __name__ == "__main__":
    status = main()
    # Exit now even if a program run is still going (the CLI was interrupted): the runtime threads
    # are not daemons and would keep the interpreter alive until the program finished.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
