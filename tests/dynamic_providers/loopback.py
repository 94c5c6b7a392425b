"""Stand-ins for Nexus on loopback, for the client's own tests."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


class JsonStatus(BaseHTTPRequestHandler):
    """Answers every GET with an empty JSON object, as a Nexus of this version."""

    def version_string(self) -> str:
        return "Nexus/3.77.1-01 (COMMUNITY)"

    def do_GET(self) -> None:
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass
