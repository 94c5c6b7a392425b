"""Clients give their session back to their thread: the calls a provider process makes in a run
share kept-alive connections (one TCP and TLS handshake per thread and connection, not per call),
and nothing is shared that must not be: other credentials, other threads, other CAs.

A plain HTTP/1.1 server on loopback records, for each request, which connection (client port) it
came on, its Authorization header, and which connections the client has closed.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from dynamic_providers.client import KEPT_SESSIONS_PER_THREAD, Connection, NexusClient
from reach.http import PROXY_VARIABLES
from tests.components.haproxy_helpers import TestPki
from tests.dynamic_providers.loopback import JsonStatus

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Seen:
    url: str
    #: (client port, Authorization header) of each request, in order.
    requests: list[tuple[int, str]] = field(default_factory=list)
    #: Client ports of the connections the client closed.
    closed: list[int] = field(default_factory=list)

    def ports(self) -> list[int]:
        return [port for port, _ in self.requests]


@pytest.fixture
def keep_alive_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    seen = Seen(url="")

    class KeepAlive(JsonStatus):
        protocol_version = "HTTP/1.1"  # connections stay open between requests, as with Nexus
        disable_nagle_algorithm = True  # as Jetty: no wait for a delayed ACK between requests

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            seen.requests.append((self.client_address[1], self.headers.get("Authorization", "")))
            super().do_GET()

        def finish(self) -> None:
            super().finish()
            seen.closed.append(self.client_address[1])

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _get(connection: Connection) -> None:
    with NexusClient(connection) as client:
        client.get_json("/v1/status")


def _connection(url: str, username: str = "admin", ca_pem: str | None = None) -> Connection:
    password = f"{username}-pw"
    return Connection(url=url, username=username, password=password, ca_pem=ca_pem, max_retry_seconds=1)


def _basic(username: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{username}-pw".encode()).decode()


def test_clients_of_one_thread_share_one_kept_alive_connection(keep_alive_server: Seen) -> None:
    connection = _connection(keep_alive_server.url)
    for _ in range(3):
        _get(connection)
    assert len(keep_alive_server.requests) == 3
    assert len(set(keep_alive_server.ports())) == 1
    assert keep_alive_server.closed == []  # kept open for the next client


def test_other_credentials_never_ride_on_another_session(keep_alive_server: Seen) -> None:
    _get(_connection(keep_alive_server.url, "admin"))
    _get(_connection(keep_alive_server.url, "robot"))
    _get(_connection(keep_alive_server.url, "admin"))
    sent = [auth for _, auth in keep_alive_server.requests]
    assert sent == [_basic("admin"), _basic("robot"), _basic("admin")]
    admin_first, robot, admin_again = keep_alive_server.ports()
    assert admin_first == admin_again != robot


def test_a_client_opened_while_another_is_open_gets_its_own_session(keep_alive_server: Seen) -> None:
    connection = _connection(keep_alive_server.url)
    with NexusClient(connection) as outer, NexusClient(connection) as inner:
        outer.get_json("/v1/status")
        inner.get_json("/v1/status")
        assert outer.session is not inner.session
    assert len(set(keep_alive_server.ports())) == 2


def test_threads_do_not_share_sessions(keep_alive_server: Seen) -> None:
    connection = _connection(keep_alive_server.url)
    _get(connection)
    other = threading.Thread(target=_get, args=(connection,))
    other.start()
    other.join(timeout=30)
    mine, theirs = keep_alive_server.ports()
    assert mine != theirs


def test_a_thread_keeps_a_bounded_number_of_sessions(keep_alive_server: Seen) -> None:
    users = [f"user{index}" for index in range(KEPT_SESSIONS_PER_THREAD + 1)]
    for user in users:
        _get(_connection(keep_alive_server.url, user))
    first = keep_alive_server.ports()[0]
    # The least recently used session was closed when the last one was given back.
    for _ in range(100):
        if keep_alive_server.closed:
            break
        threading.Event().wait(0.05)
    assert keep_alive_server.closed == [first]


def test_the_stack_ca_session_keeps_its_tls_connection(https_front: str, stack_pki: TestPki) -> None:
    connection = _connection(https_front, ca_pem=stack_pki.ca_pem)
    with NexusClient(connection) as first:
        first.server_info()
        ca_file = first.verify
        session = first.session
    with NexusClient(connection) as second:
        second.server_info()
        assert second.verify == ca_file  # one file per CA and process
        assert second.session is session  # and with it its pool of TLS connections
    assert isinstance(ca_file, str)
    assert Path(ca_file).read_text() == stack_pki.ca_pem


def test_the_ca_file_is_removed_when_the_process_exits(https_front: str, stack_pki: TestPki) -> None:
    script = (
        "import sys\n"
        "from dynamic_providers.client import Connection, NexusClient\n"
        "connection = Connection(url=sys.argv[1], username='admin', password='x', ca_pem=sys.stdin.read())\n"
        "with NexusClient(connection) as client:\n"
        "    client.server_info()\n"
        "    print(client.verify)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, https_front],
        input=stack_pki.ca_pem,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=True,
    )
    ca_file = Path(done.stdout.strip())
    assert ca_file.name.endswith(".pem")
    assert not ca_file.exists()
