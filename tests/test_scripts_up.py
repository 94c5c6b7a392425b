"""scripts/up: what it writes into the stack file, and that it says so (with a stand-in scripts/pulumi)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Records its calls; `config get` fails until `config set` has stored a value (as Pulumi does, the
# value goes into the stack file as an encrypted `secure:` line).
FAKE_PULUMI = r"""#!/usr/bin/env bash
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
echo "$*" >> "$here/calls"
case "$1 $2" in
  "config get") grep -q 'adminPassword' "$here/Pulumi.dev.yaml" ;;
  "config set") value=$(cat); printf '  nexus-platform:adminPassword:\n    secure: v1:%s\n' \
                  "$(printf '%s' "$value" | base64 | rev)" >> "$here/Pulumi.dev.yaml" ;;
  *) exit 0 ;;
esac
"""


def project(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "up", tmp_path / "scripts" / "up")
    fake = tmp_path / "scripts" / "pulumi"
    fake.write_text(FAKE_PULUMI)
    fake.chmod(0o755)
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  nexus-platform:domain: localtest.me\n")
    return tmp_path


def run_up(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "scripts" / "up"), "--yes"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_up_says_when_it_writes_the_encrypted_secret_into_the_stack_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = run_up(root, NEXUS_ADMIN_PASSWORD="first-run-pw-8c1d")
    assert first.returncode == 0, first.stderr
    stack_file = (root / "Pulumi.dev.yaml").read_text()
    assert "secure:" in stack_file and "first-run-pw-8c1d" not in stack_file
    assert "stored nexus-platform:adminPassword in Pulumi.dev.yaml" in first.stderr
    assert "encrypted with the stack's passphrase" in first.stderr
    assert "first-run-pw-8c1d" not in first.stderr + first.stdout
    assert (root / "calls").read_text().splitlines()[-1] == "up --stack dev --yes"

    again = run_up(root)  # set already: nothing written, nothing said
    assert again.returncode == 0, again.stderr
    assert "stored" not in again.stderr
    assert (root / "Pulumi.dev.yaml").read_text() == stack_file


def test_up_without_a_password_explains_and_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "NEXUS_ADMIN_PASSWORD"}
    result = subprocess.run(
        [str(root / "scripts" / "up")], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "config set --secret nexus-platform:adminPassword" in result.stderr
    assert "secure:" not in (root / "Pulumi.dev.yaml").read_text()
