"""The directory check against a real OpenLDAP (tests/ldap_directory.py): each wrong setting gives
its one line naming the key; the right ones pass, for static and dynamic groups, ldap and ldaps."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import ldap3
import pytest
import yaml

from operations.ldap_check import (
    PASSWORD_ENV,
    DirectoryReport,
    check_directory,
    directory_route,
    group_name_of,
    member_value,
    named_groups,
    user_filter,
)
from reach.host import ShellError
from settings import LdapSettings, SettingsError, StackSettings, parse_settings
from tests.e2e.conftest import REPO_ROOT as ROOT
from tests.ldap_directory import (
    BASE,
    BIND_PASSWORD,
    HARDENED_BASE,
    HARDENED_BIND_DN,
    HARDENED_BIND_PASSWORD,
    STATIC_BASE,
    Directory,
)

pytestmark = pytest.mark.live


def stack(
    directory: Directory,
    ldap: dict[str, Any] | None = None,
    docker_host: str = "unix:///var/run/docker.sock",
    **groups: Any,
) -> StackSettings:
    return parse_settings(
        {
            "domain": "example.com",
            "dockerHost": docker_host,
            "nexus": {"version": "3.77.1"},
            "teams": [
                {
                    "name": "platform",
                    "releasePort": 16001,
                    "latestPort": 16002,
                    "ldapGroups": ["platform-devs"],
                },
                {
                    "name": "payments",
                    "releasePort": 16003,
                    "latestPort": 16004,
                    "ldapGroups": groups.get("payments", ["payments-devs"]),
                },
            ],
            "ldap": directory.ldap_settings(**(ldap or {})),
            "access": {"pullLdapGroups": ["staff"], "adminLdapGroups": ["nexus-admins"]},
        }
    )


def run(directory: Directory, ldap: dict[str, Any] | None = None, **groups: Any) -> DirectoryReport:
    settings = stack(directory, ldap, **groups)
    assert settings.ldap is not None
    return check_directory(settings.ldap, named_groups(settings))


def only_problem(report: DirectoryReport) -> str:
    assert len(report.problems) == 1, report.text()
    line = str(report.problems[0])
    assert "\n" not in line
    assert BIND_PASSWORD not in report.text()
    return line


# ---------------------------------------------------------------- pure parts


def test_filters_and_member_values_are_built_as_nexus_builds_them() -> None:
    ldap = LdapSettings.model_validate({"host": "h", "searchBase": BASE, "userLdapFilter": "mail=*"})
    assert user_filter(ldap) == "(&(objectClass=inetOrgPerson)(mail=*))"
    assert user_filter(ldap.model_copy(update={"user_ldap_filter": ""})) == "(objectClass=inetOrgPerson)"
    assert member_value(ldap, "uid=a,ou=people", "a") == "uid=a,ou=people"
    username = ldap.model_copy(update={"group_member_format": "${username}"})
    assert member_value(username, "uid=a,ou=people", "a") == "a"
    assert group_name_of("cn=staff,ou=groups,dc=example,dc=com") == "staff"


def test_every_group_the_stack_names_is_listed_with_its_key(ldap_directory: Directory) -> None:
    keys = [(g.key, g.name) for g in named_groups(stack(ldap_directory))]
    assert keys == [
        ("teams[0].ldapGroups[0]", "platform-devs"),
        ("teams[1].ldapGroups[0]", "payments-devs"),
        ("access.pullLdapGroups[0]", "staff"),
        ("access.adminLdapGroups[0]", "nexus-admins"),
    ]


# ---------------------------------------------------------------- correct settings


@pytest.mark.parametrize("group_type", ["static", "dynamic"])
def test_correct_settings_pass(ldap_directory: Directory, group_type: str) -> None:
    report = run(ldap_directory, {"groupType": group_type})
    assert report.ok, report.text()
    assert report.users_found == 4
    assert report.sample_ids == ["alice", "bob", "carol"]
    assert report.sample_user == "alice"
    assert report.sample_groups == ["platform-devs", "staff"]
    assert sorted(report.groups_found) == ["nexus-admins", "payments-devs", "platform-devs", "staff"]
    assert "users: 4 under ou=people,dc=example,dc=com" in report.text()


def test_ldaps_with_the_directory_ca_passes(ldap_directory: Directory) -> None:
    report = run(
        ldap_directory,
        {"protocol": "ldaps", "port": ldap_directory.ldaps_port, "caPem": ldap_directory.ca_pem},
    )
    assert report.ok, report.text()
    assert report.url.startswith("ldaps://")


def test_a_user_filter_narrows_the_users(ldap_directory: Directory) -> None:
    report = run(ldap_directory, {"userLdapFilter": f"(memberOf=cn=staff,ou=groups,{BASE})"})
    assert report.ok, report.text()
    assert report.users_found == 3  # dave is in no group


# ---------------------------------------------------------------- each wrong setting, one line


def test_wrong_bind_dn(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"bindDn": f"uid=nexsus,ou=services,{BASE}"}))
    assert line.startswith("nexus-platform:ldap.bindDn: ")
    assert "invalidCredentials" in line and f"no entry uid=nexsus,ou=services,{BASE}" in line


def test_a_wrong_bind_dn_is_compared_with_what_anonymous_clients_see(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"bindDn": f"uid=nexus,ou=service,{BASE}"}))
    assert line.startswith("nexus-platform:ldap.bindDn: ")
    assert f"no entry ou=service,{BASE}" in line and "did you mean 'ou=services'?" in line


def test_wrong_password(ldap_directory: Directory) -> None:
    report = run(ldap_directory, {"bindPassword": "not-the-password"})
    line = only_problem(report)
    assert line.startswith("nexus-platform:ldap.bindPassword: the directory refused the password")
    assert "not-the-password" not in report.text()


def test_wrong_search_base(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"searchBase": "dc=exampel,dc=com"}))
    assert line.startswith("nexus-platform:ldap.searchBase: the directory has no entry dc=exampel,dc=com")


def test_wrong_user_base(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"userBaseDn": "ou=users"}))
    assert line.startswith(f"nexus-platform:ldap.userBaseDn: the directory has no entry ou=users,{BASE}")


def test_a_filter_that_matches_nobody(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"userLdapFilter": "(departmentNumber=42)"}))
    assert line.startswith("nexus-platform:ldap.userLdapFilter: ")
    assert "matches none of the 4 inetOrgPerson entries" in line


def test_a_filter_that_is_not_a_filter(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"userLdapFilter": "(&(uid=a)"}))
    assert line.startswith("nexus-platform:ldap.userLdapFilter: '(&(uid=a)' is not an LDAP filter")


@pytest.mark.parametrize("group_type", ["static", "dynamic"])
def test_a_missing_team_group_names_its_key(ldap_directory: Directory, group_type: str) -> None:
    report = run(ldap_directory, {"groupType": group_type}, payments=["paymnets-devs"])
    line = only_problem(report)
    assert line.startswith("nexus-platform:teams[1].ldapGroups[0]: ")
    assert "'paymnets-devs'" in line and "did you mean 'payments-devs'?" in line


def test_the_wrong_ca_for_ldaps(ldap_directory: Directory) -> None:
    line = only_problem(
        run(
            ldap_directory,
            {"protocol": "ldaps", "port": ldap_directory.ldaps_port, "caPem": ldap_directory.other_ca_pem},
        )
    )
    assert line.startswith("nexus-platform:ldap.caPem: TLS to ldaps://127.0.0.1:")
    assert "not signed by ldap.caPem" in line


def test_ldaps_spoken_to_the_plain_port(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"protocol": "ldaps", "caPem": ldap_directory.ca_pem}))
    assert line.startswith("nexus-platform:ldap.protocol: ")


def test_nothing_listening(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"port": 1}))
    assert line.startswith("nexus-platform:ldap.host: cannot connect to ldap://127.0.0.1:1")
    assert "ldap.verify: ssh" in line


def test_dynamic_groups_on_a_directory_without_member_of(ldap_directory: Directory) -> None:
    report = run(ldap_directory, {"searchBase": STATIC_BASE, "groupType": "dynamic"})
    line = only_problem(report)
    assert line.startswith("nexus-platform:ldap.groupType: dynamic: none of the 2 users has memberOf")
    assert "set ldap.groupType: static" in line


def test_static_groups_on_that_directory_pass(ldap_directory: Directory) -> None:
    settings = stack(ldap_directory, {"searchBase": STATIC_BASE})
    assert settings.ldap is not None
    report = check_directory(settings.ldap, [])
    assert report.ok, report.text()
    assert (report.sample_user, report.sample_groups) == ("erin", ["builders"])


def test_static_groups_where_there_are_none(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"groupBaseDn": "ou=people"}))
    assert line.startswith(
        f"nexus-platform:ldap.groupType: static: no groupOfNames entries under ou=people,{BASE}"
    )
    assert "set ldap.groupType: dynamic" in line


def test_members_written_as_user_names_when_they_are_dns(ldap_directory: Directory) -> None:
    line = only_problem(run(ldap_directory, {"groupMemberFormat": "${username}"}))
    assert line.startswith("nexus-platform:ldap.groupMemberFormat: ")


# ---------------------------------------------------------------- a directory built like a production one


def hardened(directory: Directory, ldap: dict[str, Any] | None = None, **access: Any) -> DirectoryReport:
    """The check against dc=corp,dc=example (entries hidden from anonymous clients)."""
    settings = parse_settings(
        {
            "domain": "example.com",
            "dockerHost": "unix:///var/run/docker.sock",
            "nexus": {"version": "3.77.1"},
            "ldap": directory.hardened_settings(**(ldap or {})),
            "access": {"pullLdapGroups": ["developers"], "adminLdapGroups": ["qa"], **access},
        }
    )
    assert settings.ldap is not None
    return check_directory(settings.ldap, named_groups(settings))


def test_the_hardened_directory_passes_with_unique_member_groups(ldap_directory: Directory) -> None:
    report = hardened(ldap_directory)
    assert report.ok, report.text()
    assert report.users_found == 4  # gina, hank, ivy, jack (svc-nexus is under ou=services)
    assert (report.sample_user, report.sample_groups) == ("gina", ["developers"])
    assert sorted(report.groups_found) == ["developers", "qa"]


def test_the_hardened_directory_passes_with_posix_groups(ldap_directory: Directory) -> None:
    ldap = {
        "groupBaseDn": "ou=posix",
        "groupObjectClass": "posixGroup",
        "groupMemberAttribute": "memberUid",
        "groupMemberFormat": "${username}",
    }
    report = hardened(ldap_directory, ldap, pullLdapGroups=["builders"], adminLdapGroups=["testers"])
    assert report.ok, report.text()
    assert (report.sample_user, report.sample_groups) == ("gina", ["builders"])


def test_a_wrong_password_where_anonymous_clients_see_nothing(ldap_directory: Directory) -> None:
    report = hardened(ldap_directory, {"bindPassword": "not-the-password"})
    line = only_problem(report)
    assert line.startswith("nexus-platform:ldap.bindPassword: the directory refused the bind as ")
    assert "no entry" not in line  # the entry exists: anonymous clients are just not shown it
    assert "password is wrong or" in line and "ldap.bindDn" in line
    assert "not-the-password" not in report.text() and HARDENED_BIND_PASSWORD not in report.text()


def test_a_wrong_bind_dn_where_anonymous_clients_see_nothing(ldap_directory: Directory) -> None:
    line = only_problem(hardened(ldap_directory, {"bindDn": f"uid=svc-nexsus,ou=services,{HARDENED_BASE}"}))
    assert line.startswith("nexus-platform:ldap.bindPassword: the directory refused the bind as ")
    assert "no entry" not in line and "ldap.bindDn" in line


def test_a_named_group_whose_members_are_groups(ldap_directory: Directory) -> None:
    line = only_problem(hardened(ldap_directory, pullLdapGroups=["engineering"]))
    assert line.startswith("nexus-platform:access.pullLdapGroups[0]: ")
    assert "'engineering'" in line and "developers, qa" in line
    assert "add 'developers', 'qa' to access.pullLdapGroups" in line


def test_nested_groups_named_alongside_their_parent_pass(ldap_directory: Directory) -> None:
    report = hardened(ldap_directory, pullLdapGroups=["engineering", "developers", "qa"])
    assert report.ok, report.text()


def test_the_bind_dn_of_the_hardened_directory_is_hidden_from_anonymous_clients(
    ldap_directory: Directory,
) -> None:
    """The fixture is what it claims: the entry exists and an anonymous client is told it does not."""
    server = ldap3.Server("127.0.0.1", port=ldap_directory.ldap_port, get_info=ldap3.NONE)
    anonymous = ldap3.Connection(server, auto_bind=True)
    assert not anonymous.search(HARDENED_BIND_DN, "(objectClass=*)", search_scope=ldap3.BASE)
    assert anonymous.result["result"] == 32  # noSuchObject
    bound = ldap3.Connection(server, HARDENED_BIND_DN, HARDENED_BIND_PASSWORD, auto_bind=True)
    assert bound.search(HARDENED_BIND_DN, "(objectClass=*)", search_scope=ldap3.BASE)


# ---------------------------------------------------------------- scripts/check-ldap


def check_ldap_script(
    tmp_path: Path, directory: Directory, payments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    settings = stack(directory, payments=[payments])
    raw = settings.model_dump(mode="json", by_alias=True, exclude_none=True)
    # As `config set --secret --path` writes it; the script takes the environment's value instead.
    raw["ldap"]["bindPassword"] = {"secure": "v1:c2VjcmV0IGZyb20gdGhlIHN0YWNr"}
    path = tmp_path / "Pulumi.check.yaml"
    path.write_text(yaml.safe_dump({"config": {f"nexus-platform:{k}": v for k, v in raw.items()}}))
    return subprocess.run(
        [str(ROOT / "scripts" / "check-ldap"), "--stack-file", str(path)],
        env=env or {**os.environ, PASSWORD_ENV: BIND_PASSWORD},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_script_reports_users_and_groups(ldap_directory: Directory, tmp_path: Path) -> None:
    result = check_ldap_script(tmp_path, ldap_directory, "payments-devs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the stack's ldap settings work" in result.stdout
    users = "users: 4 under ou=people,dc=example,dc=com matching (objectClass=inetOrgPerson)"
    assert f"{users}, e.g. alice, bob, carol" in result.stdout
    assert "groups of alice: platform-devs, staff" in result.stdout
    assert BIND_PASSWORD not in result.stdout + result.stderr


def test_the_script_exits_1_with_the_problem_line(ldap_directory: Directory, tmp_path: Path) -> None:
    result = check_ldap_script(tmp_path, ldap_directory, "paymnets-devs")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "\n  - nexus-platform:teams[1].ldapGroups[0]: " in result.stdout
    assert BIND_PASSWORD not in result.stdout + result.stderr


# ---------------------------------------------------------------- ldap.verify: ssh


@pytest.fixture
def fake_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``ssh`` on PATH is tests/operations/fake_ssh.py; returns its argv log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ssh = bin_dir / "ssh"
    ssh.write_text(f'#!/bin/sh\nexec {sys.executable} {Path(__file__).with_name("fake_ssh.py")} "$@"\n')
    ssh.chmod(0o755)
    log = tmp_path / "ssh.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SSH_LOG", str(log))
    return log


def ssh_stack(directory: Directory, docker_host: str) -> StackSettings:
    ldap = {"verify": "ssh", "protocol": "ldaps", "port": directory.ldaps_port, "caPem": directory.ca_pem}
    return stack(directory, ldap, docker_host)


def test_verify_ssh_checks_through_a_tunnel_to_the_docker_host(
    ldap_directory: Directory, fake_ssh: Path
) -> None:
    settings = ssh_stack(ldap_directory, "ssh://deploy@nexus-host:2222")
    assert settings.ldap is not None
    with directory_route(settings.ldap, settings.docker_host, "PRIVATE KEY") as via:
        assert via is not None and via[1] != ldap_directory.ldaps_port
        report = check_directory(settings.ldap, named_groups(settings), via=via)
    assert report.ok, report.text()
    assert report.url == f"ldaps://127.0.0.1:{ldap_directory.ldaps_port}"  # the configured one
    (line,) = fake_ssh.read_text().splitlines()
    argv = line.split(" ")
    assert argv[-1] == "deploy@nexus-host" and argv[argv.index("-p") + 1] == "2222"
    assert argv[argv.index("-L") + 1] == f"127.0.0.1:{via[1]}:127.0.0.1:{ldap_directory.ldaps_port}"
    assert {"-N", "ExitOnForwardFailure=yes", "BatchMode=yes", "IdentitiesOnly=yes"} <= set(argv)
    assert not Path(argv[argv.index("-i") + 1]).exists()  # the key file is removed afterwards
    with pytest.raises(OSError):  # the tunnel is closed afterwards
        socket.create_connection(via, timeout=2).close()


def test_an_ssh_failure_is_reported_with_what_ssh_said(ldap_directory: Directory, fake_ssh: Path) -> None:
    settings = ssh_stack(ldap_directory, "ssh://deploy@unreachable")
    assert settings.ldap is not None
    failed = r"SSH tunnel through ssh://deploy@unreachable failed \(exit 255\)\n  ssh: Could not resolve"
    with pytest.raises(ShellError, match=failed), directory_route(settings.ldap, settings.docker_host):
        pass


def test_verify_ssh_needs_an_ssh_docker_host(ldap_directory: Directory) -> None:
    with pytest.raises(SettingsError, match=r"nexus-platform:ldap.verify: ssh needs dockerHost ssh://"):
        stack(ldap_directory, {"verify": "ssh"})


def test_the_script_says_where_the_password_is_missing(ldap_directory: Directory, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
    result = check_ldap_script(tmp_path, ldap_directory, "payments-devs", env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "check-ldap: nexus-platform:ldap.bindPassword is encrypted and a --stack-file names no stack to "
        f"decrypt it (or set {PASSWORD_ENV})\n"
    )
