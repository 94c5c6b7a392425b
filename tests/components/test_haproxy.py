"""Haproxy under Pulumi mocks (container and host mode), the settings->spec mapping, and the
host-mode script run for real against a sandbox (live: needs haproxy and openssl)."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.haproxy import (
    CONFIG_MARK,
    CONTAINER_CERTIFICATE_PATH,
    CONTAINER_CONFIG_PATH,
    HEALTH_WAIT_SECONDS,
    Haproxy,
    HaproxyArgs,
    haproxy_spec_from_settings,
    ports_free_script,
)
from components.haproxy_config import STATS_PASSWORD_ENV, build_pem_bundle, render_haproxy_config
from components.nexus_server import HEALTH_WAIT_SECONDS as NEXUS_HEALTH_WAIT_SECONDS
from components.nexus_server import NexusServer, NexusServerArgs
from components.pki import OwnCertificate, Pki, PkiArgs
from settings import SettingsError, StackSettings, derive_stats_password, parse_settings
from tests.components import mocks as m

# pulumi_command's own deprecated CopyFile class warns when the SDK inspects the remote module.
pytestmark = pytest.mark.filterwarnings("ignore:This resource is deprecated:DeprecationWarning")

CONTAINER: dict[str, Any] = {
    "domain": "example.com",
    "adminPassword": "admin-secret",
    "dockerHost": "unix:///var/run/docker.sock",
    "nexus": {"version": "3.77.1"},
    "teams": [
        {"name": "platform", "releasePort": 16001, "latestPort": 16002},
        {"name": "payments", "releasePort": 16003, "latestPort": 16004},
    ],
    "haproxy": {"mode": "container", "image": "haproxy:2.8.16", "statsPort": 8404},
}
HOST: dict[str, Any] = {
    **CONTAINER,
    "dockerHost": "ssh://deploy@nexus-vm.example.com",
    "sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    "haproxy": {"mode": "host", "configDir": "/etc/haproxy", "statsPassword": "stats-secret"},
}
PUBLIC_PORTS = {80, 443, 16000, 16001, 16002, 16003, 16004}
LEAF = m.fake_pem("CERTIFICATE", "cert:pki-server-cert")
LEAF_KEY = m.fake_pem("EC PRIVATE KEY", "key:pki-server-key")


def stack(settings: StackSettings) -> tuple[Pki, NexusServer, Haproxy]:
    """The wiring of the program: Pki and NexusServer feed Haproxy."""
    pki = Pki("pki", PkiArgs.from_settings(settings))
    nexus = NexusServer("nexus", NexusServerArgs.from_settings(settings))
    haproxy = Haproxy.in_front_of("haproxy", HaproxyArgs.from_settings(settings), pki, nexus)
    return pki, nexus, haproxy


def _outputs(built: tuple[Pki, NexusServer, Haproxy]) -> dict[str, Any]:
    haproxy = built[2]
    return {
        "config": haproxy.config,
        "pem_bundle": haproxy.pem_bundle,
        "stats_password": haproxy.stats_password,
        "config_path": haproxy.config_path,
    }


def _build(raw: dict[str, Any]) -> tuple[tuple[Pki, NexusServer, Haproxy], m.Resolved, StackSettings]:
    settings = parse_settings(raw)
    built, out = m.deploy(lambda: stack(settings), _outputs)
    return built, out, settings


def _container(mocks: m.RecordingMocks) -> Any:
    return mocks.one(m.T_CONTAINER, "haproxy-container")


# -- settings -> spec ----------------------------------------------------------------------------


def test_spec_container_mode() -> None:
    settings = parse_settings(CONTAINER)
    spec = haproxy_spec_from_settings(settings)
    assert spec.mode == "container"
    assert spec.domain == "example.com" and spec.ui_host == "nexus.example.com"
    assert spec.nexus_address == "nexus"  # the container on the shared network
    assert spec.certificate_path == CONTAINER_CERTIFICATE_PATH
    assert (spec.http_port, spec.https_port, spec.stats_port) == (80, 443, 8404)
    assert spec.stats_user == "haproxy-stats"
    assert [(c.repository, c.external_port, c.nexus_connector_port, c.routing) for c in spec.connectors] == [
        ("docker-all", 16000, 18000, "connector"),
        ("docker-platform-release", 16001, 18001, "connector"),
        ("docker-platform-latest", 16002, 18002, "connector"),
        ("docker-payments-release", 16003, 18003, "connector"),
        ("docker-payments-latest", 16004, 18004, "connector"),
    ]


def test_spec_host_mode_and_path_routing() -> None:
    raw = copy.deepcopy(HOST)
    raw["haproxy"]["configDir"] = "/opt/haproxy/"
    raw["haproxy"]["httpsPort"] = 8443
    raw["docker"] = {"routing": "path"}
    raw["uiHost"] = "registry.example.com"
    spec = haproxy_spec_from_settings(parse_settings(raw))
    assert spec.mode == "host"
    assert spec.nexus_address == "127.0.0.1"
    assert spec.certificate_path == "/opt/haproxy/certs/nexus.pem"
    assert spec.https_port == 8443
    assert spec.ui_host == "registry.example.com"
    assert {c.routing for c in spec.connectors} == {"path"}
    assert all(c.backend_port is None for c in spec.connectors)


# -- container mode --------------------------------------------------------------------------------


def test_container_image_name_restart(mocks: m.RecordingMocks) -> None:
    _build(CONTAINER)
    image = mocks.one(m.T_REMOTE_IMAGE, "haproxy-image")
    assert image.inputs["name"] == "haproxy:2.8.16"
    assert image.inputs["keepLocally"] is True
    container = _container(mocks)
    assert container.inputs["name"] == "haproxy"
    assert container.inputs["image"].startswith("sha256:")
    assert container.inputs["restart"] == "always"
    # HAProxy's master starts as root (bind, PEM); its workers drop to haproxy (global user/group)
    assert container.inputs["user"] == "0"
    assert "sysctls" not in container.inputs
    assert container.inputs["logOpts"] == {"max-size": "100m", "max-file": "10"}
    assert mocks.options_of(container).delete_before_replace is True
    assert mocks.options_of(container).depends_on_name("nexus-container")


def test_container_ports_public_and_stats_on_loopback(mocks: m.RecordingMocks) -> None:
    _build(CONTAINER)
    ports = {p["internal"]: (p["external"], p["ip"]) for p in _container(mocks).inputs["ports"]}
    assert set(ports) == PUBLIC_PORTS | {8404}
    for port in PUBLIC_PORTS:
        assert ports[port] == (port, "0.0.0.0")
    assert ports[8404] == (8404, "127.0.0.1")


def test_container_joins_the_nexus_network(mocks: m.RecordingMocks) -> None:
    _build(CONTAINER)
    assert _container(mocks).inputs["networksAdvanced"] == [{"name": "nexus-platform"}]
    nexus = mocks.one(m.T_CONTAINER, "nexus-container")
    assert nexus.inputs["networksAdvanced"][0]["name"] == "nexus-platform"
    # both containers go through the same docker provider
    assert _container(mocks).provider == nexus.provider


def test_container_uploads_config_and_secret_pem(mocks: m.RecordingMocks) -> None:
    _, out, settings = _build(CONTAINER)
    uploads = {u["file"]: u for u in m.plain(_container(mocks).inputs["uploads"])}
    assert set(uploads) == {CONTAINER_CONFIG_PATH, CONTAINER_CERTIFICATE_PATH}
    config = uploads[CONTAINER_CONFIG_PATH]
    assert config["content"] == render_haproxy_config(haproxy_spec_from_settings(settings))
    assert config["content"] == out.values["config"]
    assert "server nexus nexus:8081" in config["content"]
    assert f"crt {CONTAINER_CERTIFICATE_PATH}" in config["content"]
    assert "admin-secret" not in config["content"]
    assert derive_stats_password("admin-secret") not in config["content"]
    pem = uploads[CONTAINER_CERTIFICATE_PATH]
    assert pem["content"] == build_pem_bundle(LEAF, "", LEAF_KEY)
    # no upload owner: the docker plugin builds without it; root's 0600 file, read by the master
    assert "owner" not in pem and "group" not in pem
    assert pem["permissions"] == "0600"
    # the PEM (private key inside) reaches the engine as a secret
    assert m.contains_secret(_container(mocks).inputs["uploads"])
    assert out.secret["pem_bundle"] is True
    assert out.values["pem_bundle"] == pem["content"]


def test_container_stats_password_env_is_secret(mocks: m.RecordingMocks) -> None:
    _, out, _ = _build(CONTAINER)
    envs = _container(mocks).inputs["envs"]
    assert m.contains_secret(envs)
    assert m.plain(envs) == [f"{STATS_PASSWORD_ENV}={derive_stats_password('admin-secret')}"]
    assert out.secret["stats_password"] is True
    assert out.values["stats_password"] == derive_stats_password("admin-secret")


def test_container_mode_runs_only_the_config_and_ports_checks_for_haproxy(mocks: m.RecordingMocks) -> None:
    _build(CONTAINER)
    names = [r.name for r in (*mocks.of_type(m.T_LOCAL_COMMAND), *mocks.of_type(m.T_REMOTE_COMMAND))]
    # independent resources register in whatever order their inputs resolve: which, not in what order
    assert sorted(names) == ["haproxy-config-check", "haproxy-ports-free", "nexus-data-dir", "nexus-snapshot"]
    assert mocks.one("nexus-platform:components:Haproxy", "haproxy").custom is False


def test_container_mode_checks_the_config_with_the_image_before_replacing(mocks: m.RecordingMocks) -> None:
    _, _, settings = _build(CONTAINER)
    check = mocks.one(m.T_LOCAL_COMMAND, "haproxy-config-check")
    create = m.script(check)
    assert "DOCKER_HOST=unix:///var/run/docker.sock; export DOCKER_HOST\n" in create
    assert "docker run --rm -i --user 0 --network none --entrypoint sh haproxy:2.8.16 -c" in create
    assert "haproxy -c -f /usr/local/etc/haproxy/haproxy.cfg" in create
    config = render_haproxy_config(haproxy_spec_from_settings(settings))
    # the stats password, the PEM and the configuration go on stdin, as a secret; never in the
    # command text (a short runner: pulumi-command quotes it into its error) nor in the script
    assert m.is_secret(check.inputs["stdin"])
    password, rest = m.stdin_data(check).split("\n", 1)
    pem, after = rest.split(CONFIG_MARK + "\n")
    assert password == derive_stats_password("admin-secret")
    uploads = m.plain(_container(mocks).inputs["uploads"])
    assert pem == next(u["content"] for u in uploads if u["file"].endswith(".pem"))  # what it will load
    assert after == config == next(u["content"] for u in uploads if u["file"].endswith(".cfg"))
    assert "frontend fe_https" not in create and len(check.inputs["create"]) < 300
    assert password not in create and "PRIVATE KEY" not in create
    # a new configuration changes the command text (a digest), so the check runs again
    other = copy.deepcopy(CONTAINER)
    other["haproxy"] = {**other.get("haproxy", {}), "statsPort": 8405}
    again = m.install()
    _build(other)
    assert again.one(m.T_LOCAL_COMMAND, "haproxy-config-check").inputs["create"] != check.inputs["create"]
    assert mocks.options_of(check).depends_on_name("haproxy-image")
    # the running container is replaced only after the check passed
    assert mocks.options_of(_container(mocks)).depends_on_name("haproxy-config-check")


def test_containers_are_waited_for_until_healthy(mocks: m.RecordingMocks) -> None:
    """By the running guards (they fail at once on a crash loop), not the docker provider's wait."""
    _build(CONTAINER)
    haproxy = _container(mocks).inputs
    assert haproxy["wait"] is False and haproxy["mustRun"] is True
    assert haproxy["healthcheck"]["tests"] == ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/443"]
    nexus = mocks.one(m.T_CONTAINER, "nexus-container").inputs
    assert nexus["wait"] is False and nexus["mustRun"] is True
    assert nexus["healthcheck"]["tests"] == [
        "CMD-SHELL",
        "curl -fsS -o /dev/null http://127.0.0.1:8081/service/rest/v1/status || exit 1",
    ]
    guards = {g.name: g for g in mocks.of_type("pulumi-python:dynamic/nexus:ContainerRunning")}
    assert set(guards) == {"nexus-running", "haproxy-running"}
    assert guards["nexus-running"].inputs["wait_seconds"] == NEXUS_HEALTH_WAIT_SECONDS
    assert guards["haproxy-running"].inputs["wait_seconds"] == HEALTH_WAIT_SECONDS
    assert guards["nexus-running"].inputs["container"] == "nexus"
    for name, guard in guards.items():
        assert mocks.options_of(guard).depends_on_name(name.replace("-running", "-container"))
    # the deployed version is recorded once the new container serves
    deployed = mocks.one("pulumi-python:dynamic/nexus:DeployedVersion", "nexus-deployed-version")
    assert mocks.options_of(deployed).depends_on_name("nexus-running")


