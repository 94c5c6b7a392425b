"""NexusServer under Pulumi mocks: provider, data directory, image and the nexus container."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.haproxy import container_healthcheck
from components.nexus_server import (
    NEXUS_UID,
    NexusServer,
    NexusServerArgs,
    data_dir_command,
    docker_duration,
    nexus_healthcheck,
)
from reach.host import AS_ROOT_PREFIX, NOT_AS_ROOT_PREFIX, SshTarget, parse_ssh_host
from reach.host_access import HostAccess
from settings import StackSettings, parse_settings
from tests.components import mocks as m

# pulumi_command's own deprecated CopyFile class warns when the SDK inspects the remote module.
pytestmark = pytest.mark.filterwarnings("ignore:This resource is deprecated:DeprecationWarning")

LOCAL: dict[str, Any] = {
    "domain": "example.com",
    "adminPassword": "admin-secret",
    "dockerHost": "unix:///var/run/docker.sock",
    "nexus": {
        "version": "3.77.1",
        "dataDir": "/srv/nexus/data",
        "backupDir": "/srv/nexus/backups",
        "heap": "1200m",
        "maxDirectMemory": "1500m",
    },
    "teams": [
        {"name": "platform", "releasePort": 16001, "latestPort": 16002},
        {"name": "payments", "releasePort": 16003, "latestPort": 16004},
    ],
    "haproxy": {"mode": "container"},
}
SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n"


def remote(**extra: Any) -> dict[str, Any]:
    raw = copy.deepcopy(LOCAL)
    raw.update({"dockerHost": "ssh://deploy@nexus-vm.example.com:2222", "haproxy": {"mode": "host"}})
    raw.update(extra)
    return raw


def _outputs(server: NexusServer) -> dict[str, Any]:
    return {
        "container_id": server.container_id,
        "image_id": server.image_id,
        "repo_digest": server.repo_digest,
        "version": server.version,
        "url": server.url,
    }


def _build(raw: dict[str, Any]) -> tuple[NexusServer, m.Resolved, StackSettings]:
    settings = parse_settings(raw)
    server, resolved = m.deploy(
        lambda: NexusServer("nexus", NexusServerArgs.from_settings(settings)), _outputs
    )
    return server, resolved, settings


def _ports(container: Any) -> dict[int, tuple[int, str]]:
    return {p["internal"]: (p["external"], p["ip"]) for p in container.inputs["ports"]}


def test_container_image_name_restart_and_mount(mocks: m.RecordingMocks) -> None:
    _, out, _ = _build(LOCAL)
    image = mocks.one(m.T_REMOTE_IMAGE)
    assert image.inputs["name"] == "sonatype/nexus3:3.77.1"
    assert image.inputs["keepLocally"] is True
    container = mocks.one(m.T_CONTAINER)
    assert container.inputs["name"] == "nexus"
    assert container.inputs["image"] == out.values["image_id"]  # the image pulled for 3.77.1
    assert container.inputs["restart"] == "always"
    assert container.inputs["volumes"] == [{"hostPath": "/srv/nexus/data", "containerPath": "/nexus-data"}]
    assert container.inputs["ulimits"] == [{"name": "nofile", "soft": 65536, "hard": 65536}]
    assert container.inputs["logOpts"] == {"max-size": "50m", "max-file": "3"}


def test_vm_params_from_the_heap_settings(mocks: m.RecordingMocks) -> None:
    _build(LOCAL)
    envs = mocks.one(m.T_CONTAINER).inputs["envs"]
    assert envs == [
        "INSTALL4J_ADD_VM_PARAMS=-Xms1200m -Xmx1200m -XX:MaxDirectMemorySize=1500m "
        "-Djava.util.prefs.userRoot=/nexus-data/javaprefs"
    ]


def test_ui_and_every_connector_port_only_on_loopback(mocks: m.RecordingMocks) -> None:
    _, _, settings = _build(LOCAL)
    ports = _ports(mocks.one(m.T_CONTAINER))
    expected = {8081, *(c.backend_port for c in settings.connectors)}
    assert set(ports) == expected == {8081, 18000, 18001, 18002, 18003, 18004}
    for internal, (external, ip) in ports.items():
        assert external == internal
        assert ip == "127.0.0.1"


def test_path_routing_publishes_only_the_ui_port(mocks: m.RecordingMocks) -> None:
    _build({**LOCAL, "docker": {"routing": "path"}})
    assert _ports(mocks.one(m.T_CONTAINER)) == {8081: (8081, "127.0.0.1")}


def test_graceful_stop_and_replacement_order(mocks: m.RecordingMocks) -> None:
    _build(LOCAL)
    container = mocks.one(m.T_CONTAINER)
    assert container.inputs["stopTimeout"] >= 120
    assert container.inputs["destroyGraceSeconds"] >= 120
    assert mocks.options_of(container).delete_before_replace is True


def test_configured_grace_period_is_used(mocks: m.RecordingMocks) -> None:
    raw = copy.deepcopy(LOCAL)
    raw["nexus"]["stopGraceSeconds"] = 300
    _build(raw)
    container = mocks.one(m.T_CONTAINER)
    assert container.inputs["stopTimeout"] == 300
    assert container.inputs["destroyGraceSeconds"] == 300


def test_local_data_dir_command_runs_before_the_container(mocks: m.RecordingMocks) -> None:
    _build(LOCAL)
    cmd = mocks.one(m.T_LOCAL_COMMAND, "nexus-data-dir")
    assert (
        "mkdir -p /srv/nexus/data /srv/nexus/backups && $S chown 200:200 /srv/nexus/data"
        " && $S chmod 0700 /srv/nexus/backups" in m.script(cmd)
    )
    assert len(cmd.inputs["create"]) < 300 and "mkdir" not in cmd.inputs["create"]  # a runner, not the script
    assert not m.is_secret(cmd.inputs["stdin"])  # the preview shows the script
    assert cmd.inputs["triggers"] == ["/srv/nexus/data", "/srv/nexus/backups"]
    assert "delete" not in cmd.inputs  # never removes data
    assert mocks.of_type(m.T_REMOTE_COMMAND) == []
    assert mocks.options_of(mocks.one(m.T_CONTAINER)).depends_on_name("nexus-data-dir")


def test_local_engine_provider_and_network_in_container_mode(mocks: m.RecordingMocks) -> None:
    server, _, _ = _build(LOCAL)
    provider = mocks.one(m.T_DOCKER_PROVIDER)
    assert provider.inputs["host"] == "unix:///var/run/docker.sock"
    network = mocks.one(m.T_NETWORK)
    assert network.inputs["name"] == "nexus-platform"
    container = mocks.one(m.T_CONTAINER)
    assert container.inputs["networksAdvanced"] == [{"name": "nexus-platform", "aliases": ["nexus"]}]
    # every docker resource goes through the stack's provider, not the default one
    for resource in (*mocks.of_type(m.T_CONTAINER), *mocks.of_type(m.T_REMOTE_IMAGE), network):
        assert resource.provider is not None and "nexus-docker" in resource.provider
    assert server.network is not None


def test_ssh_docker_host_provider_and_remote_command(mocks: m.RecordingMocks) -> None:
    server, _, _ = _build(remote(sshPrivateKey=SSH_KEY))
    provider = mocks.one(m.T_DOCKER_PROVIDER)
    assert provider.inputs["host"] == "ssh://deploy@nexus-vm.example.com:2222"
    assert "BatchMode=yes" in provider.inputs["sshOpts"]
    assert mocks.of_type(m.T_LOCAL_COMMAND) == []
    cmd = mocks.one(m.T_REMOTE_COMMAND, "nexus-data-dir")
    assert "mkdir -p /srv/nexus/data /srv/nexus/backups" in m.script(cmd)
    connection = cmd.inputs["connection"]
    assert m.plain(connection)["host"] == "nexus-vm.example.com"
    assert m.plain(connection)["user"] == "deploy"
    assert m.plain(connection)["port"] == 2222
    assert m.contains_secret(connection)
    assert m.plain(connection)["privateKey"] == SSH_KEY
    # host-mode HAProxy: no docker network
    assert mocks.of_type(m.T_NETWORK) == []
    assert "networksAdvanced" not in mocks.one(m.T_CONTAINER).inputs
    assert server.network_name is None


def test_ssh_without_key_uses_the_agent(mocks: m.RecordingMocks) -> None:
    _build(remote())
    connection = m.plain(mocks.one(m.T_REMOTE_COMMAND, "nexus-data-dir").inputs["connection"])
    assert "privateKey" not in connection
    assert "password" not in connection


def test_outputs(mocks: m.RecordingMocks) -> None:
    _, out, _ = _build(LOCAL)
    assert out.values["container_id"] == "nexus-container-id"
    assert out.values["image_id"].startswith("sha256:")
    assert out.values["repo_digest"].startswith("sonatype/nexus3@sha256:")
    assert out.values["version"] == "3.77.1"
    assert out.values["url"] == "http://127.0.0.1:8081"
    component = mocks.one("nexus-platform:components:NexusServer", "nexus")
    assert component.custom is False


def test_remote_url_goes_through_haproxy(mocks: m.RecordingMocks) -> None:
    _, out, _ = _build(remote())
    assert out.values["url"] == "https://nexus.example.com"


def test_tcp_engine_skips_the_command(mocks: m.RecordingMocks) -> None:
    _build({**LOCAL, "dockerHost": "tcp://10.0.0.5:2376"})
    assert mocks.of_type(m.T_LOCAL_COMMAND) == [] and mocks.of_type(m.T_REMOTE_COMMAND) == []
    assert mocks.one(m.T_CONTAINER).inputs["name"] == "nexus"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ssh://deploy@vm.example.com", SshTarget("deploy", "vm.example.com", 22)),
        ("ssh://root@10.0.0.1:2200", SshTarget("root", "10.0.0.1", 2200)),
        ("unix:///var/run/docker.sock", None),
        ("tcp://10.0.0.1:2376", None),
    ],
)
def test_parse_ssh_host(value: str, expected: SshTarget | None) -> None:
    assert parse_ssh_host(value) == expected
    assert HostAccess(value).can_run_commands == (expected is not None or value.startswith("unix://"))


def test_data_dir_command_quotes_paths() -> None:
    text = data_dir_command("/data/my nexus", "/data/backups", 65536)
    assert "mkdir -p '/data/my nexus' /data/backups" in text
    assert "chown 200:200 '/data/my nexus'" in text


def fake_proc(root: Path, daemons: dict[int, tuple[str, str | None]]) -> Path:
    """A /proc with one entry per pid: (command line, hard open-file limit or None: unreadable)."""
    proc = root / "proc"
    (proc / "1").mkdir(parents=True)
    (proc / "1" / "comm").write_text("init\n")
    for pid, (cmdline, hard) in daemons.items():
        entry = proc / str(pid)
        entry.mkdir()
        (entry / "comm").write_text("dockerd\n")
        (entry / "cmdline").write_text(cmdline.replace(" ", "\0") + "\0")
        if hard is not None:
            (entry / "limits").write_text(
                "Limit                     Soft Limit           Hard Limit           Units     \n"
                "Max processes             unlimited            unlimited            processes \n"
                f"Max open files            1024                 {hard:<20} files     \n"
            )
    return proc


def run_data_dir(
    tmp_path: Path, proc: Path, limit: int, docker_host: str
) -> subprocess.CompletedProcess[str]:
    script = data_dir_command(str(tmp_path / "data"), str(tmp_path / "backup"), limit, docker_host, str(proc))
    script = script.replace(AS_ROOT_PREFIX, NOT_AS_ROOT_PREFIX).replace(
        f"$S chown {NEXUS_UID}:{NEXUS_UID}", "true"
    )
    return subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, timeout=60, check=False)


SYSTEM = "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"
SANDBOX = "dockerd --host unix:///tmp/sandbox/docker.sock --data-root /tmp/sandbox/root"


@pytest.mark.parametrize(
    ("daemons", "docker_host", "limit", "refused"),
    [
        ({7: (SYSTEM, "20000")}, "unix:///var/run/docker.sock", 65536, "20000, dockerd pid 7"),
        ({7: (SYSTEM, "20000")}, "unix:///var/run/docker.sock", 20000, None),
        ({7: (SYSTEM, "20000")}, "ssh://deploy@vm", 65536, "20000, dockerd pid 7"),  # the host's only one
        ({7: (SYSTEM, "unlimited")}, "unix:///var/run/docker.sock", 65536, None),
        ({7: (SYSTEM, None)}, "unix:///var/run/docker.sock", 65536, None),  # unreadable: not compared
        ({}, "unix:///var/run/docker.sock", 65536, None),  # no dockerd seen (another namespace)
        # several daemons: the one whose command line names the socket
        ({7: (SYSTEM, "1048576"), 9: (SANDBOX, "20000")}, "unix:///tmp/sandbox/docker.sock", 65536, "pid 9"),
        ({7: (SYSTEM, "1048576"), 9: (SANDBOX, "20000")}, "unix:///var/run/docker.sock", 65536, None),
    ],
)
def test_data_dir_command_refuses_a_nofile_limit_above_the_docker_daemons(
    tmp_path: Path,
    daemons: dict[int, tuple[str, str | None]],
    docker_host: str,
    limit: int,
    refused: str | None,
) -> None:
    result = run_data_dir(tmp_path, fake_proc(tmp_path, daemons), limit, docker_host)
    assert (tmp_path / "data").is_dir() and (tmp_path / "backup").stat().st_mode & 0o777 == 0o700
    if refused is None:
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        return
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith(f"nexus-platform:nexus.nofileLimit is {limit}, above the hard open-file limit")
    assert refused in message and "Set nexus.nofileLimit to" in message and "LimitNOFILE=" in message
    assert "error setting rlimit type 7" in message


def test_a_nofile_limit_change_runs_the_data_dir_command_again(mocks: m.RecordingMocks) -> None:
    """The limit is in the script, so a change of it is an update of the command (which runs it
    again, the command having no `update`), not a silent no-op: its stdin and the digest in its
    command text change."""
    _build(LOCAL)
    before = mocks.one(m.T_LOCAL_COMMAND, "nexus-data-dir")
    raw = copy.deepcopy(LOCAL)
    raw["nexus"]["nofileLimit"] = 20000
    again = m.install()
    _build(raw)
    after = again.one(m.T_LOCAL_COMMAND, "nexus-data-dir")
    assert "want=65536" in m.script(before) and "want=20000" in m.script(after)
    assert after.inputs["create"] != before.inputs["create"]
    assert "update" not in after.inputs and after.inputs["triggers"] == before.inputs["triggers"]


@pytest.mark.parametrize(
    ("seconds", "printed"),
    [(5, "5s"), (15, "15s"), (59, "59s"), (60, "1m0s"), (90, "1m30s"), (3600, "1h0m0s"), (3725, "1h2m5s")],
)
def test_docker_duration_is_how_docker_prints_it(seconds: int, printed: str) -> None:
    assert docker_duration(seconds) == printed


def test_every_healthcheck_duration_is_in_dockers_own_form() -> None:
    """Docker reads durations back as Go prints them (60s -> 1m0s): anything else never converges."""
    go_form = re.compile(r"^(\d+h)?(\d+m)?\d+s$")
    for check in (nexus_healthcheck(), container_healthcheck(443)):
        for value in (check.interval, check.timeout, check.start_period):
            assert isinstance(value, str) and go_form.match(value), value
            parts = re.findall(r"(\d+)([hms])", value)
            seconds = sum(int(n) * {"h": 3600, "m": 60, "s": 1}[unit] for n, unit in parts)
            assert docker_duration(seconds) == value
