"""Smoke test of the real engine: built CLI + language-host shim + a Python dynamic provider.

A tiny project is written to a temp dir; its provider class lives in an importable module of that
project (so it is pickled by reference and the provider process must import it from the project dir).
"""

from __future__ import annotations

import hashlib
import importlib.util
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import REPO_ROOT, PulumiCli, assert_no_plaintext, steps_by_op

RESOURCE_TYPE = "pulumi-python:dynamic/smoke:File"
URN = f"urn:pulumi:e2e::smoke::{RESOURCE_TYPE}::file"
SECRET = "s3cr3t-token-4711"

PULUMI_YAML = """\
name: smoke
description: engine smoke test
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: .venv
"""

PROVIDER = '''\
"""A dynamic provider that manages one local file."""
from __future__ import annotations

import hashlib
import os
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _write(props: dict[str, Any]) -> dict[str, Any]:
    with open(props["path"], "w", encoding="utf-8") as f:
        f.write(props["content"] + "\\n" + _digest(props["token"]) + "\\n")
    return {
        "path": props["path"],
        "content": props["content"],
        "token": props["token"],
        "digest": _digest(props["token"]),
        "cwd": os.getcwd(),
    }


class FileProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=props["path"], outs=_write(props))

    def diff(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = ("path", "content", "token")
        changed = [k for k in keys if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=["path"] if "path" in changed else [])

    def update(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=_write(news))

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        if not os.path.exists(id):
            return ReadResult(None, {})
        with open(id, encoding="utf-8") as f:
            content = f.read().split("\\n", 1)[0]
        return ReadResult(id, {**props, "content": content})

    def delete(self, id: str, props: dict[str, Any]) -> None:
        if os.path.exists(id):
            os.remove(id)


class File(Resource, module="smoke", name="File"):
    path: pulumi.Output[str]
    content: pulumi.Output[str]
    digest: pulumi.Output[str]
    cwd: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        path: pulumi.Input[str],
        content: pulumi.Input[str],
        token: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"path": path, "content": content, "token": token, "digest": None, "cwd": None}
        super().__init__(FileProvider(), name, props, opts)
'''

MAIN = """\
import pulumi

from smokeprov import File

config = pulumi.Config()
f = File(
    "file",
    path=config.require("path"),
    content=config.get("content") or "hello",
    token=config.require_secret("token"),
)
pulumi.export("path", f.path)
pulumi.export("digest", f.digest)
pulumi.export("provider_cwd", f.cwd)
"""


def write_project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "Pulumi.yaml").write_text(PULUMI_YAML)
    (root / "__main__.py").write_text(MAIN)
    (root / "smokeprov").mkdir()
    (root / "smokeprov" / "__init__.py").write_text(textwrap.dedent(PROVIDER))
    return root


def test_dynamic_provider_lifecycle(tmp_path: Path, pulumi_cli: Callable[..., PulumiCli]) -> None:
    project = write_project(tmp_path / "smoke")
    target = tmp_path / "out" / "managed.txt"
    target.parent.mkdir()
    cli = pulumi_cli(project)

    cli.stack_init("e2e")
    cli.config_set("path", str(target))
    cli.config_set("token", SECRET, secret=True)

    # preview: exactly one dynamic resource to create, nothing written yet
    preview = cli.preview_json()
    assert steps_by_op(preview, resource_type=RESOURCE_TYPE) == {"create": [URN]}
    assert not target.exists()

    # up: the provider process ran in the project dir and wrote the file
    cli.up()
    assert target.read_text() == "hello\n" + hashlib.sha256(SECRET.encode()).hexdigest() + "\n"
    outputs = cli.stack_outputs()
    assert outputs["path"] == str(target)
    assert Path(outputs["provider_cwd"]).resolve() == project.resolve()

    # a second preview finds nothing to do
    cli.preview("--expect-no-changes")

    # the secret input is only stored encrypted
    state = cli.stack_export()
    assert_no_plaintext(state, [SECRET])
    (resource,) = [r for r in cli.resources() if r["type"] == RESOURCE_TYPE]
    assert "ciphertext" in resource["inputs"]["token"]
    assert_no_plaintext(cli.run("stack", "export").stdout, [SECRET])
    assert SECRET in cli.run("stack", "export", "--show-secrets").stdout

    # drift: refresh reads the file back into the state, up puts the desired content back
    target.write_text("edited by hand\n")
    cli.refresh()
    (resource,) = [r for r in cli.resources() if r["type"] == RESOURCE_TYPE]
    assert resource["outputs"]["content"] == "edited by hand"
    assert steps_by_op(cli.preview_json(), resource_type=RESOURCE_TYPE) == {"update": [URN]}
    cli.up()
    assert target.read_text().startswith("hello\n")
    cli.refresh("--expect-no-changes")

    # destroy removes the file and empties the stack
    cli.destroy()
    assert not target.exists()
    assert [r for r in cli.resources() if r["type"] == RESOURCE_TYPE] == []


# The shim's argument handling, without the engine.


def _language_host() -> ModuleType:
    spec = importlib.util.spec_from_file_location("language_host", REPO_ROOT / "tools" / "language_host.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_language_host_client_flag_goes_before_separator() -> None:
    lh = _language_host()
    assert lh.with_client_flag(["pulumi", "up", "--yes"], "127.0.0.1:1") == [
        "pulumi",
        "up",
        "--yes",
        "--client=127.0.0.1:1",
    ]
    assert lh.with_client_flag(["pulumi", "up", "--", "x"], "a:1") == [
        "pulumi",
        "up",
        "--client=a:1",
        "--",
        "x",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["up", "-C", "p"], "p"),
        (["--cwd", "p", "up"], "p"),
        (["--cwd=p", "up"], "p"),
        (["-Cp", "up"], "p"),
        (["up", "--", "-C", "p"], None),
        (["up"], None),
    ],
)
def test_language_host_finds_cwd_option(args: list[str], expected: str | None) -> None:
    got = _language_host().cwd_from_args(args)
    assert got == (Path(expected) if expected else None)


def test_language_host_entry_point_and_project_dir(tmp_path: Path) -> None:
    lh = _language_host()
    project = write_project(tmp_path / "proj")
    (project / "sub").mkdir()
    assert lh.find_project_dir(project / "sub") == project.resolve()
    assert lh.entry_point(project) == project / "__main__.py"
    assert lh.project_module_names(project) == {"smokeprov"}
    (project / "Pulumi.yaml").write_text(PULUMI_YAML + "main: app/\n")
    (project / "app").mkdir()
    (project / "app" / "__main__.py").write_text("")
    assert lh.entry_point(project) == project / "app" / "__main__.py"
