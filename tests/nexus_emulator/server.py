"""The HTTP front end: a ``ThreadingHTTPServer`` speaking HTTP/1.1 around :class:`NexusApp`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from requests.structures import CaseInsensitiveDict

from .app import NexusApp
from .errors import Response
from .jsonout import jackson_dumps


class NexusHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: NexusApp) -> None:
        self.app = app
        super().__init__(address, NexusRequestHandler)


def encode(resp: Response) -> tuple[bytes, str | None]:
    if resp.empty:
        return b"", None
    if resp.text is not None:
        return resp.text.encode("utf-8"), resp.content_type
    if resp.compact:
        return json.dumps(resp.body, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8"
        ), resp.content_type
    return jackson_dumps(resp.body).encode("utf-8"), resp.content_type


class NexusRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle's algorithm a kept-alive connection
    # waits for the client's delayed ACK (~40 ms a request). Jetty (Nexus) sets TCP_NODELAY too.
    disable_nagle_algorithm = True
    server: NexusHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def version_string(self) -> str:
        state = self.server.app.state
        return f"Nexus/{state.version} ({state.edition})"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}"
        headers = CaseInsensitiveDict(dict(self.headers.items()))
        outcome = self.server.app.handle(self.command, self.path, headers, raw, f"http://{host}")
        if outcome.response is None:  # dropped: the write was applied, the answer never comes
            self.close_connection = True
            return
        resp = outcome.response
        payload, ctype = encode(resp)
        self.send_response(resp.status)
        if ctype:
            self.send_header("Content-Type", ctype + (";charset=utf-8" if ctype == "text/plain" else ""))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle  # noqa: N815


def serve_in_thread(server: NexusHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="nexus-emulator", daemon=True)
    thread.start()
    return thread
