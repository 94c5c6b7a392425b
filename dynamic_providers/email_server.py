"""The email server Nexus sends its mail through (``/v1/email``: password resets, task alerts), a
singleton. Deleting it disables mail: ``DELETE /v1/email`` (Nexus's "disable and clear", which
drops the stored password too), then what a fresh Nexus holds is written back. With ``verify_to``,
Nexus sends a test mail there after each write of the settings, so only when they change.

The SMTP password is write-only: Nexus never returns it (its GET answers ``"password": null``),
so it is carried from the inputs into the state (secret there).

The test mail (``POST /v1/email/verify``) is never sent by a preview, a refresh or an ``up`` with
no change. Nexus verifies what it has stored, so the check can only follow the write: a
failure fails the ``up`` naming the address and Nexus's reason, with the settings already in
Nexus (the next ``up`` writes and verifies them again). What the real core answers:
docs/nexus-behaviour.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusResource, SingletonProvider, Spec, calls
from dynamic_providers.client import NexusClient
from dynamic_providers.exceptions import ProviderError

SETTINGS_PATH = "/v1/email"
VERIFY_PATH = "/v1/email/verify"
#: What Nexus's bean validation takes as a well-formed address, roughly: one @, no spaces.
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")

# spec field -> API field, for every field sent and read back as is.
API_FIELDS: dict[str, str] = {
    "enabled": "enabled",
    "host": "host",
    "port": "port",
    "username": "username",
    "from_address": "fromAddress",
    "subject_prefix": "subjectPrefix",
    "start_tls_enabled": "startTlsEnabled",
    "start_tls_required": "startTlsRequired",
    "ssl_on_connect_enabled": "sslOnConnectEnabled",
    "ssl_server_identity_check_enabled": "sslServerIdentityCheckEnabled",
    "use_trust_store": "nexusTrustStoreEnabled",
}
# Read as "" when Nexus answers null (what it holds after a DELETE, or a field never set).
_TEXT_FIELDS = ("host", "username", "from_address", "subject_prefix")


def check_address(value: str) -> str:
    """An e-mail address as Nexus takes it (it refuses the settings otherwise)."""
    if not _ADDRESS.match(value):
        raise ValueError(f"'{value}' is not an e-mail address such as nexus@example.com")
    return value


class EmailServerSpec(Spec):
    enabled: bool = False
    host: str = "localhost"
    # 0 is what Nexus holds once cleared; a write needs 1..65535 (validate_extra)
    port: int = pydantic.Field(25, ge=0, le=65535)
    username: str = ""
    password: str | None = pydantic.Field(None, repr=False)  # write-only
    from_address: str = "nexus@example.org"
    subject_prefix: str = ""
    start_tls_enabled: bool = False
    start_tls_required: bool = False
    ssl_on_connect_enabled: bool = False
    ssl_server_identity_check_enabled: bool = False
    use_trust_store: bool = False  # trust the certificates of Nexus's own trust store
    #: Where Nexus sends a test mail after each write (not a Nexus setting; None: no test mail).
    verify_to: str | None = None

    @pydantic.field_validator("verify_to")
    @classmethod
    def _verify_to(cls, value: str | None) -> str | None:
        return value if value is None else check_address(value)


def to_api(spec: EmailServerSpec) -> dict[str, Any]:
    body = {api: getattr(spec, field) for field, api in API_FIELDS.items()}
    # No prefix is null, as on a fresh server (Nexus keeps "" as ""; a null username reads "").
    return {**body, "subjectPrefix": spec.subject_prefix or None, "password": spec.password}


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    fields = {field: body.get(api) for field, api in API_FIELDS.items()}
    for name in _TEXT_FIELDS:
        fields[name] = fields[name] or ""
    fields["port"] = fields["port"] or 0
    fields["verify_to"] = previous.get("verify_to")  # the stack's, not Nexus's
    return fields


class EmailServerProvider(SingletonProvider[EmailServerSpec], mappers=(to_api, from_api)):
    kind = "email server"
    api = Api(item=SETTINGS_PATH)
    singleton_id = "email-server"
    default = EmailServerSpec()  # what a fresh Nexus holds: off, localhost:25
    write_only_fields = ("password",)

    def validate_extra(self, spec: EmailServerSpec) -> list[tuple[str, str]]:
        problems = []
        if not 1 <= spec.port <= 65535:
            problems.append(("port", f"{spec.port} is not a port (1 to 65535)"))
        if not spec.host:
            problems.append(("host", "is required (the SMTP server's host name)"))
        try:
            check_address(spec.from_address)
        except ValueError as error:
            problems.append(("from_address", str(error)))
        if spec.start_tls_required and not spec.start_tls_enabled:
            problems.append(("start_tls_required", "needs STARTTLS enabled as well"))
        if spec.verify_to and not spec.enabled:
            problems.append(("verify_to", "a test mail needs the settings enabled"))
        return problems

    @calls("update_body", "PUT {item}", f"POST {VERIFY_PATH} (with verify_to)")
    def update_object(self, client: NexusClient, object_id: str, spec: EmailServerSpec) -> None:
        super().update_object(client, object_id, spec)
        if spec.verify_to:
            self._verify(client, spec.verify_to)

    def _verify(self, client: NexusClient, address: str) -> None:
        # Nexus answers 200 with success false when the mail cannot be sent (the API document
        # says 400; the real core answers 200), and 400 for an address it cannot parse.
        answer = client.request("POST", VERIFY_PATH, text_body=address, ok=(200, 400)).json()
        if not answer.get("success"):
            reason = answer.get("reason") or answer.get("message") or "no reason given"
            raise ProviderError(
                f"email server: Nexus could not send the test mail to '{address}' (verify_to, "
                f"stack config email.verifyTo): {reason}. The settings are written in Nexus; "
                "correct them (or the address) and run `pulumi up` again."
            )

    @calls("DELETE {item}", "update_body", "PUT {item}")
    def restore_default(self, client: NexusClient, props: Mapping[str, Any]) -> None:
        # DELETE disables mail and clears everything, the stored password too; then the settings
        # a fresh Nexus has are written back.
        client.delete(SETTINGS_PATH)
        super().update_object(client, self.singleton_id, self.default)  # no test mail


class EmailServer(NexusResource[EmailServerSpec]):
    """The email server settings, as components declare it."""
