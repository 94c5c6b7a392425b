"""Fixtures of the client's tests: an HTTPS front with a certificate from the stack's own CA."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.components.haproxy_helpers import TestPki, make_test_pki
from tests.dynamic_providers.loopback import JsonStatus


@pytest.fixture
def stack_pki(tmp_path: Path) -> TestPki:
    return make_test_pki(tmp_path / "stack", domain="localhost")


@pytest.fixture
def https_front(stack_pki: TestPki, tmp_path: Path) -> Iterator[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    chain = tmp_path / "front.pem"
    chain.write_text(stack_pki.certificate_pem + stack_pki.private_key_pem)
    context.load_cert_chain(str(chain))
    server = ThreadingHTTPServer(("127.0.0.1", 0), JsonStatus)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # "localhost" is in the certificate; 127.0.0.1 is where the server listens.
        yield f"https://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
