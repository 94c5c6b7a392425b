"""The client takes its proxies from the environment as requests does (http_proxy, no_proxy, ...),
though it reads the environment once rather than on every request: a plain HTTP server on
loopback stands in for both a forward proxy and Nexus, and records the request line it gets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from dynamic_providers.client import Connection, NexusClient
from reach.http import PROXY_VARIABLES
from tests.dynamic_providers.loopback import JsonStatus


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[str]]]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    seen: list[str] = []

    class Recorder(JsonStatus):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            seen.append(self.path)  # absolute-form through a proxy, origin-form direct
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _get(url: str) -> None:
    with NexusClient(Connection(url=url, username="admin", password="x", max_retry_seconds=1)) as client:
        client.get_json("/v1/status")


def test_the_environment_proxy_is_used_and_no_proxy_honoured(
    recorder: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, seen = recorder
    monkeypatch.setenv("HTTP_PROXY", server)
    _get("http://nexus.example.test:8081")
    assert seen == ["http://nexus.example.test:8081/service/rest/v1/status"]  # through the proxy
    # The same process, the environment changed: the next client sees the change.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    _get(server)
    assert seen[1:] == ["/service/rest/v1/status"]  # straight to the server, no proxy


def test_without_proxy_variables_requests_go_straight(recorder: tuple[str, list[str]]) -> None:
    server, seen = recorder
    _get(server)
    _get(server)
    assert seen == ["/service/rest/v1/status"] * 2
