"""The directory check's failure under `pulumi up`: one line per problem, no Python traceback (the
provider host is simulated as in tests/dynamic_providers/test_errors.py; the directory's answer is
a fixed report, so no directory is needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from operations import ldap_step
from operations.ldap_check import DirectoryReport, Problem
from operations.ldap_step import DirectoryCheckProvider
from reach.host import ShellError, ShellResult
from tests.dynamic_providers.test_errors import host_format, in_host

__all__ = ["in_host"]  # the fixture, imported for this module's tests

PROPS: dict[str, Any] = {
    "ldap": {"host": "ldap.example.com", "searchBase": "dc=example,dc=com", "authScheme": "NONE"},
    "groups": [{"key": "access.pullLdapGroups", "name": "devs"}],
}


def test_a_failed_check_is_one_line_per_problem_without_traceback(
    in_host: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = DirectoryReport(
        url="ldaps://ldap.example.com:636",
        problems=[
            Problem("ldap.userBaseDn", "no entry ou=people,dc=example,dc=com", "correct ldap.userBaseDn"),
            Problem("access.pullLdapGroups[0]", "no group 'devs'", "did you mean 'dev'?"),
        ],
    )
    monkeypatch.setattr(ldap_step, "check_directory", lambda *_args, **_kwargs: report)
    text = host_format(lambda: DirectoryCheckProvider().create(PROPS))
    assert "Traceback" not in text
    assert text.strip().splitlines() == [
        "nexus-platform.OneLineError: the stack's ldap settings do not work against the directory; "
        "nothing was written to Nexus: LDAP directory ldaps://ldap.example.com:636: 2 problem(s)",
        "- nexus-platform:ldap.userBaseDn: no entry ou=people,dc=example,dc=com; correct ldap.userBaseDn",
        "- nexus-platform:access.pullLdapGroups[0]: no group 'devs'; did you mean 'dev'?",
    ]


def test_every_engine_call_of_the_check_is_one_line(in_host: None) -> None:
    text = host_format(lambda: DirectoryCheckProvider().create({"ldap": {"host": "x"}}))
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text


def test_a_tunnel_that_does_not_open_is_one_line_with_what_to_do(
    in_host: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ldap.verify: ssh`` and the SSH tunnel fails: not an "unexpected ShellError" but the step's
    own line (through the one formatter, exceptions.one_line)."""

    @contextmanager
    def failing_route(*_args: Any) -> Iterator[None]:
        raise ShellError(
            "the SSH tunnel through ssh://deploy@nexus-host", ShellResult(255, "", "ssh: refused")
        )
        yield

    monkeypatch.setattr(ldap_step, "directory_route", failing_route)
    props = {**PROPS, "ldap": {**PROPS["ldap"], "verify": "ssh"}, "docker_host": "ssh://deploy@nexus-host"}
    text = host_format(lambda: DirectoryCheckProvider().create(props))
    assert text.strip().splitlines() == [
        "nexus-platform.OneLineError: the stack's ldap settings could not be checked: the SSH tunnel "
        "through ssh://deploy@nexus-host failed (exit 255) ssh: refused; nothing was written to Nexus. "
        "Make `ssh` to ssh://deploy@nexus-host work from here (the key is nexus-platform:sshPrivateKey), "
        "or set nexus-platform:ldap.verify to local or skip"
    ]
