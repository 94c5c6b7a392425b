"""One face for the two servers the conformance suite runs on: the emulator and the real Nexus.

A :class:`Backend` gives the providers a connection, lets a test act out of band over REST
(``call``: drift, deletes behind Pulumi's back), counts the requests the providers made, says which
features the server has, and (real Nexus only) puts the server back as it was after each test,
since one real Nexus is shared by the whole session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from dynamic_providers.capabilities import read_capabilities
from dynamic_providers.client import Connection, NexusClient
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator, RequestRecord

ADMIN = "admin"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


class RequestLog(Protocol):
    def requests(self, method: str | None = None, path_prefix: str | None = None) -> list[RequestRecord]: ...
    def count_reads(self, path_prefix: str | None = None) -> int: ...
    def count_writes(self, path_prefix: str | None = None) -> int: ...
    def clear_log(self) -> None: ...


@dataclass
class Backend:
    """``kind`` is 'emulator' or 'real'; ``url`` is where the providers connect."""

    kind: str
    url: str
    admin_password: str
    log: RequestLog
    features: frozenset[str]
    data_dir: str
    emulator: NexusEmulator | None = None
    direct_url: str = ""  # the real server itself, for out-of-band calls that must not be counted
    _baseline: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------ for the providers

    def connection(self, password: str | None = None) -> dict[str, Any]:
        return {
            "url": self.url,
            "username": ADMIN,
            "password": self.admin_password if password is None else password,
            "max_retry_seconds": 5,
        }

    def has(self, feature: str) -> bool:
        return feature in self.features

    # ------------------------------------------------------------ out of band

    def call(
        self, method: str, path: str, body: Any = None, *, content_type: str = "application/json"
    ) -> Answer:
        """An admin call that the request log does not see (``path`` like ``/v1/repositories``)."""
        if self.emulator is not None:
            response = self.emulator.call(method, path, body, content_type=content_type)
            # a text/plain answer (e.g. a 500) as its text, as the real server's below
            return Answer(response.status, response.body if response.text is None else response.text)
        data = None
        if body is not None:
            data = body if isinstance(body, str) and content_type != "application/json" else json.dumps(body)
        answer = requests.request(
            method,
            f"{self.direct_url}/service/rest{path}",
            data=data,
            headers={"Content-Type": content_type, "Accept": "application/json"},
            auth=(ADMIN, self.admin_password),
            timeout=60,
        )
        try:
            parsed = answer.json() if answer.content else None
        except ValueError:
            parsed = answer.text
        return Answer(answer.status_code, parsed)

    def get(self, path: str) -> Any:
        answer = self.call("GET", path)
        assert answer.status == 200, (path, answer.status, answer.body)
        return answer.body

    # ------------------------------------------------------------ the request log

    def count_reads(self, path_prefix: str | None = None) -> int:
        return self.log.count_reads(path_prefix)

    def count_writes(self, path_prefix: str | None = None) -> int:
        return self.log.count_writes(path_prefix)

    def requests(self, method: str | None = None, path_prefix: str | None = None) -> list[RequestRecord]:
        return self.log.requests(method, path_prefix)

    def clear_log(self) -> None:
        self.log.clear_log()

    # ------------------------------------------------------------ sharing one real server

    def remember(self) -> None:
        """Record what exists now, so :meth:`restore` can remove what a test added."""
        self._baseline = self._inventory()

    def _inventory(self) -> dict[str, Any]:
        return {
            "repositories": {r["name"] for r in self.get("/v1/repositories")},
            "blobstores": {b["name"] for b in self.get("/v1/blobstores")},
            "roles": {r["id"] for r in self.get("/v1/security/roles")},
            "users": {u["userId"] for u in self.get("/v1/security/users")},
            "privileges": {p["name"] for p in self.get("/v1/security/privileges") if not p["readOnly"]},
            "selectors": {s["name"] for s in self.get("/v1/security/content-selectors")},
            "realms": self.get("/v1/security/realms/active"),
            "anonymous": self.get("/v1/security/anonymous"),
            "routing rules": {r["name"] for r in self.get("/v1/routing-rules")},
            "certificates": {c["id"] for c in self.get("/v1/security/ssl/truststore")},
            # a null username reads back "" once settings were written (3.71.0-06)
            "email": {**self.get("/v1/email"), "username": self.get("/v1/email")["username"] or ""},
        }

    def restore(self) -> None:
        """Delete what a test created (groups before members, repositories before blob stores and
        routing rules, privileges before content selectors) and put realms, anonymous access and
        the mail settings back."""
        now = self._inventory()
        base = self._baseline
        repositories = {r["name"]: r for r in self.get("/v1/repositories")}
        extra = [name for name in now["repositories"] - base["repositories"]]
        for name in sorted(extra, key=lambda n: repositories.get(n, {}).get("type") != "group"):
            self.call("DELETE", f"/v1/repositories/{name}")
        for rule in now["routing rules"] - base["routing rules"]:  # once no repository uses it
            self.call("DELETE", f"/v1/routing-rules/{rule}")
        for certificate in now["certificates"] - base["certificates"]:
            self.call("DELETE", f"/v1/security/ssl/truststore/{certificate}")
        if now["email"] != base["email"]:
            self.call("PUT", "/v1/email", base["email"])
        for name in now["blobstores"] - base["blobstores"]:
            self.call("DELETE", f"/v1/blobstores/{name}")
        for user in now["users"] - base["users"]:
            self.call("DELETE", f"/v1/security/users/{user}")
        for _ in range(3):  # roles may contain each other: a few rounds
            for role in sorted(set(self._inventory()["roles"]) - base["roles"]):
                self.call("DELETE", f"/v1/security/roles/{role}")
        # privileges before the content selectors they use (a selector in use cannot be deleted)
        for privilege in set(self._inventory()["privileges"]) - base["privileges"]:
            self.call("DELETE", f"/v1/security/privileges/{privilege}")
        for selector in now["selectors"] - base["selectors"]:
            self.call("DELETE", f"/v1/security/content-selectors/{selector}")
        self.call("PUT", "/v1/security/realms/active", base["realms"])
        self.call("PUT", "/v1/security/anonymous", base["anonymous"])
        left = self._inventory()
        assert {k: left[k] for k in base} == base, "the real Nexus could not be put back as it was"


def server_features(url: str, password: str) -> frozenset[str]:
    """What the server offers, as the project's own capability read sees it (tested on its own)."""
    with NexusClient(Connection(url=url, username=ADMIN, password=password)) as client:
        return read_capabilities(client).features


def emulator_backend(emulator: NexusEmulator) -> Backend:
    emulator.reset(state=False)
    features = server_features(emulator.url, TEST_ADMIN_PASSWORD)
    emulator.clear_log()
    return Backend(
        kind="emulator",
        url=emulator.url,
        admin_password=TEST_ADMIN_PASSWORD,
        log=emulator,
        features=features,
        data_dir="/nexus-data",
        emulator=emulator,
    )
