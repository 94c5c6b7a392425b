"""Email server settings (``/v1/email``) and the test mail (``/v1/email/verify``).

Answers as the real core 3.71.0-06 gave them (docs/nexus-behaviour.md): a fresh server holds
``enabled: false, host: localhost, port: 25, fromAddress: nexus@example.org``; PUT answers 204 and
the password is never returned (``null``); an omitted username reads back as ``""``; bean
validation refuses a blank host or from address, a malformed address and a port outside
1..65535 (400, ``PARAMETER <field>``); DELETE (204) disables and clears everything (host and from
address ``null``, port 0). Verify takes the address as text/plain and answers 200 with
``success: false`` and "Sending the email to the following server failed : host:port" when the
mail cannot be sent (the API document says 400), 400 for an address without ``@``, and 500 with
an empty body once the settings are cleared.

The emulator really sends the test mail, with ``smtplib``, but only to a loopback host: any other
host is answered as a failure without a connection, so no mail leaves the machine.
"""

from __future__ import annotations

import json
import re
import smtplib
from email.message import EmailMessage
from typing import Any

from ..core import Area, Request, Route, register
from ..errors import BeanValidationError, EmptyError, MessageError, Response

SETTINGS = "/v1/email"
VERIFY = "/v1/email/verify"
FRESH: dict[str, Any] = {
    "enabled": False,
    "host": "localhost",
    "port": 25,
    "username": None,
    "password": None,
    "fromAddress": "nexus@example.org",
    "subjectPrefix": None,
    "startTlsEnabled": False,
    "startTlsRequired": False,
    "sslOnConnectEnabled": False,
    "sslServerIdentityCheckEnabled": False,
    "nexusTrustStoreEnabled": False,
}
CLEARED = {**FRESH, "host": None, "port": 0, "fromAddress": None}
FLAGS = (
    "enabled",
    "startTlsEnabled",
    "startTlsRequired",
    "sslOnConnectEnabled",
    "sslServerIdentityCheckEnabled",
    "nexusTrustStoreEnabled",
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
SMTP_TIMEOUT_SECONDS = 10.0
# unconfirmed: Hibernate's @Email is stricter; this is its shape (one @, no spaces)
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


class EmailSettings:
    def __init__(self) -> None:
        self.settings: dict[str, Any] = dict(FRESH)

    def snapshot(self) -> dict[str, Any]:
        return {**self.settings, "password": None}  # the snapshot keeps no secret


def _store(req: Request) -> EmailSettings:
    return req.state.store(EmailSettings)


def get_settings(req: Request) -> Response:
    return Response.json(200, {**_store(req).settings, "password": None})


def put_settings(req: Request) -> Response:
    body = req.body or {}
    violations = []  # in the order the real core listed them
    address = body.get("fromAddress")
    if not address:
        violations.append(("fromAddress", "must not be blank"))
    elif not _ADDRESS.match(address):
        violations.append(("fromAddress", "must be a well-formed email address"))
    port = body.get("port")
    if not isinstance(port, int) or not 1 <= port <= 65535:
        violations.append(("port", "Port-number must be >= 1 AND <= 65535."))
    if not body.get("host"):
        violations.append(("host", "must not be blank"))
    if violations:
        raise BeanValidationError(violations)
    _store(req).settings = {
        **{flag: bool(body.get(flag)) for flag in FLAGS},
        "host": body["host"],
        "port": port,
        "username": body.get("username") or "",
        "password": body.get("password"),
        "fromAddress": address,
        "subjectPrefix": body.get("subjectPrefix"),
    }
    return Response.no_content(204)


def delete_settings(req: Request) -> Response:
    _store(req).settings = dict(CLEARED)
    return Response.no_content(204)


def verify(req: Request) -> Response:
    # The body is the address as text; a JSON string keeps its quotes, as on the real core.
    text = isinstance(req.body, str) and req.content_type.startswith("text/")
    address = req.body if text else json.dumps(req.body)
    if "@" not in address:
        raise MessageError(400, f"Missing final '@domain' in string ``{address}''")
    settings = _store(req).settings
    if settings["host"] is None:
        raise EmptyError(500)  # what the cleared settings answer (observed)
    try:
        _send(settings, address)
    except (OSError, smtplib.SMTPException):
        reason = f"Sending the email to the following server failed : {settings['host']}:{settings['port']}"
        return Response.json(200, {"success": False, "reason": reason})
    return Response.json(200, {"success": True, "reason": None})


def _send(settings: dict[str, Any], address: str) -> None:
    host, port = str(settings["host"]), int(settings["port"])
    if host not in LOOPBACK:
        raise OSError(f"the emulator sends mail to loopback hosts only, not {host}")
    message = EmailMessage()
    message["From"] = settings["fromAddress"]
    message["To"] = address
    # unconfirmed: the subject and text of Nexus's test mail
    message["Subject"] = f"{settings['subjectPrefix'] or ''}Email configuration verification"
    message.set_content("Verification successful")
    smtp_class = smtplib.SMTP_SSL if settings["sslOnConnectEnabled"] else smtplib.SMTP
    with smtp_class(host, port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if settings["startTlsEnabled"] and smtp.has_extn("starttls"):
            smtp.starttls()
        elif settings["startTlsRequired"]:
            raise smtplib.SMTPException("the server does not offer STARTTLS")
        if settings["username"]:
            smtp.login(settings["username"], settings["password"] or "")
        smtp.send_message(message)


PERM = "nexus:settings:update"  # unconfirmed which one: nx-admin passes either way
ROUTES = [
    Route("GET", SETTINGS, get_settings, "nexus:settings:read"),
    Route("PUT", SETTINGS, put_settings, PERM),
    Route("DELETE", SETTINGS, delete_settings, PERM),
    Route("POST", VERIFY, verify, PERM),
]
VALID = {"enabled": True, "host": "smtp.example.com", "port": 587, "fromAddress": "nexus@example.com"}
AREA = register(
    Area(
        "email",
        ROUTES,
        store=lambda _: EmailSettings(),
        contract=[
            ("GET", SETTINGS, None, 200),
            ("PUT", SETTINGS, VALID, 204),
            ("POST", VERIFY, "ops@example.com", 200),
            ("DELETE", SETTINGS, None, 204),
        ],
    )
)