def test_without_a_shell_the_docker_provider_waits(mocks: m.RecordingMocks) -> None:
    raw = copy.deepcopy(CONTAINER)
    raw["dockerHost"] = "tcp://docker.example.com:2376"
    _build(raw)
    nexus = mocks.one(m.T_CONTAINER, "nexus-container").inputs
    assert nexus["wait"] is True and nexus["waitTimeout"] == NEXUS_HEALTH_WAIT_SECONDS
    assert mocks.of_type("pulumi-python:dynamic/nexus:ContainerRunning") == []


def test_container_mode_needs_the_engine() -> None:
    settings = parse_settings(CONTAINER)
    with pytest.raises(ValueError, match="docker provider"):
        m.install()
        m.deploy(
            lambda: Haproxy(
                "haproxy",
                HaproxyArgs.from_settings(settings),
                certificate=OwnCertificate(certificate_pem=LEAF, private_key_pem=LEAF_KEY),
            )
        )


# -- host mode -------------------------------------------------------------------------------------


def _commands(mocks: m.RecordingMocks) -> dict[str, Any]:
    return {r.name: r for r in mocks.of_type(m.T_REMOTE_COMMAND)}


def test_host_mode_no_haproxy_container(mocks: m.RecordingMocks) -> None:
    _build(HOST)
    assert [r.name for r in mocks.of_type(m.T_CONTAINER)] == ["nexus-container"]
    assert [r.name for r in mocks.of_type(m.T_REMOTE_IMAGE)] == ["nexus-image"]
    assert set(_commands(mocks)) == {"nexus-data-dir", "nexus-snapshot", "haproxy-deploy"}


