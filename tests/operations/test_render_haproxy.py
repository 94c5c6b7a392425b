"""scripts/render-haproxy: the haproxy.cfg of a stack file, without engine or secrets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from components.haproxy import haproxy_spec_from_settings
from components.haproxy_config import render_haproxy_config
from operations.render_haproxy import main
from settings import load_stack_file

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "render-haproxy"
STACK_FILES = sorted(ROOT.glob("Pulumi.*.yaml"))


def run_script(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def stack_name(path: Path) -> str:
    return path.name[len("Pulumi.") : -len(".yaml")]


def write_stack(tmp_path: Path, config: dict[str, object], name: str = "Pulumi.broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return path


def valid_config() -> dict[str, object]:
    return {
        "nexus-platform:domain": "example.com",
        "nexus-platform:adminPassword": {"secure": "v1:AAAAAAAAAAAAAAAA:ZmFrZQ=="},
        "nexus-platform:nexus": {"version": "3.77.1"},
        "nexus-platform:teams": [{"name": "platform", "releasePort": 16001, "latestPort": 16002}],
    }


def test_there_are_stack_files() -> None:
    assert {stack_name(p) for p in STACK_FILES} >= {"dev", "prod"}


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_renders(path: Path) -> None:
    result = run_script(stack_name(path))
    assert result.returncode == 0, result.stderr
    settings = load_stack_file(path)
    assert result.stdout == render_haproxy_config(haproxy_spec_from_settings(settings))
    for connector in settings.connectors:
        assert f"bind :{connector.external_port} ssl" in result.stdout
        assert f":{connector.backend_port} check" in result.stdout
    assert f"bind :{settings.haproxy.https_port} ssl" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_passes_haproxy_check(path: Path, tmp_path: Path) -> None:
    helpers = pytest.importorskip("tests.components.haproxy_helpers")
    helpers.require_haproxy()
    pki = helpers.make_test_pki(tmp_path, domain=load_stack_file(path).domain)
    result = run_script(stack_name(path))
    assert result.returncode == 0, result.stderr
    helpers.check_with_haproxy(result.stdout, pki.bundle)


def test_works_from_another_directory_with_a_relative_stack_file(tmp_path: Path) -> None:
    path = write_stack(tmp_path, valid_config(), "Pulumi.copy.yaml")
    result = run_script("--stack-file", path.name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "bind :16002 ssl" in result.stdout
    assert "server nexus nexus:18002 check" in result.stdout  # container mode by default


def test_invalid_stack_file_names_the_key(tmp_path: Path) -> None:
    config = valid_config()
    config["nexus-platform:teams"] = [{"name": "platform", "releasePort": 70000, "latestPort": 16002}]
    result = run_script("--stack-file", str(write_stack(tmp_path, config)))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "nexus-platform:teams[0].releasePort" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_stats_user_names_the_key(tmp_path: Path) -> None:
    config = valid_config()
    config["nexus-platform:haproxy"] = {"statsUser": "bad user"}
    result = run_script("--stack-file", str(write_stack(tmp_path, config)))
    assert result.returncode == 2
    assert "nexus-platform:haproxy.statsUser" in result.stderr
    assert "stats_user" not in result.stderr


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    config = valid_config()
    config["nexus-platform:nexus"] = {"version": "latest"}
    config["nexus-platform:haproxy"] = {"mode": "sidecar"}
    result = run_script("--stack-file", str(write_stack(tmp_path, config)))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "nexus-platform:nexus.version" in result.stderr
    assert "nexus-platform:haproxy.mode" in result.stderr


def test_unknown_stack_is_a_clear_error() -> None:
    result = run_script("no-such-stack")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Pulumi.no-such-stack.yaml" in result.stderr
    assert "known stacks:" in result.stderr and "dev" in result.stderr


def test_missing_argument_is_a_usage_error() -> None:
    result = run_script()
    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage:" in result.stderr


# In-process (fast) variants of the error paths.


def test_main_bad_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text("config: [unclosed\n")
    assert main(["--stack-file", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Pulumi.bad.yaml" in captured.err


def test_main_unmanaged_server_renders_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = valid_config()
    config["nexus-platform:nexus"] = {
        "version": "3.77.1",
        "manageServer": False,
        "url": "https://n.example.com",
    }
    assert main(["--stack-file", str(write_stack(tmp_path, config))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nexus-platform:nexus.manageServer" in captured.err


def test_main_secure_values_need_no_passphrase(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = valid_config()
    config["nexus-platform:haproxy"] = {"mode": "host", "statsPassword": {"secure": "v1:AAAA:Zm9v"}}
    assert main(["--stack-file", str(write_stack(tmp_path, config))]) == 0
    captured = capsys.readouterr()
    assert "server nexus 127.0.0.1:18001 check" in captured.out
    assert "${HAPROXY_STATS_PASSWORD}" in captured.out
    assert "(encrypted)" not in captured.out
