"""The real :class:`operations.upgrade.Steps`: the Pulumi stack (Automation API), the host, Nexus.

* Pulumi: an Automation API stack over the project directory (its Pulumi.yaml and
  Pulumi.<stack>.yaml), with the project's program run inline (the same runner as
  ``tools/language_host.py``), so the project engine from ``scripts/build-pulumi`` needs no Python
  language plugin. The CLI is the ``pulumi`` first on PATH; the ``scripts/`` wrappers put the
  project engine there and set the backend like ``scripts/pulumi`` does.
* The deployed version: the stack outputs ``deployedVersion`` (recorded after the container was
  replaced) or ``nexusVersion``; the ``Server`` header when the stack has no outputs.
* The host: snapshot, list and restore scripts over the shell for ``dockerHost`` (local or SSH with
  the stack's ``sshPrivateKey`` or the agent).
* The engine's output is printed once, as it comes (``on_output``); a failed preview or ``up``
  raises :class:`EngineError`, whose message is only the engine's ``error:`` lines, so the final
  report stays short.
* Nexus: smoke checks at the stack's API URL with the admin password from the stack config and, for
  https, the stack's CA (``caPem`` output).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from operations.smoke import NexusEndpoint, SmokeReport, server_header, smoke_checks
from operations.stackfile import pin_version, read_version
from operations.upgrade import PlannedStep, Preview
from reach.errors import NexusPlatformError
from reach.host import Shell, ShellError, pem_file, private_key_file, run_checked, shell_for
from reach.nexus import parse_server_header
from reach.snapshots import (
    HostPaths,
    Snapshot,
    ask_restore_script,
    backup_script,
    database_files_script,
    last_record,
    list_script,
    parse_records,
    previous_data,
    restore_outcome_script,
    restore_script,
    snapshot_script,
)
from reach.versions import Database, database_of
from settings import PROJECT, StackSettings, load_stack_file

PROJECT_DIR = Path(__file__).resolve().parents[1]
_ERROR_LINE = re.compile(r"^\s*error: (?P<text>.+?)\s*$", re.M)
_EXIT_CODE = re.compile(r"^\s*code: (?P<code>-?\d+)\s*$", re.M)
MAX_ERROR_LINES = 5


class EngineError(NexusPlatformError, RuntimeError):
    """A failed ``pulumi preview``/``up``: its ``error:`` lines only (the output was shown already)."""


def engine_error(command: str, error: BaseException) -> EngineError:
    """The short form of an Automation API ``CommandError`` (whose text is the whole output, which
    ``on_output`` has printed already): the exit code and the distinct ``error:`` lines."""
    text = str(error)
    seen: list[str] = []
    for match in _ERROR_LINE.finditer(text):
        line = match["text"]
        if line not in seen and not line.startswith("update failed"):
            seen.append(line)
    code = _EXIT_CODE.search(text)
    head = f"exit {code['code']}" if code else f"{command} failed"
    if not seen:
        return EngineError(f"{head}; the engine's output is above")
    more = f" (+{len(seen) - MAX_ERROR_LINES} more above)" if len(seen) > MAX_ERROR_LINES else ""
    return EngineError(f"{head}: " + "; ".join(seen[:MAX_ERROR_LINES]) + more)


def planned_step(event: Any) -> PlannedStep | None:
    """The step an engine event announces (``resourcePreEvent``), if it is one."""
    pre = getattr(event, "resource_pre_event", None)
    metadata = getattr(pre, "metadata", None)
    if metadata is None:
        return None
    op = getattr(metadata.op, "value", metadata.op)
    return PlannedStep(str(op), str(metadata.urn))


def stack_file(project_dir: Path, stack: str) -> Path:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise RuntimeError(f"no stack file {path.name} in {project_dir}")
    return path


def host_paths(settings: StackSettings, *, privileged: bool = True) -> HostPaths:
    return HostPaths(
        data_dir=settings.nexus.data_dir,
        backup_dir=settings.nexus.backup_dir,
        stop_grace_seconds=max(120, settings.nexus.stop_grace_seconds),
        privileged=privileged,
    )


def open_stack(project_dir: Path, stack: str) -> Any:
    """The Automation API stack with the project's program inline (no language plugin needed)."""
    import pulumi.automation as auto  # noqa: PLC0415 - heavy, and only needed here

    # this checkout's shim (operations run from the repository; the project may be elsewhere)
    from tools.language_host import entry_point, make_program  # noqa: PLC0415

    options = auto.LocalWorkspaceOptions(work_dir=str(project_dir))
    program = make_program(project_dir, entry_point(project_dir))
    try:
        return auto.select_stack(stack_name=stack, project_name=PROJECT, program=program, opts=options)
    except auto.StackNotFoundError:
        raise RuntimeError(
            f"stack {stack} does not exist in this backend ({os.environ.get('PULUMI_BACKEND_URL', '')}): "
            f"scripts/pulumi stack init {stack}, or log in to the backend that has it"
        ) from None


def _secret_config(stack: Any, key: str) -> str | None:
    import pulumi.automation as auto  # noqa: PLC0415

    try:
        value = stack.get_config(f"{PROJECT}:{key}").value
    except auto.CommandError:
        return None
    return str(value) if value else None