def test_host_mode_checks_before_installing_and_reloading(mocks: m.RecordingMocks) -> None:
    _, out, settings = _build(HOST)
    deploy = _commands(mocks)["haproxy-deploy"]
    create = m.script(deploy)
    assert "umask 077" in create
    check = create.index('haproxy -c -f "$stage/haproxy.cfg"')
    install_env = create.index('mv -f "$stage/environment" "$env"')
    install = create.index('mv -f "$stage/haproxy.cfg" "$cfg"')
    restart = create.index("systemctl restart haproxy")
    reload_ = create.index("systemctl reload haproxy")
    verify = create.index("serving_new && exit 0")
    put_back = create.index("put_back\nif")
    assert check < install_env < install < restart < reload_ < put_back
    assert install < verify < put_back  # after the start, restart or reload: a new worker, or put back
    assert "cfg=/etc/haproxy/haproxy.cfg" in create
    assert "pem=/etc/haproxy/certs/nexus.pem" in create
    assert "env=/etc/default/haproxy" in create
    assert out.values["config_path"] == "/etc/haproxy/haproxy.cfg"
    # every change runs the same transaction (never a replacement, so delete runs on destroy only)
    assert deploy.inputs["update"] == deploy.inputs["create"] and m.script(deploy, "update") == create
    assert len(deploy.inputs["create"]) < 300 and "umask" not in deploy.inputs["create"]  # a runner
    # the rendered configuration travels on stdin; no trigger, which pulumi-command would turn into
    # a replacement (a teardown) where a configuration change must be a reload ...
    config = render_haproxy_config(haproxy_spec_from_settings(settings))
    assert "server nexus 127.0.0.1:8081" in config
    assert "frontend fe_https" not in create
    assert config in m.plain(deploy.inputs["stdin"])
    assert not deploy.inputs.get("triggers")
    # ... the secrets are not in the command
    assert "stats-secret" not in create
    assert "PRIVATE KEY" not in create
    # runs after the nexus container; a forced replacement tears down before deploying again
    assert mocks.options_of(deploy).depends_on_name("nexus-container")
    assert mocks.options_of(deploy).delete_before_replace


