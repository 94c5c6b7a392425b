"""The directory check's failure under `pulumi up`: one line per problem, no Python traceback (the
provider host is simulated as in tests/dynamic_providers/test_errors.py; the directory's answer is
a fixed report, so no directory is needed)."""

from __future__ import annotations

from typing import Any

import pytest

from operations import ldap_step
from operations.ldap_check import DirectoryReport, Problem
from operations.ldap_step import DirectoryCheckProvider
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
