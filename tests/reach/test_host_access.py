"""HostAccess under Pulumi mocks: which command resource a script becomes, and how it reaches the host."""

from __future__ import annotations

import pulumi
import pytest
from pydantic import SecretStr

from reach.host_access import HostAccess
from tests.components import mocks as m

# pulumi_command's own deprecated CopyFile class warns when the SDK inspects the remote module.
pytestmark = pytest.mark.filterwarnings("ignore:This resource is deprecated:DeprecationWarning")


@pytest.fixture
def mocks() -> m.RecordingMocks:
    return m.install()


@pytest.mark.parametrize(
    ("docker_host", "local", "runs_commands"),
    [
        ("unix:///var/run/docker.sock", True, True),
        ("ssh://deploy@vm.example.com", False, True),
        ("tcp://10.0.0.1:2376", False, False),
    ],
)
def test_where_commands_can_run(docker_host: str, local: bool, runs_commands: bool) -> None:
    access = HostAccess(docker_host)
    assert access.is_local is local
    assert access.can_run_commands is runs_commands


def test_connection_refuses_a_host_without_ssh() -> None:
    with pytest.raises(ValueError, match=r"tcp://10\.0\.0\.1:2376"):
        HostAccess("tcp://10.0.0.1:2376").connection()


def test_local_script_runs_from_stdin_with_sh(mocks: m.RecordingMocks) -> None:
    def build() -> pulumi.CustomResource:
        return HostAccess("unix:///var/run/docker.sock").run(
            "prepare", "echo create", delete="echo gone", opts=pulumi.ResourceOptions()
        )

    m.deploy(build)
    cmd = mocks.one(m.T_LOCAL_COMMAND, "prepare")
    assert mocks.of_type(m.T_REMOTE_COMMAND) == []
    assert m.command_inputs(cmd)["interpreter"] == ["/bin/sh", "-c"]
    # the command text is a short runner; the scripts travel on stdin
    assert "echo create" not in m.command_inputs(cmd)["create"]
    assert m.script(cmd) == "echo create\n" and m.script(cmd, "delete") == "echo gone\n"


def test_ssh_script_carries_the_target_and_a_secret_key(mocks: m.RecordingMocks) -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-key\n-----END OPENSSH PRIVATE KEY-----"

    def build() -> pulumi.CustomResource:
        access = HostAccess("ssh://deploy@vm.example.com:2200", SecretStr(key))
        return access.run("prepare", "echo create", stdin="data", opts=pulumi.ResourceOptions())

    m.deploy(build)
    cmd = mocks.one(m.T_REMOTE_COMMAND, "prepare")
    connection = cmd.inputs["connection"]
    assert m.is_secret(connection)  # the key inside makes the whole connection a secret
    assert m.plain(connection) == {
        "host": "vm.example.com",
        "user": "deploy",
        "port": 2200,
        "privateKey": key,
        "dialErrorLimit": 5,
        "perDialTimeout": 15,
    }
    assert m.script(cmd) == "echo create\n" and m.stdin_data(cmd) == "data"
