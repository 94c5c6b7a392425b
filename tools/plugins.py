"""Installs the provider plugins the program's SDKs ask for, before the engine runs.

``scripts/pulumi`` calls this (``python -m tools.plugins --pulumi BIN``, with the program's
interpreter, whose site-packages hold the SDKs) before a command that runs
the program. Each installed SDK package with a ``pulumi-plugin.json`` (``resource: true``) names a
plugin and the exact version the engine will ask for (pulumi-docker 5.2.0 asks for docker 5.2.0).
A plugin already in ``$PULUMI_HOME/plugins`` is left alone. A missing one is installed:

* from ``NEXUS_PLATFORM_PLUGIN_DIR`` when it is set (an air-gapped machine: plugin binaries brought
  on a disk): the folder holds ``pulumi-resource-<name>`` files and a ``SHA256SUMS`` file in
  ``sha256sum`` format; a binary whose checksum is not listed there, or differs, is refused;
* otherwise downloaded by ``pulumi plugin install resource NAME VERSION`` (the released plugin). If
  that fails (no network), a warning names ``NEXUS_PLATFORM_PLUGIN_DIR`` and the engine goes on: a
  stack that never uses that provider (an existing Nexus) does not need it.

A plugin that the folder does not hold is downloaded as above (the tls plugin, for example, is built
and installed by ``scripts/build-pulumi`` where it cannot be downloaded).
"""

from __future__ import annotations

import argparse
import json
import os
import site
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.build_images import sha256_of

PLUGIN_DIR_ENV = "NEXUS_PLATFORM_PLUGIN_DIR"
CHECKSUMS_FILE = "SHA256SUMS"


class PluginError(RuntimeError):
    """A plugin cannot be installed as asked; the message says which and why."""


@dataclass(frozen=True, order=True)
class Plugin:
    name: str
    version: str

    @property
    def binary(self) -> str:
        return f"pulumi-resource-{self.name}"

    @property
    def directory(self) -> str:
        """Its directory under ``$PULUMI_HOME/plugins`` (the engine's layout)."""
        return f"resource-{self.name}-v{self.version}"


def wanted_plugins(site_packages: Iterable[Path]) -> list[Plugin]:
    """The resource plugins the installed SDK packages ask for (their ``pulumi-plugin.json``)."""
    found: set[Plugin] = set()
    for root in site_packages:
        for marker in root.glob("*/pulumi-plugin.json"):
            try:
                data = json.loads(marker.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("resource") and data.get("name") and data.get("version"):
                found.add(Plugin(str(data["name"]), str(data["version"]).removeprefix("v")))
    return sorted(found)


def installed(plugin: Plugin, pulumi_home: Path) -> bool:
    """True when the engine will find the plugin (its binary there and no unfinished install)."""
    plugins = pulumi_home / "plugins"
    return (plugins / plugin.directory / plugin.binary).is_file() and not (
        plugins / f"{plugin.directory}.partial"
    ).exists()


def read_checksums(folder: Path) -> dict[str, str]:
    """file name -> sha256 hex digest, from ``folder/SHA256SUMS`` (``sha256sum`` output)."""
    path = folder / CHECKSUMS_FILE
    try:
        text = path.read_text()
    except OSError as error:
        raise PluginError(
            f"{PLUGIN_DIR_ENV}={folder}: cannot read {CHECKSUMS_FILE}: {error.strerror}"
        ) from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.strip().partition(" ")
        name = name.strip().removeprefix("*")
        if len(digest) != 64 or not name:
            raise PluginError(f"{path}:{number}: not a sha256sum line: {line.strip()!r}")
        sums[name] = digest.lower()
    return sums


def verified_binary(plugin: Plugin, folder: Path, checksums: dict[str, str]) -> Path | None:
    """The folder's binary of ``plugin`` once its checksum matches (None: the folder lacks it)."""
    binary = folder / plugin.binary
    if not binary.is_file():
        return None
    expected = checksums.get(plugin.binary)
    if expected is None:
        raise PluginError(
            f"{PLUGIN_DIR_ENV}={folder}: {plugin.binary} is not listed in {CHECKSUMS_FILE}; "
            "refusing a plugin binary whose checksum is not recorded"
        )
    actual = sha256_of(binary)
    if actual != expected:
        raise PluginError(
            f"{PLUGIN_DIR_ENV}={folder}: {plugin.binary} has sha256 {actual}, {CHECKSUMS_FILE} says "
            f"{expected}: refusing it (a damaged or replaced file)"
        )
    return binary


def install_command(pulumi: str, plugin: Plugin, binary: Path | None) -> list[str]:
    command = [pulumi, "plugin", "install", "resource", plugin.name, plugin.version]
    return [*command, "--file", str(binary)] if binary is not None else command


def ensure_plugins(
    pulumi: str, site_packages: Sequence[Path], pulumi_home: Path, folder: Path | None
) -> list[str]:
    """Installs every wanted plugin that is missing; returns warnings (raises PluginError)."""
    missing = [p for p in wanted_plugins(site_packages) if not installed(p, pulumi_home)]
    if not missing:
        return []
    checksums = read_checksums(folder) if folder is not None else {}
    warnings: list[str] = []
    env = {**os.environ, "PULUMI_HOME": str(pulumi_home)}
    for plugin in missing:
        binary = verified_binary(plugin, folder, checksums) if folder is not None else None
        source = f"from {binary}" if binary is not None else "(download)"
        print(f"[plugins] installing {plugin.name} {plugin.version} {source}", file=sys.stderr)
        done = subprocess.run(
            install_command(pulumi, plugin, binary), env=env, capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            continue
        reason = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no message"]
        if binary is not None:
            raise PluginError(f"installing {binary} as {plugin.name} {plugin.version} failed: {reason[0]}")
        warnings.append(
            f"the {plugin.name} provider plugin {plugin.version} is not installed and could not be "
            f"downloaded ({reason[0]}); a stack that uses it fails. Without network, set "
            f"{PLUGIN_DIR_ENV} to a folder holding {plugin.binary} and {CHECKSUMS_FILE}"
        )
    return warnings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulumi", required=True, help="the pulumi CLI that installs the plugins")
    args = parser.parse_args(argv)
    folder_value = os.environ.get(PLUGIN_DIR_ENV, "")
    folder = Path(folder_value) if folder_value else None
    if folder is not None and not folder.is_dir():
        print(f"[plugins] {PLUGIN_DIR_ENV}={folder_value} is not a directory", file=sys.stderr)
        return 2
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    try:
        warnings = ensure_plugins(args.pulumi, [Path(p) for p in site.getsitepackages()], home, folder)
    except PluginError as error:
        print(f"[plugins] {error}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"[plugins] warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
