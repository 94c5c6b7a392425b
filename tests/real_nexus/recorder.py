"""A recording reverse proxy in front of a real Nexus: the request log the emulator keeps, for it.

The conformance tests count the reads and writes a provider makes (a no-change `up` makes none);
the emulator logs its requests itself, the real server does not, so the providers talk to the
real Nexus through this proxy. It forwards every request unchanged (headers, body, status) and
records method, path and status, like the emulator's log (full paths, /service/rest/...).
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.nexus_emulator import RequestRecord

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


class RecordingProxy:
    """``url`` forwards to ``target``; :meth:`requests` lists what went through."""

    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:  # quiet
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                connection = http.client.HTTPConnection(
                    proxy.target.hostname or "127.0.0.1", proxy.target.port or 80, timeout=120
                )
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    payload = answer.read()
                finally:
                    connection.close()
                proxy._record(self.command, self.path, answer.status)
                self.send_response_only(answer.status, answer.reason)  # Server and Date come from Nexus
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _forward  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _record(self, method: str, raw_path: str, status: int) -> None:
        path = urlsplit(raw_path).path
        with self._lock:
            self._log.append(RequestRecord(method, path, status, method in WRITE_METHODS))

    def requests(self, method: str | None = None, path_prefix: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [
                r
                for r in self._log
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(path_prefix))
            ]

    def count_reads(self, path_prefix: str | None = None) -> int:
        return sum(1 for r in self.requests(path_prefix=path_prefix) if not r.write)

    def count_writes(self, path_prefix: str | None = None) -> int:
        return sum(1 for r in self.requests(path_prefix=path_prefix) if r.write)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
