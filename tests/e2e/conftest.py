"""Fixtures for end-to-end tests that drive the real Pulumi engine (built by scripts/build-pulumi).

Fixtures and helpers:

- `engine_bin` (session): Path of the engine bin dir (runs scripts/build-pulumi; a cold build takes
  10-20 min, later runs are instant).
- `copy_project(dest, src=REPO_ROOT, include_stack_configs=False) -> Path`: copies the files the
  Pulumi program needs (the top-level *.py files, Pulumi.yaml, requirements.txt, the
  components/, dynamic_providers/, templates/ trees and any other top-level Python package such
  as operations/; git-tracked or untracked-but-not-ignored files only; never tests/ or .venv;
  Pulumi.<stack>.yaml only if asked).
- `project_copy` (function): `copy_project(tmp_path / "project")`.
- `PulumiCli(project_dir, work_dir)`: runs scripts/pulumi in `project_dir` with a file backend,
  PULUMI_HOME and passphrase secrets under `work_dir`; `pulumi_cli(project_dir)` (function fixture)
  builds one with `work_dir` under tmp_path.

Example:

    def test_up(project_copy, pulumi_cli):
        cli = pulumi_cli(project_copy)
        cli.stack_init("e2e")
        cli.config_set("nexus:adminPassword", "x", secret=True)
        steps = cli.preview_json()["steps"]
        cli.up()
        state = cli.stack_export()
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.plugins import PLUGIN_DIR_ENV

REPO_ROOT = Path(__file__).resolve().parents[2]
PULUMI_SCRIPT = REPO_ROOT / "scripts" / "pulumi"
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build-pulumi"

PROJECT_DIRS = ("components", "dynamic_providers", "templates")
NOT_PROJECT_DIRS = frozenset({"tests", "tools", "bench", "scripts"})
PROJECT_TOP_FILES = ("Pulumi.yaml", "Pulumi.yml", "requirements.txt")
DEFAULT_PASSPHRASE = "e2e-test-passphrase"
#: Where the docker and command provider plugins come from when NEXUS_PLATFORM_PLUGIN_DIR is not
#: set: the folder of builds beside the repository (.ci/run points the variable at it too).
SIBLING_PLUGIN_DIR = REPO_ROOT.parent / "shared" / "pulumi-plugins"


def plugin_dir() -> Path | None:
    """The folder scripts/pulumi installs provider plugins from (None: download them)."""
    named = os.environ.get(PLUGIN_DIR_ENV)
    if named:
        return Path(named)
    return SIBLING_PLUGIN_DIR if SIBLING_PLUGIN_DIR.is_dir() else None


@pytest.fixture(scope="session")
def engine_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin dir with the built `pulumi` (builds it on first use; cached by version).

    The tls plugin it also builds is installed into a throwaway PULUMI_HOME here, not into ~/.pulumi;
    each PulumiCli gets it installed into its own PULUMI_HOME by scripts/pulumi.
    """
    env = {**os.environ, "PULUMI_HOME": str(tmp_path_factory.mktemp("build-pulumi-home"))}
    proc = subprocess.run(
        [str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=3600, check=False, env=env
    )
    if proc.returncode != 0:
        pytest.fail(f"scripts/build-pulumi failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    bin_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert (bin_dir / "pulumi").is_file(), bin_dir
    return bin_dir


def _candidate_files(src: Path) -> list[str]:
    """Relative paths of files in `src` that git tracks or would track (not ignored)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=src,
            capture_output=True,
            check=True,
        ).stdout
        return [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        return [
            str(p.relative_to(src))
            for p in src.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
        ]


def copy_project(dest: Path, src: Path = REPO_ROOT, *, include_stack_configs: bool = False) -> Path:
    """Copies the Pulumi program of `src` (default: this repo) to `dest`; returns `dest`.

    Stack config files (Pulumi.<stack>.yaml) are copied only with `include_stack_configs`.
    """
    dest.mkdir(parents=True, exist_ok=True)
    candidates = _candidate_files(src)
    # Any other top-level Python package the program may import (e.g. operations/), not tests or tools.
    packages = {
        Path(rel).parts[0]
        for rel in candidates
        if len(Path(rel).parts) == 2 and Path(rel).name == "__init__.py"
    } - NOT_PROJECT_DIRS
    for rel in candidates:
        parts = Path(rel).parts
        stack_config = include_stack_configs and rel.startswith("Pulumi.") and rel.count(".") == 2
        top_level_file = len(parts) == 1 and (rel.endswith(".py") or rel in PROJECT_TOP_FILES or stack_config)
        in_project_dir = len(parts) > 1 and (parts[0] in PROJECT_DIRS or parts[0] in packages)
        if not (top_level_file or in_project_dir) or "__pycache__" in parts:
            continue
        source = src / rel
        if not source.is_file():  # deleted in the work tree but still in the index
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return dest


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of this repo's Pulumi program in a temp dir."""
    return copy_project(tmp_path / "project")


@dataclass
class PulumiResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


class PulumiError(AssertionError):
    def __init__(self, result: PulumiResult) -> None:
        super().__init__(
            f"pulumi {' '.join(result.args)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
        self.result = result


class PulumiCli:
    """Runs scripts/pulumi (the built engine and the language-host shim) in one project directory.

    State (file backend), PULUMI_HOME and the passphrase secrets provider are private to `work_dir`.
    """

    def __init__(
        self,
        project_dir: Path,
        work_dir: Path,
        *,
        passphrase: str = DEFAULT_PASSPHRASE,
        env: Mapping[str, str] | None = None,
        prefix: Sequence[str] = (),
    ) -> None:
        self.project_dir = project_dir
        #: An argv prefix every command runs under (e.g. nsenter into a sandbox's namespaces).
        self.prefix = list(prefix)
        self.state_dir = work_dir / "state"
        self.home_dir = work_dir / "pulumi-home"
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.home_dir.mkdir(parents=True, exist_ok=True)
        self.env: dict[str, str] = {
            **os.environ,
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_HOME": str(self.home_dir),
            "PULUMI_CONFIG_PASSPHRASE": passphrase,
            "NEXUS_PLATFORM_PULUMI": "project",
            "NO_COLOR": "1",
            **({PLUGIN_DIR_ENV: str(plugin_dir())} if plugin_dir() is not None else {}),
            **(env or {}),
        }
        self.env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
        self.stack: str | None = None

    def run(
        self, *args: str, check: bool = True, timeout: float = 900, input: str | None = None
    ) -> PulumiResult:
        """Runs `scripts/pulumi ARGS` in the project dir; raises PulumiError on failure if `check`."""
        # entering a mount namespace starts at its root: the directory is set again inside
        inside = [*self.prefix, "env", f"--chdir={self.project_dir}"] if self.prefix else []
        cmd = [*inside, str(PULUMI_SCRIPT), *args]
        proc = subprocess.run(
            cmd,
            cwd=self.project_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            check=False,
        )
        result = PulumiResult(list(args), proc.returncode, proc.stdout, proc.stderr)
        if check and result.returncode != 0:
            raise PulumiError(result)
        return result

    def _stack_args(self) -> list[str]:
        return ["--stack", self.stack] if self.stack else []

    # stacks and config
    def stack_init(self, name: str) -> PulumiResult:
        result = self.run("stack", "init", name, "--non-interactive")
        self.stack = name
        return result

    def config_set(self, key: str, value: str, *, secret: bool = False, path: bool = False) -> PulumiResult:
        """`config set KEY` (``path``: KEY is a path such as ``ns:access.robots[0].password``)."""
        # The value goes on stdin so secrets never appear in a process list.
        flags = ["--secret"] if secret else ["--plaintext"]
        if path:
            flags.append("--path")
        return self.run("config", "set", key, *flags, *self._stack_args(), input=value)

    # operations
    def preview(self, *extra: str, check: bool = True) -> PulumiResult:
        return self.run("preview", "--non-interactive", *self._stack_args(), *extra, check=check)

    def preview_json(self, *extra: str) -> dict[str, Any]:
        """`pulumi preview --json` as a dict.

        Keys: "steps" ([{"op", "urn", "newState": {"type", ...}, "oldState"}]), "changeSummary",
        "diagnostics", "config", "duration".
        """
        data: dict[str, Any] = self.preview("--json", *extra).json()
        return data

    def up(self, *extra: str, check: bool = True) -> PulumiResult:
        return self.run("up", "--yes", "--non-interactive", *self._stack_args(), *extra, check=check)

    def refresh(self, *extra: str, check: bool = True) -> PulumiResult:
        return self.run("refresh", "--yes", "--non-interactive", *self._stack_args(), *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> PulumiResult:
        return self.run("destroy", "--yes", "--non-interactive", *self._stack_args(), *extra, check=check)

    # state
    def stack_export(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """`pulumi stack export` as a dict (secrets stay ciphertext unless `show_secrets`)."""
        extra = ["--show-secrets"] if show_secrets else []
        data: dict[str, Any] = self.run("stack", "export", *self._stack_args(), *extra).json()
        return data

    def stack_outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        extra = ["--show-secrets"] if show_secrets else []
        data: dict[str, Any] = self.run("stack", "output", "--json", *self._stack_args(), *extra).json()
        return data

    def resources(self, *, show_secrets: bool = False) -> list[dict[str, Any]]:
        """The resources of the current deployment (from `stack export`)."""
        deployment = self.stack_export(show_secrets=show_secrets).get("deployment", {})
        resources: list[dict[str, Any]] = deployment.get("resources") or []
        return resources


#: The type token prefix of the project's Nexus resources (every kind, the first run, ...).
NEXUS_TYPE_PREFIX = "pulumi-python:dynamic/nexus:"


def dynamic_changes(preview: Mapping[str, Any]) -> dict[str, str]:
    """resource name -> op of the Nexus resources a `preview --json` would change."""
    out: dict[str, str] = {}
    for step in preview.get("steps", []):
        state = step.get("newState") or step.get("oldState") or {}
        if str(state.get("type", "")).startswith(NEXUS_TYPE_PREFIX) and step["op"] != "same":
            out[step["urn"].rsplit("::", 1)[1]] = step["op"]
    return out


def steps_by_op(preview: Mapping[str, Any], *, resource_type: str | None = None) -> dict[str, list[str]]:
    """Groups the URNs of `preview_json()` steps by operation ("create", "same", ...)."""
    out: dict[str, list[str]] = {}
    for step in preview.get("steps", []):
        state = step.get("newState") or step.get("oldState") or {}
        if resource_type and state.get("type") != resource_type:
            continue
        out.setdefault(step["op"], []).append(step["urn"])
    return out


@pytest.fixture
def pulumi_cli(tmp_path: Path, engine_bin: Path) -> Callable[..., PulumiCli]:
    """Factory: `pulumi_cli(project_dir, **kwargs)` -> PulumiCli with state under tmp_path."""
    counter = iter(range(1_000_000))

    def make(project_dir: Path, **kwargs: Any) -> PulumiCli:
        return PulumiCli(project_dir, tmp_path / f"pulumi-{next(counter)}", **kwargs)

    return make


def assert_no_plaintext(haystack: Any, needles: Sequence[str]) -> None:
    """Fails if any of `needles` occurs in the JSON text of `haystack`."""
    text = haystack if isinstance(haystack, str) else json.dumps(haystack)
    leaked = [n for n in needles if n in text]
    assert not leaked, f"plaintext secret(s) found: {leaked}"


def existing_nexus_stack(
    work: Path, stack: str, nexus_url: str, admin_password: str, config: Mapping[str, Any]
) -> tuple[Path, PulumiCli]:
    """A copy of the project in ``work/project`` with a stack in existing-Nexus mode on
    ``nexus_url`` (``config``'s keys over the domain and the nexus settings), initialised with
    its state in ``work/pulumi`` and ``adminPassword`` set."""
    project = copy_project(work / "project")
    stack_config = {
        "nexus-platform:domain": "registry.e2e.test",
        "nexus-platform:nexus": {"version": "3.77.1", "manageServer": False, "url": nexus_url},
        **config,
    }
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": stack_config}, sort_keys=False))
    cli = PulumiCli(project, work / "pulumi")
    cli.stack_init(stack)
    cli.config_set("nexus-platform:adminPassword", admin_password, secret=True)
    return project, cli
