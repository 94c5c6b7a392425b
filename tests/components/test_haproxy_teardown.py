"""Host mode's teardown (``templates/haproxy-teardown.sh.j2``) run for real on temporary files,
with a ``systemctl`` stand-in: what it leaves of ``/etc/default/haproxy``, and with which mode.

The deploy records the environment file's mode before it first makes it 0600; the whole round
(deploy, then destroy) over SSH is in tests/components/test_haproxy_host_ssh.py.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from components.haproxy import HOST_ENVIRONMENT_MODE_NAME, environment_mode_path, teardown_script
from components.haproxy_config import STATS_PASSWORD_ENV

DEBIAN_LINES = '# Defaults file for HAProxy\n#EXTRAOPTS="-de -m 16"\n'
MANAGED = f'{STATS_PASSWORD_ENV}="secret"\nCONFIG="/etc/haproxy/haproxy.cfg"\n'


@pytest.fixture
def host(tmp_path: Path) -> Path:
    """A directory standing in for the host: etc/haproxy, etc/default, and bin/systemctl."""
    (tmp_path / "etc" / "haproxy" / "certs").mkdir(parents=True)
    (tmp_path / "etc" / "default").mkdir(parents=True)
    (tmp_path / "etc" / "haproxy" / "haproxy.cfg").write_text("global\n")
    (tmp_path / "etc" / "haproxy" / "certs" / "nexus.pem").write_text("PEM\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    systemctl = bin_dir / "systemctl"
    systemctl.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/systemctl.calls\n[ "$1" != is-active ]\n')
    systemctl.chmod(0o755)
    return tmp_path


def teardown(host: Path) -> subprocess.CompletedProcess[str]:
    cfg = str(host / "etc" / "haproxy" / "haproxy.cfg")
    script = teardown_script(
        cfg,
        str(host / "etc" / "haproxy" / "certs" / "nexus.pem"),
        True,
        str(host / "etc" / "default" / "haproxy"),
    )
    environment = {**os.environ, "PATH": f"{host / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(
        ["/bin/sh", "-c", script], capture_output=True, text=True, env=environment, timeout=60, check=False
    )


def environment_file(host: Path, text: str, mode: int) -> Path:
    path = host / "etc" / "default" / "haproxy"
    path.write_text(text)
    path.chmod(mode)
    return path


def record(host: Path, mode: str) -> Path:
    path = Path(environment_mode_path(str(host / "etc" / "haproxy" / "haproxy.cfg")))
    assert path == host / "etc" / "haproxy" / HOST_ENVIRONMENT_MODE_NAME
    path.write_text(mode + "\n")
    return path


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def test_the_environment_file_gets_back_the_mode_it_had_before_the_stack(host: Path) -> None:
    env = environment_file(host, DEBIAN_LINES + MANAGED, 0o600)  # as the deploy left it
    recorded = record(host, "644")  # as the deploy found it
    result = teardown(host)
    assert result.returncode == 0, result.stderr
    assert env.read_text() == DEBIAN_LINES and mode(env) == 0o644
    assert not recorded.exists()
    assert not (host / "etc" / "haproxy" / "haproxy.cfg").exists()


def test_an_environment_file_the_stack_created_goes_when_nothing_else_is_in_it(host: Path) -> None:
    env = environment_file(host, MANAGED, 0o600)
    record(host, "absent")
    result = teardown(host)
    assert result.returncode == 0, result.stderr
    assert not env.exists()


def test_without_a_record_the_file_gets_debians_mode(host: Path) -> None:
    """A stack deployed before the deploy recorded the mode."""
    env = environment_file(host, DEBIAN_LINES + MANAGED, 0o600)
    result = teardown(host)
    assert result.returncode == 0, result.stderr
    assert env.read_text() == DEBIAN_LINES and mode(env) == 0o644