@dataclass
class StackSteps:
    """Steps against a real stack. ``say``/``ask`` talk to the operator (stderr/stdin)."""

    project_dir: Path
    stack_name: str
    stack: Any
    settings: StackSettings
    shell: Shell
    endpoint: NexusEndpoint
    repositories: list[str]
    outputs: dict[str, Any] = field(default_factory=dict)
    out: Callable[[str], None] = field(default=lambda text: print(text, file=sys.stderr, flush=True))
    ask: Callable[[str], str] = field(default=input)
    wait_seconds: float = 900.0
    #: False only where the operator owns the data directory (tests); else root or `sudo -n`.
    privileged: bool = True

    @property
    def paths(self) -> HostPaths:
        return host_paths(self.settings, privileged=self.privileged)

    @property
    def keep_snapshots(self) -> int:
        return self.settings.nexus.keep_snapshots

    @property
    def stack_path(self) -> Path:
        return stack_file(self.project_dir, self.stack_name)

    def deployed_version(self) -> str | None:
        for key in ("deployedVersion", "nexusVersion"):
            value = self.outputs.get(key)
            if isinstance(value, str) and value:
                return value
        return running_version(self.endpoint)  # no outputs: ask Nexus (None when nothing answers)

    def configured_version(self) -> str:
        return read_version(self.stack_path.read_text(encoding="utf-8"))

    def pin_version(self, version: str) -> None:
        previous = pin_version(self.stack_path, version)
        if previous != version:
            self.out(f"{self.stack_path.name}: nexus.version {previous} -> {version}")

    def preview(self) -> Preview:
        planned: list[PlannedStep] = []

        def on_event(event: Any) -> None:
            step = planned_step(event)
            if step is not None:
                planned.append(step)

        try:
            result = self.stack.preview(on_output=self.out, on_event=on_event, color="never")
        except Exception as error:
            raise engine_error("preview", error) from None
        counts = ", ".join(f"{op} {n}" for op, n in sorted(result.change_summary.items()) if op != "same")
        return Preview(f"preview: {counts or 'no changes'}", tuple(planned))

    def confirm(self, question: str) -> bool:
        self.out(question)
        try:
            return self.ask("type yes to continue: ").strip().lower() == "yes"
        except EOFError:
            return False

    def up(self) -> None:
        try:
            self.stack.up(on_output=self.out, color="never")
        except Exception as error:
            raise engine_error("up", error) from None

    def smoke(self, version: str) -> SmokeReport:
        report = smoke_checks(
            self.endpoint, version, self.repositories, timeout=self.wait_seconds, progress=self.out
        )
        self.out(report.summary())
        return report

    def snapshots(self) -> list[Snapshot]:
        text = run_checked(self.shell, list_script(self.paths), "listing snapshots")
        return parse_records(text)

    def database(self) -> Database:
        listing = run_checked(self.shell, database_files_script(self.paths), "looking at the data directory")
        return database_of(listing.split())

    def restore(self, snapshot: Snapshot) -> str:
        out = run_checked(self.shell, restore_script(self.paths, snapshot.name), f"restoring {snapshot.name}")
        return previous_data(out) or ""

    def ask_restore(self, snapshot: Snapshot) -> None:
        run_checked(self.shell, ask_restore_script(self.paths, snapshot.name), f"checking {snapshot.name}")

    def restore_outcome(self) -> str | None:
        out = run_checked(self.shell, restore_outcome_script(self.paths), "the restore's outcome")
        return previous_data(out)

    def take_snapshot(self, version: str | None, reason: str) -> dict[str, Any] | None:
        script = snapshot_script(
            self.paths,
            keep=self.keep_snapshots,
            version=version,
            restart=True,
            reason=reason,
        )
        return last_record(run_checked(self.shell, script, "snapshot"))

    def take_backup(self, version: str | None) -> list[dict[str, Any]]:
        """The database's snapshot, then the online blob copy: the two records printed."""
        script = backup_script(self.paths, keep=self.keep_snapshots, version=version)
        out = run_checked(self.shell, script, "backup")
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    def say(self, message: str) -> None:
        self.out(message)


def running_version(endpoint: NexusEndpoint) -> str | None:
    """The version in the ``Server`` header of ``/v1/status``, if Nexus answers."""
    import requests  # noqa: PLC0415

    try:
        return parse_server_header(server_header(endpoint)).version
    except requests.RequestException:
        return None


def _repositories(settings: StackSettings, outputs: dict[str, Any]) -> list[str]:
    names = outputs.get("repositories")
    if isinstance(names, list) and names:
        return [str(name) for name in names]
    from components.registry import registry_layout  # noqa: PLC0415

    return [spec.name for spec, _ in registry_layout(settings).repositories]


@contextlib.contextmanager
def stack_steps(stack_name: str, project_dir: Path = PROJECT_DIR) -> Iterator[StackSteps]:
    """Open the stack and everything around it; temporary key and CA files are removed afterwards."""
    path = stack_file(project_dir, stack_name)
    settings = load_stack_file(path)
    stack = open_stack(project_dir, stack_name)
    outputs = {key: value.value for key, value in stack.outputs().items()}
    password = _secret_config(stack, "adminPassword") or ""
    key = _secret_config(stack, "sshPrivateKey")
    with contextlib.ExitStack() as cleanup:
        identity = cleanup.enter_context(private_key_file(key))
        ca = outputs.get("caPem")
        https = settings.nexus_url.startswith("https://") and isinstance(ca, str)
        ca_file = cleanup.enter_context(pem_file(ca if https else None))
        yield StackSteps(
            project_dir=project_dir,
            stack_name=stack_name,
            stack=stack,
            settings=settings,
            shell=shell_for(settings.docker_host, identity_file=identity, stream=True),
            endpoint=NexusEndpoint(settings.nexus_url, "admin", password, ca_file),
            repositories=_repositories(settings, outputs),
            outputs=outputs,
        )


__all__ = [
    "ShellError",
    "StackSteps",
    "host_paths",
    "open_stack",
    "read_version",
    "stack_file",
    "stack_steps",
]