def test_host_mode_stdin_is_secret_environment_pem_then_config(mocks: m.RecordingMocks) -> None:
    _, out, _ = _build(HOST)
    deploy = _commands(mocks)["haproxy-deploy"]
    assert m.is_secret(deploy.inputs["stdin"])
    assert m.stdin_data(deploy) == (
        f'{STATS_PASSWORD_ENV}="stats-secret"\nCONFIG="/etc/haproxy/haproxy.cfg"\n'
        + build_pem_bundle(LEAF, "", LEAF_KEY)
        + CONFIG_MARK
        + "\n"
        + out.values["config"]
    )
    # over SSH with the configured key, itself a secret
    assert m.contains_secret(deploy.inputs["connection"])
    assert m.plain(deploy.inputs["connection"])["host"] == "nexus-vm.example.com"


def test_host_mode_destroy_leaves_haproxy_unless_asked(mocks: m.RecordingMocks) -> None:
    _build(HOST)
    leave = m.script(_commands(mocks)["haproxy-deploy"], "delete")
    assert "rm -f" not in leave and "haproxy.removeOnDestroy: true" in leave
    remove = copy.deepcopy(HOST)
    remove["haproxy"]["removeOnDestroy"] = True
    mocks = m.install()
    _build(remove)
    delete = m.script(_commands(mocks)["haproxy-deploy"], "delete")
    assert 'rm -f "$cfg" "$pem"' in delete and "systemctl stop haproxy" in delete


