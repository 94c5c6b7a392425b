"""Live: the rendered config in a real HAProxy, on loopback high ports, in front of stand-ins.

The stand-ins are small HTTP servers playing Nexus: the main port (8081) and one Docker connector
per repository. They answer ``/service/rest/v1/status`` with 200 and ``/v2/`` with 401 plus a Bearer
realm built the way Nexus builds it (X-Forwarded-Host [+ ":" + X-Forwarded-Port] or Host, and
X-Forwarded-Proto), and echo the port, method, path and headers they received as JSON.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import secrets
import socket
import ssl
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from components.haproxy_config import (
    MOZILLA_INTERMEDIATE_CIPHERS,
    STATS_PASSWORD_ENV,
    DockerConnector,
    HaproxySpec,
    render_haproxy_config,
)
from tests.components.haproxy_helpers import TestPki, free_ports, make_test_pki, require_haproxy
from tests.eventually import eventually

pytestmark = pytest.mark.live

UI_HOST = "nexus.example.test"
STARTUP_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0


# ------------------------------------------------------------------------------------------------
# Stand-in for Nexus
# ------------------------------------------------------------------------------------------------


class _StandIn(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def _body_size(self) -> int:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return total
                remaining = size
                while remaining:
                    chunk = self.rfile.read(min(remaining, 1 << 20))
                    if not chunk:
                        raise ConnectionError("body ended early")
                    remaining -= len(chunk)
                total += size
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        remaining = length
        while remaining:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                raise ConnectionError("body ended early")
            remaining -= len(chunk)
        return length

    def _handle(self) -> None:
        body_bytes = self._body_size()
        path = urllib.parse.urlsplit(self.path).path
        status = 200
        extra: dict[str, str] = {}
        if re.fullmatch(r"(/repository/[^/]+)?/v2/?", path):
            status = 401
            # NexusRequestCustomizer: X-Forwarded-Host, plus ":" + X-Forwarded-Port when present.
            host = self.headers.get("X-Forwarded-Host") or self.headers.get("Host") or ""
            if self.headers.get("X-Forwarded-Port"):
                host += ":" + self.headers["X-Forwarded-Port"]
            scheme = self.headers.get("X-Forwarded-Proto", "http")
            extra["WWW-Authenticate"] = f'Bearer realm="{scheme}://{host}/v2/token",service="{host}"'
        payload = json.dumps(
            {
                "port": self.server.server_address[1],
                "method": self.command,
                "path": self.path,
                "headers": [[name.lower(), value] for name, value in self.headers.items()],
                "body_bytes": body_bytes,
            }
        ).encode()
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815 - http.server names

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # HAProxy closes health-check and idle keep-alive connections with a reset: expected.
        pass


@contextlib.contextmanager
def stand_ins(count: int) -> Iterator[list[ThreadingHTTPServer]]:
    servers: list[ThreadingHTTPServer] = [_QuietServer(("127.0.0.1", 0), _StandIn) for _ in range(count)]
    threads = []
    for server in servers:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        threads.append(thread)
    try:
        yield servers
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)


# ------------------------------------------------------------------------------------------------
# HAProxy under test
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Docker:
    repository: str
    external_port: int
    backend_port: int  # the stand-in answering for it (the main port for path routing)


@dataclass(frozen=True)
class Live:
    spec: HaproxySpec
    pki: TestPki
    ui_port: int
    docker: tuple[Docker, ...]
    stats_password: str
    log_file: Path

    @property
    def path_routed(self) -> Docker:
        return self.docker[-1]


def _stats_csv(port: int, password: str) -> list[dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        credentials = base64.b64encode(f"haproxy-stats:{password}".encode()).decode()
        connection.request("GET", "/;csv", headers={"Authorization": f"Basic {credentials}"})
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    if response.status != 200:
        return []
    lines = text.lstrip("# ").splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    binary = require_haproxy()
    tmp = tmp_path_factory.mktemp("haproxy-live")
    pki = make_test_pki(tmp / "pki")
    bundle = tmp / "nexus.pem"
    bundle.write_text(pki.bundle)
    bundle.chmod(0o600)
    with stand_ins(4) as servers:
        ui, *connector_backends = servers
        ui_port = ui.server_address[1]
        http_port, https_port, stats_port, *external = free_ports(7)
        repositories = ("docker-all", "docker-platform-release", "docker-platform-latest")
        docker = (
            *(
                Docker(name, port, backend.server_address[1])
                for name, port, backend in zip(repositories, external, connector_backends, strict=False)
            ),
            Docker("docker-team-path", external[3], ui_port),
        )
        spec = HaproxySpec(
            domain="example.test",
            ui_host=UI_HOST,
            nexus_address="127.0.0.1",
            certificate_path=str(bundle),
            connectors=(
                *(DockerConnector(d.repository, d.external_port, d.backend_port) for d in docker[:3]),
                DockerConnector(docker[3].repository, docker[3].external_port, routing="path"),
            ),
            mode="container",  # logs to stdout, no chroot/user switch
            ui_port=ui_port,
            http_port=http_port,
            https_port=https_port,
            bind_address="127.0.0.1",
            stats_port=stats_port,
            check_interval="1s",
        )
        config = tmp / "haproxy.cfg"
        config.write_text(render_haproxy_config(spec))
        password = secrets.token_urlsafe(16)
        log_file = tmp / "haproxy.log"
        with log_file.open("wb") as log:
            process = subprocess.Popen(
                [binary, "-db", "-f", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, STATS_PASSWORD_ENV: password},
                start_new_session=True,
            )
        try:
            _wait_until_ready(process, spec, password, log_file)
            yield Live(spec, pki, ui_port, docker, password, log_file)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_ready(process: subprocess.Popen[bytes], spec: HaproxySpec, password: str, log: Path) -> None:
    def all_up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"haproxy exited with {process.returncode}:\n{log.read_text()}")
        servers = [row for row in _safe_stats(spec.stats_port, password) if row.get("svname") == "nexus"]
        return len(servers) == 1 + len(spec.connectors) and all(row["status"] == "UP" for row in servers)

    eventually(
        all_up,
        timeout=STARTUP_TIMEOUT,
        message=lambda _: f"haproxy backends not all UP within {STARTUP_TIMEOUT}s:\n{log.read_text()}",
    )


def _safe_stats(port: int, password: str) -> list[dict[str, str]]:
    try:
        return _stats_csv(port, password)
    except OSError:
        return []


# ------------------------------------------------------------------------------------------------
# Client side
# ------------------------------------------------------------------------------------------------


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 while SNI, certificate verification and Host use ``hostname``."""

    def __init__(self, hostname: str, port: int, context: ssl.SSLContext) -> None:
        super().__init__(hostname, port, context=context, timeout=REQUEST_TIMEOUT)
        self._pinned_context = context

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._pinned_context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def echo(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    def received(self, header: str) -> list[str]:
        return [value for name, value in self.echo["headers"] if name == header]


def tls_context(pki: TestPki) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pki.ca_file))


