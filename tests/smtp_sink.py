"""A tiny SMTP server on loopback that accepts every mail and keeps it: what Nexus's test mail
(``POST /v1/email/verify``) is sent to in the tests, on the emulator and on the real core.

It speaks just enough SMTP (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for a client
without authentication or TLS; :attr:`SmtpSink.mails` holds each mail's envelope and text.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class Mail:
    sender: str
    recipients: tuple[str, ...]
    text: str


@dataclass
class SmtpSink:
    server: socketserver.ThreadingTCPServer
    mails: list[Mail] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


class _Session(socketserver.StreamRequestHandler):
    sink: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        sender, recipients = "", list[str]()
        self.reply("220 localhost test sink")
        while line := self.rfile.readline(65536):
            verb = line.decode(errors="replace").strip()
            upper = verb.upper()
            if upper.startswith(("EHLO", "HELO")):
                self.reply("250 localhost")
            elif upper.startswith("MAIL FROM:"):
                sender, recipients = verb[10:].strip(" <>"), []
                self.reply("250 OK")
            elif upper.startswith("RCPT TO:"):
                recipients.append(verb[8:].strip(" <>"))
                self.reply("250 OK")
            elif upper == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                body: list[str] = []
                while (data := self.rfile.readline(65536)) not in (b".\r\n", b".\n", b""):
                    body.append(data.decode(errors="replace"))
                self.sink.mails.append(Mail(sender, tuple(recipients), "".join(body)))
                self.reply("250 OK queued")
            elif upper == "QUIT":
                self.reply("221 bye")
                return
            elif upper in ("RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on a free loopback port for one test."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Session)
    server.daemon_threads = True
    sink = SmtpSink(server)
    server.RequestHandlerClass = type("Session", (_Session,), {"sink": sink})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
