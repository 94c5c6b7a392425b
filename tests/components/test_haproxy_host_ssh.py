"""Host mode for real over SSH: the component's deploy and destroy commands, run by a real sshd
against Debian's HAProxy (see tests/components/ssh_host.py for the sandbox and what its
``systemctl`` stand-in does not prove).

The commands are taken from the component as the program registers them (under Pulumi mocks),
then run the way pulumi-command's remote Command runs them: the command text (a short runner) as
the SSH session's command, the (secret) stdin, the scripts and then their data, on its standard
input: the runner reads its script from there in the remote login shell. pulumi-command itself is
not run here (its plugin cannot be built on this machine).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.haproxy import Haproxy
from components.haproxy_config import STATS_PASSWORD_ENV, build_pem_bundle
from settings import parse_settings
from tests.components import mocks as m
from tests.components import ssh_host as ssh_host_module
from tests.components.haproxy_helpers import TestPki, make_test_pki, require_haproxy
from tests.components.ssh_host import SshHost, ssh_host
from tests.components.test_haproxy import stack

pytestmark = [
    pytest.mark.live,
    pytest.mark.filterwarnings("ignore:This resource is deprecated:DeprecationWarning"),
]

DOMAIN = "example.com"
UI = f"nexus.{DOMAIN}"
CFG = "/etc/haproxy/haproxy.cfg"
PEM = "/etc/haproxy/certs/nexus.pem"
ENV = "/etc/default/haproxy"
ENV_MODE = "/etc/haproxy/nexus-platform.environment-mode"
TEAM_A = {"name": "platform", "releasePort": 16001, "latestPort": 16002}
TEAM_B = {"name": "payments", "releasePort": 16003, "latestPort": 16004}


@pytest.fixture
def host() -> Iterator[SshHost]:
    require_haproxy()
    with ssh_host() as sandbox:
        yield sandbox


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    return make_test_pki(tmp_path / "pki", domain=DOMAIN)


def stack_config(host: SshHost, pki: TestPki, **haproxy: Any) -> dict[str, Any]:
    return {
        "domain": DOMAIN,
        "adminPassword": "admin-password-1",
        "dockerHost": host.docker_host,
        "nexus": {"version": "3.77.1"},
        "teams": [TEAM_A],
        "haproxy": {"mode": "host", "statsPassword": "stats-password-1", **haproxy},
        "certificate": {
            "certificatePem": pki.certificate_pem,
            "privateKeyPem": pki.private_key_pem,
            "caPem": pki.ca_pem,
        },
    }


def registered(raw: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The inputs of the ``haproxy-deploy`` command the program registers, and the rendered config."""
    mocks = m.install()
    settings = parse_settings(raw)
    built, out = m.deploy(lambda: stack(settings), lambda b: {"config": b[2].config})
    assert isinstance(built[2], Haproxy)
    command = mocks.one(m.T_REMOTE_COMMAND, "haproxy-deploy")
    return {key: m.plain(value) for key, value in command.inputs.items()}, out.values["config"]


def run(host: SshHost, raw: dict[str, Any], step: str = "create") -> tuple[Any, str]:
    inputs, config = registered(raw)
    return host.ssh(inputs[step], inputs.get("stdin") or ""), config


def explain(host: SshHost, result: Any) -> str:
    """What to show when a step fails: the script's stderr and HAProxy's own output."""
    return f"{result.stderr}\n--- haproxy (shim log):\n{host.read('/run/haproxy-shim.log')}"


def calls(host: SshHost) -> list[str]:
    return (host.read("/run/systemctl.calls") or "").splitlines()


def test_deploy_over_ssh_starts_reloads_and_verifies_what_serves(host: SshHost, pki: TestPki) -> None:
    one_team = stack_config(host, pki)
    # first deployment: HAProxy is installed but not running -> installed and started
    result, config = run(host, one_team)
    assert result.returncode == 0, explain(host, result)
    assert host.read(CFG) == config
    assert host.read(PEM) == build_pem_bundle(pki.certificate_pem, "", pki.private_key_pem)
    assert host.mode(PEM) == 0o600 and host.mode(ENV) == 0o600
    assert "# Defaults file for HAProxy" in (host.read(ENV) or "")  # Debian's lines kept
    assert "enable --now haproxy" in calls(host)
    # TLS with the stack CA; no Nexus behind it, so HAProxy itself answers 503
    assert host.https_status(UI, 443, pki.ca_file) == "503"
    assert host.https_status(UI, 16001, pki.ca_file) == "503"
    assert host.https_status(UI, 16003, pki.ca_file) == "000"

    # a second team: reloaded, and the new listener answers (the new configuration serves)
    two_teams = copy.deepcopy(one_team)
    two_teams["teams"] = [TEAM_A, TEAM_B]
    done = len(calls(host))
    result, config2 = run(host, two_teams, "update")
    assert result.returncode == 0, explain(host, result)
    assert "reload haproxy" in calls(host)[done:] and "restart haproxy" not in calls(host)[done:]
    assert host.https_status(UI, 16003, pki.ca_file) == "503"

    # passes `haproxy -c` but cannot load: the stats port is taken (by sshd). The reload is seen
    # to fail, the previous files are put back, the previous configuration keeps serving.
    taken = copy.deepcopy(two_teams)
    taken["haproxy"]["statsPort"] = host.port
    taken["teams"] = [TEAM_A]  # would drop the second team's listener if it had loaded
    result, _ = run(host, taken, "update")
    assert result.returncode != 0
    assert "HAProxy did not load the new configuration" in result.stderr
    assert f"The previous {CFG}, {PEM} and {ENV} were put back" in result.stderr
    assert host.read(CFG) == config2  # on disk: what serves
    assert host.haproxy_running()
    assert host.https_status(UI, 16003, pki.ca_file) == "503"  # still the previous configuration

    # fixed: the next `up` recovers with a reload
    result, _ = run(host, two_teams, "update")
    assert result.returncode == 0, explain(host, result)
    assert host.read(CFG) == config2

    # a new stats password changes the environment: restarted (a reload would keep the old one)
    rotated = copy.deepcopy(two_teams)
    rotated["haproxy"]["statsPassword"] = password = 'p@ss "w$rd` \\x'  # shell and systemd quoting
    done = len(calls(host))
    result, _ = run(host, rotated, "update")
    assert result.returncode == 0, explain(host, result)
    assert "restart haproxy" in calls(host)[done:] and "reload haproxy" not in calls(host)[done:]
    sourced = host.ssh(f'. {ENV}; printf %s "${STATS_PASSWORD_ENV}|$CONFIG"')
    assert sourced.stdout == f"{password}|{CFG}"
    assert host.https_status(UI, 16003, pki.ca_file) == "503"


