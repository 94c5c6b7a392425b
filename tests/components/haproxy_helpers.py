"""Helpers shared by the HAProxy tests: a throwaway PKI (openssl CLI) and ``haproxy -c``.

:func:`check_with_haproxy` is meant to be reused, e.g. parametrised over every stack file once
the settings are mapped onto :class:`components.haproxy_config.HaproxySpec`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from components.haproxy_config import STATS_PASSWORD_ENV, build_pem_bundle
from tests.layers import unavailable

# Warnings `haproxy -c` may print that depend on this machine, not on the configuration: a Docker
# container name (e.g. "nexus") does not resolve outside the Docker network. Every other warning
# fails the check.
_ENVIRONMENTAL_WARNINGS = (re.compile(r"could not resolve address '[^']+', disabling server"),)
_CRT = re.compile(r"(\bcrt\s+)(\S+)")


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports free on 127.0.0.1 right now."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def haproxy_binary() -> str | None:
    """Path of the haproxy executable (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def require_haproxy() -> str:
    binary = haproxy_binary()
    if binary is None:
        unavailable("haproxy is not installed (run scripts/install-system-deps as root)")
    return binary


def require_openssl() -> str:
    binary = shutil.which("openssl")
    if binary is None:
        unavailable("openssl is not installed (run scripts/install-system-deps as root)")
    return binary


def check_with_haproxy(config_text: str, pem_bundle: str) -> None:
    """Run ``haproxy -c`` on ``config_text``; raise AssertionError with HAProxy's output on failure.

    Every ``crt <path>`` is pointed at a temporary file holding ``pem_bundle`` (the path in the
    config is the one HAProxy sees in production, e.g. inside the container), and the stats password
    variable gets a dummy value. Warnings fail the check too, except the environment-dependent ones
    in ``_ENVIRONMENTAL_WARNINGS``.
    """
    binary = haproxy_binary()
    if binary is None:
        raise AssertionError("haproxy is not installed (run scripts/install-system-deps as root)")
    with tempfile.TemporaryDirectory(prefix="haproxy-check-") as tmp:
        pem = Path(tmp) / "bundle.pem"
        pem.write_text(pem_bundle)
        pem.chmod(0o600)
        config = Path(tmp) / "haproxy.cfg"
        config.write_text(_CRT.sub(lambda match: match.group(1) + str(pem), config_text))
        env = {**os.environ, STATS_PASSWORD_ENV: "check-only-password"}
        result = subprocess.run(
            [binary, "-c", "-f", str(config)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise AssertionError(f"haproxy -c failed (exit {result.returncode}):\n{output}")
    unexpected = [
        line
        for line in output.splitlines()
        if "[WARNING]" in line and not any(pattern.search(line) for pattern in _ENVIRONMENTAL_WARNINGS)
    ]
    if unexpected:
        raise AssertionError("haproxy -c printed warnings:\n" + "\n".join(unexpected))


@dataclass(frozen=True)
class TestPki:
    """A throwaway CA and a wildcard server certificate, as PEM text and files."""

    __test__ = False  # not a pytest test class

    ca_pem: str
    certificate_pem: str
    private_key_pem: str
    ca_file: Path

    @property
    def bundle(self) -> str:
        return build_pem_bundle(self.certificate_pem, "", self.private_key_pem)


def make_test_pki(directory: Path, domain: str = "example.test", extra_names: str = "") -> TestPki:
    """Create a CA and a ``*.<domain>`` + ``<domain>`` server certificate with the openssl CLI.

    ``extra_names``: more subjectAltName entries, e.g. ``IP:127.0.0.1``.
    """
    openssl = require_openssl()
    directory.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True, timeout=60)

    run(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=nexus-platform test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    run(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN=*.{domain}",
    )  # fmt: skip
    (directory / "server.ext").write_text(
        f"subjectAltName=DNS:*.{domain},DNS:{domain}{',' + extra_names if extra_names else ''}\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
    )
    run(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", "server.crt", "-extfile", "server.ext",
    )  # fmt: skip
    return TestPki(
        ca_pem=(directory / "ca.crt").read_text(),
        certificate_pem=(directory / "server.crt").read_text(),
        private_key_pem=(directory / "server.key").read_text(),
        ca_file=directory / "ca.crt",
    )