def test_remote_commands_do_not_pass_previous_output_over_ssh(mocks: m.RecordingMocks) -> None:
    # PULUMI_COMMAND_STDOUT/STDERR travel as SSH environment: without AcceptEnv they warn on
    # every run. Only the snapshot command reads its previous output.
    _build(HOST)
    flags = {name: r.inputs.get("addPreviousOutputInEnv") for name, r in _commands(mocks).items()}
    assert flags == {"nexus-data-dir": False, "nexus-snapshot": True, "haproxy-deploy": False}


def test_host_mode_on_a_local_engine_uses_local_commands(mocks: m.RecordingMocks) -> None:
    raw = {**HOST, "dockerHost": "unix:///var/run/docker.sock"}
    _build(raw)
    names = {r.name for r in mocks.of_type(m.T_LOCAL_COMMAND)}
    assert names == {"nexus-data-dir", "nexus-snapshot", "haproxy-deploy"}
    assert mocks.of_type(m.T_REMOTE_COMMAND) == []


def test_host_mode_refuses_a_tcp_engine() -> None:
    with pytest.raises(SettingsError, match=r"nexus-platform:haproxy\.mode: 'host' needs a dockerHost"):
        parse_settings({**HOST, "dockerHost": "tcp://10.0.0.5:2376"})
    # no server of its own: no HAProxy either, so nothing to refuse
    parse_settings(
        {
            **HOST,
            "dockerHost": "tcp://10.0.0.5:2376",
            "nexus": {**HOST["nexus"], "manageServer": False, "url": "https://nexus.example.com"},
        }
    )


