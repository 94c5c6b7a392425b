"""The directory check as a resource: called in-process the way the engine calls it (against the
real slapd of tests/ldap_directory.py), and where the program puts it (under Pulumi mocks): the
first run, the first thing that talks to Nexus, depends on it."""

from __future__ import annotations

from typing import Any

import pytest

from dynamic_providers.exceptions import ProviderError
from operations.ldap_step import DirectoryCheckProvider, check_inputs
from settings import StackSettings
from tests.components import mocks as m
from tests.dynamic_providers.drive import checked
from tests.ldap_directory import BIND_PASSWORD, Directory
from tests.nexus_emulator import NexusEmulator
from tests.operations.test_ldap_check import stack
from tests.test_main import dynamic, recorder, run_program, stack_config, use_config

__all__ = ["recorder"]  # the fixture, imported for this module's tests

T_CHECK = "LdapDirectoryCheck"


def settings_for(directory: Directory, payments_group: str) -> StackSettings:
    return stack(directory, {"groupType": "dynamic"}, payments=[payments_group])


@pytest.mark.live
def test_a_misspelt_team_group_fails_the_check_and_nexus_sees_nothing(
    ldap_directory: Directory, nexus_emulator: NexusEmulator
) -> None:
    settings = settings_for(ldap_directory, "paymnets-devs")
    provider = DirectoryCheckProvider()
    nexus_emulator.clear_log()
    with pytest.raises(ProviderError) as failure:
        provider.create(checked(provider, check_inputs(settings)))
    message = str(failure.value)
    assert "nothing was written to Nexus" in message
    (line,) = [line for line in message.splitlines() if line.startswith("- ")]  # one line per problem
    assert line.startswith("- nexus-platform:teams[1].ldapGroups[0]: ")
    assert "did you mean 'payments-devs'?" in line
    assert BIND_PASSWORD not in message
    assert nexus_emulator.count_writes() == 0


@pytest.mark.live
def test_the_right_groups_pass_and_an_unchanged_stack_is_not_checked_again(
    ldap_directory: Directory, nexus_emulator: NexusEmulator
) -> None:
    settings = settings_for(ldap_directory, "payments-devs")
    provider = DirectoryCheckProvider()
    inputs = checked(provider, check_inputs(settings))
    result = provider.create(inputs)
    outs: dict[str, Any] = dict(result.outs or {})
    assert outs["users_found"] == 4
    assert (outs["sample_user"], outs["sample_groups"]) == ("alice", ["platform-devs", "staff"])
    assert BIND_PASSWORD not in outs["summary"]
    assert not provider.diff(str(result.id), outs, inputs).changes
    renamed = check_inputs(settings_for(ldap_directory, "paymnets-devs"))
    assert provider.diff(str(result.id), outs, renamed).changes
    with pytest.raises(ProviderError, match=r"teams\[1\]\.ldapGroups\[0\]"):
        provider.update(str(result.id), outs, renamed)


def test_invalid_inputs_are_check_failures_naming_the_ldap_key() -> None:
    failures = (
        DirectoryCheckProvider().check({}, {"ldap": {"host": "h", "searchBase": "dc=x", "port": 0}}).failures
    )
    assert [(f.property, f.reason.split(" ")[0]) for f in failures] == [("ldap.port", "Input")]


def test_the_first_run_waits_for_the_directory_check(recorder: m.RecordingMocks) -> None:
    config = stack_config("prod")
    config["ldap"] = {**config["ldap"], "bindPassword": "bind-pw-prod"}
    use_config(config)
    run_program()
    (check,) = dynamic(recorder, T_CHECK)
    assert m.is_secret(check.inputs["bind_password"])
    assert check.inputs["groups"][0] == {"key": "teams[0].ldapGroups[0]", "name": "platform-devs"}
    first_run = recorder.one("pulumi-python:dynamic/nexus:FirstRun")
    assert recorder.options_of(first_run).depends_on_name("ldap-directory-check")


def test_verify_skip_registers_no_check(recorder: m.RecordingMocks) -> None:
    config = stack_config("prod")
    config["ldap"] = {**config["ldap"], "verify": "skip"}
    use_config(config)
    run_program()
    assert dynamic(recorder, T_CHECK) == []