def https(
    live: Live,
    port: int,
    path: str = "/",
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: Any = None,
    hostname: str = UI_HOST,
    context: ssl.SSLContext | None = None,
) -> Reply:
    connection = _PinnedHTTPSConnection(hostname, port, context or tls_context(live.pki))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def handshake(port: int, context: ssl.SSLContext) -> tuple[str | None, str | None]:
    with (
        socket.create_connection(("127.0.0.1", port), REQUEST_TIMEOUT) as sock,
        context.wrap_socket(sock, server_hostname=UI_HOST) as tls,
    ):
        cipher = tls.cipher()
        return tls.version(), cipher[0] if cipher else None


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------


def test_ui_port_verifies_against_the_ca_and_sends_hsts(live: Live) -> None:
    reply = https(live, live.spec.https_port, "/service/rest/v1/status")
    assert reply.status == 200
    assert reply.echo["port"] == live.ui_port
    assert reply.headers["strict-transport-security"] == "max-age=63072000"


def test_certificate_is_checked_against_the_host_name(live: Live) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        https(live, live.spec.https_port, "/", hostname="nexus.other.test")


def test_every_docker_port_verifies_against_the_ca(live: Live) -> None:
    for docker in live.docker:
        version, _ = handshake(docker.external_port, tls_context(live.pki))
        assert version in ("TLSv1.2", "TLSv1.3")