def test_a_rejected_configuration_changes_nothing_and_shows_haproxys_line_once(
    host: SshHost, pki: TestPki, tmp_path: Path
) -> None:
    good = stack_config(host, pki)
    result, config = run(host, good)
    assert result.returncode == 0, explain(host, result)
    before = (host.read(CFG), host.read(PEM), host.read(ENV))

    # a private key that does not belong to the certificate: `haproxy -c` refuses it
    other = make_test_pki(tmp_path / "other", domain=DOMAIN)
    bad = copy.deepcopy(good)
    bad["certificate"]["privateKeyPem"] = other.private_key_pem
    bad["haproxy"]["statsPassword"] = "another-password"
    inputs, _ = registered(bad)
    result = host.ssh(inputs["update"], inputs["stdin"])
    assert result.returncode != 0
    # HAProxy's report, once (one ALERT per TLS bind using the PEM, then one verdict), and ours
    alerts = [line for line in result.stderr.splitlines() if "[ALERT]" in line]
    assert alerts and all("inconsistencies between private key and certificate" in a for a in alerts[:-2])
    assert len(alerts) == 2 + len({16000, 16001, 16002, 443}), alerts
    assert result.stderr.count("Fatal errors found in configuration.") == 1
    assert "haproxy -c rejected the new configuration" in result.stderr
    assert (host.read(CFG), host.read(PEM), host.read(ENV)) == before
    assert host.https_status(UI, 443, pki.ca_file) == "503"
    # neither the script nor the configuration is the command text (both travel on stdin, read by a
    # short runner), so pulumi-command's error, which quotes the command, stays short
    assert "frontend fe_https" not in inputs["create"] and "frontend fe_https" in inputs["stdin"]
    assert "umask 077" not in inputs["create"] and "umask 077" in inputs["stdin"]
    assert len(inputs["create"]) < 300 and len(config) > 6000
    # no PULUMI_COMMAND_STDOUT/STDERR over SSH (they need the server's AcceptEnv, and warn)
    assert inputs["addPreviousOutputInEnv"] is False


def test_destroy_says_what_it_leaves_or_removes_it_when_asked(host: SshHost, pki: TestPki) -> None:
    keep = stack_config(host, pki)
    assert host.mode(ENV) == 0o644  # as Debian's package left it
    result, _ = run(host, keep)
    assert result.returncode == 0, explain(host, result)
    assert host.mode(ENV) == 0o600 and host.read(ENV_MODE) == "644\n"

    result, _ = run(host, keep, "delete")
    assert result.returncode == 0, explain(host, result)
    for word in ("keeps running", CFG, PEM, ENV, STATS_PASSWORD_ENV, "haproxy.removeOnDestroy"):
        assert word in result.stdout
    assert host.haproxy_running() and host.read(CFG) and host.read(PEM)

    remove = stack_config(host, pki, removeOnDestroy=True)
    result, _ = run(host, remove, "update")  # the `up` that records the choice
    assert result.returncode == 0, explain(host, result)
    result, _ = run(host, remove, "delete")
    assert result.returncode == 0, explain(host, result)
    assert not host.haproxy_running()
    assert host.read(CFG) is None and host.read(PEM) is None
    environment = host.read(ENV) or ""
    managed = (f"{STATS_PASSWORD_ENV}=", "CONFIG=")
    assert not [line for line in environment.splitlines() if line.startswith(managed)]
    # the mode it had before the stack (Debian's 0644), recorded by the first deploy
    assert host.mode(ENV) == 0o644 and host.read(ENV_MODE) is None
    assert "# Defaults file for HAProxy" in environment
    assert host.https_status(UI, 443, pki.ca_file) == "000"


def test_in_ci_a_missing_sshd_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ssh_host_module, "SSHD", "/nonexistent/sshd")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="missing /nonexistent/sshd"):
        ssh_host_module.require_sshd()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        ssh_host_module.require_sshd()
