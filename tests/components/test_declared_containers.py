"""The translator from declared containers to `docker create` (no engine: the live run is in
test_declared_containers_live.py)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from settings import parse_settings
from tests.components import declared_containers as dc
from tests.components import mocks as m
from tests.components.haproxy_helpers import TestPki
from tests.live_stack import declare

pytestmark = pytest.mark.filterwarnings("ignore:This resource is deprecated:DeprecationWarning")

CONFIG: dict[str, Any] = {
    "domain": "example.test",
    "adminPassword": "admin-secret",
    "nexus": {"image": "nexus-platform/nexus3", "version": "3.71.0-06", "heap": "1g"},
    "teams": [{"name": "platform", "releasePort": 16001, "latestPort": 16002}],
    "haproxy": {"image": "nexus-platform/haproxy:2.6"},
}


def declared() -> m.RecordingMocks:
    """What the live tests start, with placeholder certificate text (nothing checks it here)."""
    fake = TestPki("", m.fake_pem("CERTIFICATE", "leaf"), m.fake_pem("EC PRIVATE KEY", "key"), Path("/none"))
    return declare(parse_settings(CONFIG), fake)


def pairs(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args) if arg == flag]


def test_the_nexus_declaration_becomes_docker_create_arguments() -> None:
    mocks = declared()
    nexus = dc.declared_container(mocks, "nexus-container")
    assert nexus.image == "nexus-platform/nexus3:3.71.0-06"  # through the RemoteImage's id
    notes: list[str] = []
    args = dc.create_args(nexus, dc.RunOptions(host_ports={8081: 41081}, nofile_cap=20000), notes.append)
    assert args[:3] == ["create", "--name", "nexus"] and args[-1] == nexus.image
    assert "127.0.0.1:41081:8081/tcp" in pairs(args, "--publish")
    assert "127.0.0.1:18001:18001/tcp" in pairs(args, "--publish")  # not remapped: as declared
    assert pairs(args, "--volume") == ["/data/nexus-data:/nexus-data"]
    assert any("-Xmx1g" in env for env in pairs(args, "--env"))
    assert pairs(args, "--ulimit") == ["nofile=20000:20000"] and "clamped" in notes[0]
    assert pairs(args, "--network") == ["nexus-platform"] and pairs(args, "--network-alias") == ["nexus"]
    assert pairs(args, "--restart") == ["always"] and pairs(args, "--stop-timeout") == ["120"]
    assert sorted(pairs(args, "--log-opt")) == ["max-file=3", "max-size=50m"]
    (network,) = dc.declared_networks(mocks)
    assert dc.network_create_args(network, dc.RunOptions()) == [
        "network", "create", "--driver", "bridge", "nexus-platform",
    ]  # fmt: skip


def test_the_haproxy_declaration_and_its_uploads() -> None:
    haproxy = dc.declared_container(declared(), "haproxy-container")
    args = dc.create_args(haproxy, dc.RunOptions(host_ports={443: 40443}, publish_ip=None))
    assert "0.0.0.0:40443:443/tcp" in pairs(args, "--publish")  # the declared address, kept
    assert pairs(args, "--user") == ["0"]
    pem = next(u for u in haproxy.inputs["uploads"] if u["file"].endswith(".pem"))
    directory, stream = dc.upload_tar(pem)
    assert directory == "/usr/local/etc/haproxy"
    with tarfile.open(fileobj=io.BytesIO(stream)) as archive:
        (member,) = archive.getmembers()
    assert (member.name, member.uid, member.gid, member.mode) == ("nexus.pem", 0, 0, 0o600)


def test_an_input_without_a_translation_fails_loudly() -> None:
    nexus = dc.declared_container(declared(), "nexus-container")
    odd = dc.Declared(nexus.name, nexus.image, {**nexus.inputs, "gpus": "all"})
    with pytest.raises(dc.UnknownInputError, match="gpus"):
        dc.create_args(odd, dc.RunOptions())


def test_healthchecks_keep_their_words_and_durations() -> None:
    """docker runs --health-cmd with the image's /bin/sh: a CMD form must reach bash intact."""
    mocks = declared()
    options = dc.RunOptions()
    haproxy = dc.create_args(dc.declared_container(mocks, "haproxy-container"), options, lambda _: None)
    (command,) = pairs(haproxy, "--health-cmd")
    assert command.startswith("bash -c 'exec 3<>/dev/tcp/127.0.0.1/")
    nexus = dc.create_args(dc.declared_container(mocks, "nexus-container"), options, lambda _: None)
    assert pairs(nexus, "--health-cmd")[0].startswith("curl -fsS")
    assert pairs(nexus, "--health-interval") == ["15s"]