def _old_protocol_context(live: Live, maximum: ssl.TLSVersion) -> ssl.SSLContext:
    context = tls_context(live.pki)
    # Let the client really offer TLS 1.0/1.1 (OpenSSL 3 refuses them at the default security
    # level before anything is sent): the refusal must come from HAProxy.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.maximum_version = maximum
    return context


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_1_1_and_1_0_are_refused_by_the_server(live: Live) -> None:
    for port in (live.spec.https_port, live.docker[0].external_port):
        for maximum in (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
            with pytest.raises(ssl.SSLError) as error:
                handshake(port, _old_protocol_context(live, maximum))
            assert error.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION", error.value


def test_tls_1_2_uses_forward_secret_aead_ciphers_only(live: Live) -> None:
    context = tls_context(live.pki)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    version, cipher = handshake(live.spec.https_port, context)
    assert version == "TLSv1.2"
    assert cipher in MOZILLA_INTERMEDIATE_CIPHERS.split(":")
    weak = tls_context(live.pki)
    weak.maximum_version = ssl.TLSVersion.TLSv1_2
    weak.set_ciphers("AES128-SHA:AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA")
    with pytest.raises(ssl.SSLError):
        handshake(live.spec.https_port, weak)
    tls13 = tls_context(live.pki)
    tls13.minimum_version = ssl.TLSVersion.TLSv1_3
    assert handshake(live.spec.https_port, tls13)[0] == "TLSv1.3"


def test_port_80_redirects_to_https_keeping_path_and_query(live: Live) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", live.spec.http_port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(
            "GET",
            "/repository/maven-public/x.pom?a=1",
            headers={"Host": f"{UI_HOST}:{live.spec.http_port}"},
        )
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 301
    location = response.getheader("Location")
    assert location == f"https://{UI_HOST}:{live.spec.https_port}/repository/maven-public/x.pom?a=1"