def test_bring_your_own_certificate_reaches_haproxy(mocks: m.RecordingMocks) -> None:
    chain = m.fake_pem("CERTIFICATE", "byo-intermediate")
    cert = m.fake_pem("CERTIFICATE", "byo-leaf")
    key = m.fake_pem("PRIVATE KEY", "byo-key")
    raw = {**CONTAINER, "certificate": {"certificatePem": cert, "chainPem": chain, "privateKeyPem": key}}
    _, out, _ = _build(raw)
    assert [r for r in mocks.resources if r.typ in m.TLS_TYPES] == []
    assert out.values["pem_bundle"] == build_pem_bundle(cert, chain, key)
    assert out.secret["pem_bundle"] is True


# -- the host-mode scripts, executed: tests/components/test_haproxy_host_ssh.py (real sshd) -------


def _run_ports_free(
    tmp_path: Path, ports: dict[int, str], docker_port_output: str
) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "docker"
    fake.write_text(f"#!/bin/sh\nprintf '%s' '{docker_port_output}'\n")
    fake.chmod(0o755)
    return subprocess.run(
        ["/bin/sh", "-c", ports_free_script(ports)],
        env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_ports_free_fails_naming_a_port_another_process_holds(tmp_path: Path) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        clash = _run_ports_free(tmp_path, {port: "haproxy.httpPort"}, "")
        assert clash.returncode == 1
        assert f"port {port} (haproxy.httpPort) is in use on the Docker host" in clash.stderr
        assert "the running haproxy container is unchanged" in clash.stderr
        # the old haproxy container's own port is no clash
        ours = _run_ports_free(tmp_path, {port: "haproxy.httpPort"}, f"80/tcp -> 0.0.0.0:{port}\n")
        assert ours.returncode == 0, ours.stderr
    assert _run_ports_free(tmp_path, {port: "haproxy.httpPort"}, "").returncode == 0


def test_ports_free_runs_before_the_container_and_names_every_published_port(mocks: m.RecordingMocks) -> None:
    _build(CONTAINER)
    (check,) = [c for c in mocks.of_type(m.T_LOCAL_COMMAND) if c.name == "haproxy-ports-free"]
    assert mocks.options_of(_container(mocks)).depends_on_name("haproxy-ports-free")
    script = json.dumps(check.inputs)
    for port in PUBLIC_PORTS:
        assert f"check {port} " in script
    assert "check 8404 haproxy.statsPort" in script


@pytest.mark.parametrize("raw", [CONTAINER, HOST], ids=["container", "host"])
def test_no_command_text_is_a_script(raw: dict[str, Any]) -> None:
    """pulumi-command puts a failed command's text into its error, twice: every command text is a
    short runner, and every script is on stdin."""
    mocks = m.install()
    _build(raw)
    commands = [*mocks.of_type(m.T_LOCAL_COMMAND), *mocks.of_type(m.T_REMOTE_COMMAND)]
    assert commands
    for command in commands:
        for step in ("create", "update", "delete"):
            if step in command.inputs:
                text = command.inputs[step]
                assert len(text) < 300, (command.name, step, text[:200])
                assert m.script(command, step).strip(), (command.name, step)
