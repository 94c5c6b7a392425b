"""The whole program, host mode, under a real ``pulumi up``: the Docker engine reached over SSH by the
docker plugin (the system ``ssh``), HAProxy installed on that host by the command plugin's remote
commands, the providers reaching Nexus through HAProxy's TLS.

The "host" is the sandbox of :mod:`tests.e2e.whole_stack`: an sshd on its loopback, Debian's HAProxy
and a ``systemctl`` stand-in for Debian's unit (what it does not prove: systemd itself). In order:
``up`` converges; artifacts through TLS; a configuration change is a graceful reload (same master,
``reload``, no restart); a reload HAProxy cannot take (a port another process holds) fails ``up``
and the previous configuration keeps serving, files put back; ``destroy`` with
``haproxy.removeOnDestroy`` stops HAProxy and removes its files, and leaves no container or network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.whole_stack import (
    RAW,
    StackMachine,
    WholeStack,
    build_images,
    download,
    holding_port,
    host_mode_config,
    one_line_errors,
    stack_machine,
    upload,
)

pytestmark = [pytest.mark.live, pytest.mark.timeout(3600)]

VERSION = "3.71.0-06"
CFG = "/etc/haproxy/haproxy.cfg"
PEM = "/etc/haproxy/certs/nexus.pem"
ENV = "/etc/default/haproxy"
RAW_PATH = f"/repository/{RAW}/host-mode.txt"
RAW_BODY = "served through HAProxy on the Docker host\n"


@pytest.fixture(scope="module")
def machine() -> Iterator[StackMachine]:
    with stack_machine() as sandbox:
        sandbox.trust_sshd_and_name_the_ui()
        yield sandbox


@pytest.fixture(scope="module")
def stack(machine: StackMachine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WholeStack]:
    images = build_images(machine.engine, (VERSION,))
    created = WholeStack.create(
        machine, tmp_path_factory.mktemp("whole-stack-host"), host_mode_config(machine, images, VERSION)
    )
    yield created
    print("\n".join(created.log[-6:]))


def calls(machine: StackMachine) -> list[str]:
    return (machine.host.read("/run/systemctl.calls") or "").splitlines()


def master_pid(machine: StackMachine) -> str:
    return (machine.host.read("/run/haproxy.pid") or "").strip()


def test_up_over_ssh_converges_and_serves_through_tls(stack: WholeStack) -> None:
    stack.up()
    stack.preview("--expect-no-changes")
    assert stack.outputs()["apiUrl"] == "https://nexus.example.test"
    assert stack.machine.host.haproxy_running()
    ca = stack.ca_file()
    upload(stack, RAW_PATH, RAW_BODY.encode(), ca)
    assert (
        hashlib.sha256(download(stack, RAW_PATH, ca).encode()).hexdigest()
        == hashlib.sha256(RAW_BODY.encode()).hexdigest()
    )
    assert stack.machine.host.mode(PEM) == 0o600 and stack.machine.host.mode(ENV) == 0o600
    assert stack.machine.containers() == {"nexus": "running"}


def test_a_configuration_change_is_a_graceful_reload(stack: WholeStack) -> None:
    master, done = master_pid(stack.machine), len(calls(stack.machine))
    stack.configure(haproxy={"statsPort": 8405})
    preview = stack.preview()
    assert "haproxy-deploy update" in preview.output and "replace" not in preview.output, preview.output
    stack.up()
    new_calls = calls(stack.machine)[done:]
    assert "reload haproxy" in new_calls and "restart haproxy" not in new_calls, new_calls
    assert not any(call.startswith(("stop", "disable")) for call in new_calls), new_calls
    assert master_pid(stack.machine) == master  # the same master: established connections finish
    assert "bind 127.0.0.1:8405" in (stack.machine.host.read(CFG) or "")
    stack.preview("--expect-no-changes")


def test_a_reload_haproxy_cannot_take_fails_and_the_previous_configuration_serves(stack: WholeStack) -> None:
    before = stack.machine.host.read(CFG)
    ca = stack.ca_file()
    with holding_port(stack.machine, 8406):
        stack.configure(haproxy={"statsPort": 8406})
        failed = stack.up(check=False)
        assert failed.returncode != 0
        assert "HAProxy did not load the new configuration" in failed.output
        one_line_errors(failed.output)
        assert len(failed.output) < 20_000, "the whole script is in the error"
        assert stack.machine.host.read(CFG) == before  # on disk: what serves
        assert stack.machine.host.haproxy_running()
        assert download(stack, RAW_PATH, ca) == RAW_BODY
    stack.configure(haproxy={"statsPort": 8405})
    stack.up()
    stack.preview("--expect-no-changes")


def test_destroy_removes_haproxy_and_the_containers_and_keeps_the_data(stack: WholeStack) -> None:
    stack.destroy()
    host = stack.machine.host
    assert not host.haproxy_running()
    assert host.read(CFG) is None and host.read(PEM) is None
    assert "HAPROXY_STATS_PASSWORD" not in (host.read(ENV) or "")
    assert stack.machine.containers() == {}
    assert stack.machine.networks() == set()
    assert host.mode(ENV) == 0o644  # as Debian's package left it, before the stack made it 0600
    assert (Path(stack.config["nexus"]["dataDir"]) / "db").is_dir()