def test_port_80_without_host_header_redirects_to_the_ui_host(live: Live) -> None:
    with socket.create_connection(("127.0.0.1", live.spec.http_port), REQUEST_TIMEOUT) as sock:
        sock.sendall(b"GET /x?y=1 HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head = data.decode("latin-1").split("\r\n\r\n", 1)[0]
    assert head.startswith("HTTP/1.0 301") or head.startswith("HTTP/1.1 301")
    assert f"location: https://{UI_HOST}:{live.spec.https_port}/x?y=1" in head.lower()


BLOCKED = (
    "/service/metrics/data",
    "/service/metrics",
    "//service//metrics/threads",
    "/%73ervice/metrics/ping",
    "/SERVICE/METRICS/prometheus",
    "/service;jsessionid=1/metrics/data",
    "/service/rest/v1/script",
    "/service/rest/v1/script/cleanup/run?x=1",
)
ALLOWED = (
    "/service/rest/v1/status",
    "/service/rest/v1/security/users",
    "/service/rest/v1/scripts-not",
    "/service/metricsx",
    "/repository/maven-releases/com/example/service/metrics/1.0/metrics-1.0.jar",
)


def test_admin_paths_are_403_on_every_public_port(live: Live) -> None:
    ports = [live.spec.https_port] + [docker.external_port for docker in live.docker]
    for port in ports:
        for path in BLOCKED:
            assert https(live, port, path).status == 403, (port, path)
        for path in ("/x/../service/metrics/data", "/%2e%2e/service/metrics", "/./service/metrics"):
            assert https(live, port, path).status == 400, (port, path)
    for path in ALLOWED:
        reply = https(live, live.spec.https_port, path)
        assert reply.status == 200, path
        assert reply.echo["path"] == path


def test_each_docker_port_reaches_its_own_backend(live: Live) -> None:
    for docker in live.docker[:3]:
        reply = https(live, docker.external_port, "/v2/")
        assert reply.status == 401
        assert reply.echo["port"] == docker.backend_port
        assert reply.echo["path"] == "/v2/"
        assert reply.received("host") == [f"{UI_HOST}:{docker.external_port}"]
    assert len({docker.backend_port for docker in live.docker[:3]}) == 3


SPOOFED = {
    "X-Forwarded-For": "6.6.6.6",
    "x-forwarded-proto": "http",
    "X-FORWARDED-HOST": "evil.example:1",
    "X-Forwarded-Port": "1",
    "X-Forwarded-Server": "evil",
    "Forwarded": "for=6.6.6.6;proto=http;host=evil.example",
    "X-Proxied-Https": "off",
    "X-Real-IP": "6.6.6.6",
}


def test_client_forwarded_headers_are_replaced(live: Live) -> None:
    for port in (live.spec.https_port, live.docker[1].external_port, live.path_routed.external_port):
        reply = https(live, port, "/echo", headers=SPOOFED)
        assert reply.status == 200
        assert reply.received("x-forwarded-proto") == ["https"]
        assert reply.received("x-forwarded-for") == ["127.0.0.1"]
        for header in ("x-forwarded-host", "x-forwarded-port", "x-forwarded-server", "forwarded",
                       "x-proxied-https", "x-real-ip"):  # fmt: skip
            assert reply.received(header) == [], (port, header)


def test_docker_bearer_realm_has_the_external_port_once(live: Live) -> None:
    for docker in live.docker:
        reply = https(live, docker.external_port, "/v2/", headers=SPOOFED)
        assert reply.status == 401
        assert reply.headers["www-authenticate"].startswith(
            f'Bearer realm="https://{UI_HOST}:{docker.external_port}/v2/token"'
        )


def test_path_routing_rewrites_to_the_repository(live: Live) -> None:
    docker = live.path_routed
    reply = https(live, docker.external_port, "/v2/")
    assert reply.status == 401
    assert reply.echo["port"] == live.ui_port
    assert reply.echo["path"] == "/repository/docker-team-path/v2/"
    reply = https(live, docker.external_port, "/v2/app/manifests/1.0?x=1")
    assert reply.echo["path"] == "/repository/docker-team-path/v2/app/manifests/1.0?x=1"
    upload = "/repository/docker-team-path/v2/app/blobs/uploads/u1?_state=abc"
    assert https(live, docker.external_port, upload, method="PATCH", body=b"x").echo["path"] == upload
    # Connector-routed ports are not rewritten.
    assert https(live, live.docker[0].external_port, "/v2/app/tags/list").echo["path"] == "/v2/app/tags/list"


def test_chunked_layer_upload_streams_through(live: Live) -> None:
    chunk = b"\0" * (1 << 20)
    size = 32 * len(chunk)
    reply = https(
        live,
        live.docker[1].external_port,
        "/v2/app/blobs/uploads/u1",
        method="PATCH",
        body=iter([chunk] * 32),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert reply.status == 200
    assert reply.echo["body_bytes"] == size
    assert reply.received("transfer-encoding") == ["chunked"]


def test_stats_page_needs_the_password(live: Live) -> None:
    def status(credentials: str | None) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", live.spec.stats_port, timeout=REQUEST_TIMEOUT)
        headers = (
            {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
            if credentials
            else {}
        )
        try:
            connection.request("GET", "/", headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    assert status(None) == 401
    assert status("haproxy-stats:wrong") == 401
    assert status(f"haproxy-stats:{live.stats_password}") == 200
    assert live.stats_password not in (Path(live.log_file).parent / "haproxy.cfg").read_text()


def test_audit_log_names_user_tls_and_timings(live: Live) -> None:
    docker = live.docker[2]
    credentials = base64.b64encode(b"alice-audit:secret-never-logged").decode()
    https(live, docker.external_port, "/v2/token?scope=x", headers={"Authorization": f"Basic {credentials}"})

    def audit_line() -> str | None:
        lines = live.log_file.read_text().splitlines()
        return next((entry for entry in lines if "alice-audit" in entry), None)

    line = eventually(
        audit_line,
        timeout=30,
        interval=0.1,
        message=lambda _: live.log_file.read_text(),
    )
    assert f"fe_docker_{docker.repository}_{docker.external_port}" in line
    assert '"GET /v2/token?scope=x HTTP/1.1"' in line
    assert re.search(r"TLSv1\.[23]/", line)
    assert re.search(r" \d+/\d+/\d+/\d+/\d+ 200 ", line)  # TR/Tw/Tc/Tr/Ta then status
    assert "secret-never-logged" not in live.log_file.read_text()
