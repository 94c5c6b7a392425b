"""The container-mode configuration check (``haproxy-config-check``) with a real Docker Engine.

The exact script the component runs (``container_check_script``, through its stdin runner) against
an image laid out like the official haproxy image: this machine's HAProxy (Debian's, with the
libraries it links) and a busybox shell, imported with ``docker import`` (no registry is reachable).
The stack's rendered container-mode configuration with a valid PEM passes; a PEM whose key does not
match its certificate fails with HAProxy's own message and the script's note that nothing was replaced.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.haproxy import (
    CONTAINER_CONFIG_PATH,
    container_check_script,
    container_check_stdin,
    haproxy_spec_from_settings,
)
from components.haproxy_config import render_haproxy_config
from components.nexus_server import docker_cli_prefix
from reach.host import script_digest, scripts_stdin, stdin_runner
from reach.host_access import HostAccess
from settings import parse_settings
from tests.components.haproxy_helpers import make_test_pki, require_haproxy
from tests.docker_engine import DockerEngine, EngineUnavailableError, docker_engine
from tests.layers import unavailable

pytestmark = pytest.mark.live

IMAGE = "nexus-platform-test/haproxy-check:local"
SETTINGS = {
    "domain": "example.test",
    "adminPassword": "admin-secret",
    "nexus": {"version": "3.77.1"},
    "teams": [{"name": "platform", "releasePort": 16001, "latestPort": 16002}],
    "haproxy": {"mode": "container"},
}


@pytest.fixture(scope="module")
def engine() -> Iterator[DockerEngine]:
    try:
        with docker_engine() as found:
            yield found
    except EngineUnavailableError as error:
        unavailable(f"no Docker Engine: {error}")


def _libraries(binary: str) -> list[str]:
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = []
    for line in out.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
        if path.startswith("/"):
            paths.append(path)
    return paths


@pytest.fixture(scope="module")
def image(engine: DockerEngine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    haproxy = require_haproxy()
    busybox = shutil.which("busybox")
    if busybox is None:
        unavailable("busybox is not installed (Debian package busybox-static: scripts/install-system-deps)")
    assert busybox is not None
    work = tmp_path_factory.mktemp("haproxy-image")
    archive = work / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        for path in (haproxy, *_libraries(haproxy)):
            tar.add(os.path.realpath(path), arcname=path.lstrip("/"))
        tar.add(busybox, arcname="bin/busybox")
        for tool in ("sh", "cat"):
            link = tarfile.TarInfo(f"bin/{tool}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
        for directory in ("usr/local/etc/haproxy", "tmp", "etc"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        # the official image's haproxy user and group (UID/GID 99), which `user`/`group` in global name
        accounts = {
            "etc/passwd": "root:x:0:0::/:/bin/sh\nhaproxy:x:99:99::/var/lib/haproxy:/bin/false\n",
            "etc/group": "root:x:0:\nhaproxy:x:99:\n",
        }
        for name, text in accounts.items():
            data = text.encode()
            entry = tarfile.TarInfo(name)
            entry.size, entry.mode = len(data), 0o644
            tar.addfile(entry, io.BytesIO(data))
    engine.docker("import", "--change", "ENV PATH=/usr/sbin:/bin", str(archive), IMAGE, timeout=120)
    try:
        yield IMAGE
    finally:
        engine.docker("image", "rm", "-f", IMAGE, check=False)


def run_check(
    engine: DockerEngine, image: str, config: str, password: str, pem: str
) -> subprocess.CompletedProcess[str]:
    host = HostAccess(docker_host=engine.host)
    scripts = {"create": container_check_script(image, config, docker_cli_prefix(host))}
    # as pulumi-command runs the local command the component registers: its runner, the script
    # and then the password, PEM and configuration on stdin
    return subprocess.run(
        ["/bin/sh", "-c", stdin_runner("create", script_digest(scripts))],
        input=scripts_stdin(scripts, container_check_stdin(password, pem, config)),
        env={**os.environ, **engine.extra_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_image_checks_the_rendered_config_and_rejects_a_bad_pem(
    engine: DockerEngine, image: str, tmp_path: Path
) -> None:
    config = render_haproxy_config(haproxy_spec_from_settings(parse_settings(SETTINGS)))
    pki = make_test_pki(tmp_path / "pki")
    good = run_check(engine, image, config, "stats-pw", pki.bundle)
    assert good.returncode == 0, good.stdout + good.stderr

    other = make_test_pki(tmp_path / "other")
    mismatched = pki.certificate_pem + other.private_key_pem  # the key of another certificate
    bad = run_check(engine, image, config, "stats-pw", mismatched)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "inconsistencies between private key and certificate" in bad.stderr, bad.stderr
    assert f"haproxy -c of {image} rejected the new configuration or certificate" in bad.stderr
    assert "the running haproxy container is unchanged" in bad.stderr

    broken = run_check(engine, image, config.replace("timeout client", "timeout klient"), "x", pki.bundle)
    assert broken.returncode == 1 and CONTAINER_CONFIG_PATH in broken.stderr, broken.stderr
