"""Issue 16 under the real engine: a stack whose team names a group the directory does not have
fails `pulumi up` before Nexus is touched, naming ``teams[1].ldapGroups[0]``; with the name
corrected, the same `up` passes the check and configures Nexus (the emulator) with the LDAP server.

The directory is the real slapd of tests/ldap_directory.py; Nexus is the emulator (existing-Nexus
mode), whose request log shows that no write reached it when the check failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from operations.ldap_check import PASSWORD_ENV
from tests.ldap_directory import BIND_PASSWORD, Directory
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator

from .conftest import REPO_ROOT, PulumiCli, assert_no_plaintext, copy_project

NS = "nexus-platform"
STACK = "ldap"


def stack_file(project: Path, emulator: NexusEmulator, directory: Directory, payments_group: str) -> None:
    ldap = directory.ldap_settings()
    del ldap["bindPassword"]  # a secret, set with `config set --secret`
    config: dict[str, Any] = {
        f"{NS}:domain": "registry.ldap.test",
        f"{NS}:nexus": {"version": "3.77.1", "manageServer": False, "url": emulator.url},
        f"{NS}:teams": [
            {"name": "platform", "releasePort": 16001, "latestPort": 16002, "ldapGroups": ["platform-devs"]},
            {"name": "payments", "releasePort": 16003, "latestPort": 16004, "ldapGroups": [payments_group]},
        ],
        f"{NS}:ldap": ldap,
        f"{NS}:access": {"pullLdapGroups": ["staff"]},
    }
    (project / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))


def test_a_misspelt_team_group_fails_up_before_nexus_is_touched(
    engine_bin: Path, tmp_path: Path, nexus_emulator: NexusEmulator, ldap_directory: Directory
) -> None:
    project = copy_project(tmp_path / "project")
    stack_file(project, nexus_emulator, ldap_directory, "paymnets-devs")
    cli = PulumiCli(project, tmp_path / "pulumi")
    cli.stack_init(STACK)
    cli.config_set(f"{NS}:adminPassword", TEST_ADMIN_PASSWORD, secret=True)
    cli.config_set(f"{NS}:ldap.bindPassword", BIND_PASSWORD, secret=True, path=True)

    nexus_emulator.clear_log()
    failed = cli.up(check=False)
    assert failed.returncode != 0
    assert "nexus-platform:teams[1].ldapGroups[0]: the directory has no group" in failed.output, failed.output
    assert "did you mean 'payments-devs'?" in failed.output
    assert nexus_emulator.count_writes() == 0, [r.path for r in nexus_emulator.request_log if r.write]
    assert_no_plaintext(failed.output, [BIND_PASSWORD])

    # scripts/check-ldap says the same, with the password from the stack's secret config.
    script = subprocess.run(
        [sys.executable, "-m", "operations.ldap_check", STACK, "--project-dir", str(project)],
        cwd=REPO_ROOT,
        env={k: v for k, v in cli.env.items() if k != PASSWORD_ENV},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert script.returncode == 1, script.stdout + script.stderr
    assert "  - nexus-platform:teams[1].ldapGroups[0]: the directory has no group" in script.stdout
    assert_no_plaintext(script.stdout + script.stderr, [BIND_PASSWORD])

    # The operator corrects the name; the same `up` passes the check and configures Nexus.
    cli.run("config", "set", "--path", f"{NS}:teams[1].ldapGroups[0]", "payments-devs", "--stack", STACK)
    passed = cli.up()
    assert_no_plaintext(passed.output, [BIND_PASSWORD])
    assert [server["host"] for server in nexus_emulator.state.security.ldap.values()] == [ldap_directory.host]
    assert {"payments-devs", "platform-devs", "staff"} <= set(nexus_emulator.state.security.roles)
