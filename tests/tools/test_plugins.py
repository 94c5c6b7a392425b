"""Provider plugins installed before the engine runs (tools/plugins.py), with a stand-in ``pulumi``
that records its arguments and installs the way the engine lays plugins out."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools import plugins
from tools.plugins import Plugin, PluginError, ensure_plugins, installed, read_checksums, wanted_plugins

FAKE_PULUMI = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/calls"
# pulumi plugin install resource NAME VERSION [--file BIN]
[ -n "${FAIL_DOWNLOAD:-}" ] && [ "$#" -eq 5 ] && { echo "error: no network" >&2; exit 1; }
dir="$PULUMI_HOME/plugins/resource-$4-v$5"
mkdir -p "$dir" && : > "$dir/pulumi-resource-$4"
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site-packages"
    for name, version in (("pulumi_docker", "5.2.0"), ("pulumi_command", "v1.2.1")):
        (root / name).mkdir(parents=True)
        (root / name / "pulumi-plugin.json").write_text(
            json.dumps({"resource": True, "name": name.split("_")[1], "version": version})
        )
    (root / "not_a_plugin").mkdir()
    (root / "not_a_plugin" / "pulumi-plugin.json").write_text(json.dumps({"resource": False, "name": "x"}))
    return root


@pytest.fixture
def pulumi(tmp_path: Path) -> Path:
    script = tmp_path / "bin" / "pulumi"
    script.parent.mkdir()
    script.write_text(FAKE_PULUMI)
    script.chmod(0o755)
    return script


def folder_with(tmp_path: Path, binaries: dict[str, bytes], sums: dict[str, bytes] | None = None) -> Path:
    folder = tmp_path / "disk"
    folder.mkdir()
    for name, content in binaries.items():
        (folder / name).write_bytes(content)
    listed = binaries if sums is None else sums
    (folder / "SHA256SUMS").write_text(
        "".join(f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in listed.items())
    )
    return folder


def calls(pulumi: Path) -> list[str]:
    path = pulumi.parent / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_the_sdks_name_the_plugins_and_versions(site: Path) -> None:
    assert wanted_plugins([site]) == [Plugin("command", "1.2.1"), Plugin("docker", "5.2.0")]


def test_from_a_folder_with_matching_checksums(site: Path, pulumi: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = folder_with(tmp_path, {"pulumi-resource-docker": b"docker", "pulumi-resource-command": b"cmd"})
    assert ensure_plugins(str(pulumi), [site], home, folder) == []
    assert calls(pulumi) == [
        f"plugin install resource command 1.2.1 --file {folder}/pulumi-resource-command",
        f"plugin install resource docker 5.2.0 --file {folder}/pulumi-resource-docker",
    ]
    assert installed(Plugin("docker", "5.2.0"), home)
    # installed ones are left alone
    assert ensure_plugins(str(pulumi), [site], home, folder) == []
    assert len(calls(pulumi)) == 2


def test_a_binary_whose_checksum_differs_is_refused_before_anything_is_installed(
    site: Path, pulumi: Path, tmp_path: Path
) -> None:
    folder = folder_with(
        tmp_path,
        {"pulumi-resource-docker": b"replaced", "pulumi-resource-command": b"cmd"},
        sums={"pulumi-resource-docker": b"docker", "pulumi-resource-command": b"cmd"},
    )
    with pytest.raises(PluginError, match=r"pulumi-resource-docker has sha256 .* refusing it"):
        ensure_plugins(str(pulumi), [site], tmp_path / "home", folder)
    assert not any("docker" in call for call in calls(pulumi))


def test_a_binary_not_listed_is_refused(site: Path, pulumi: Path, tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"pulumi-resource-docker": b"docker"}, sums={})
    with pytest.raises(PluginError, match="not listed in SHA256SUMS"):
        ensure_plugins(str(pulumi), [site], tmp_path / "home", folder)


def test_a_malformed_checksum_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "SHA256SUMS").write_text("abc pulumi-resource-docker\n")
    with pytest.raises(PluginError, match=r"SHA256SUMS:1: not a sha256sum line"):
        read_checksums(tmp_path)


def test_without_a_folder_the_released_plugins_are_downloaded(
    site: Path, pulumi: Path, tmp_path: Path
) -> None:
    assert ensure_plugins(str(pulumi), [site], tmp_path / "home", None) == []
    assert calls(pulumi) == ["plugin install resource command 1.2.1", "plugin install resource docker 5.2.0"]


def test_a_failed_download_warns_naming_the_variable(
    site: Path, pulumi: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_DOWNLOAD", "1")
    warnings = ensure_plugins(str(pulumi), [site], tmp_path / "home", None)
    assert len(warnings) == 2
    assert "no network" in warnings[0] and plugins.PLUGIN_DIR_ENV in warnings[0]


def test_the_command_line_refuses_a_folder_that_is_not_one(tmp_path: Path, pulumi: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.plugins", "--pulumi", str(pulumi)],
        env={"PATH": "/usr/bin:/bin", plugins.PLUGIN_DIR_ENV: str(tmp_path / "missing")},
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2 and "is not a directory" in done.stderr
