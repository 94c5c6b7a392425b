"""pytest fixtures: one real Nexus for the whole session, and the two-backend ``nexus`` fixture.

``real_nexus_session`` starts the real core once (fetched and cached by ``scripts/fetch-nexus``),
lets the project's own first run take the fresh server over (the facts of that takeover are kept
for a test to assert), and puts a recording proxy in front of it. Where it cannot start, the tests
that need it are skipped with the reason, except in CI (``CI`` set), where that is a failure.

``nexus`` runs a test twice: on the emulator (a fresh one) and on the real Nexus (shared, put back
as it was after the test). Tests of kinds the core lacks ask ``backend.has(feature)`` and skip on
that backend with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
import requests

from dynamic_providers.first_run import FirstRunProvider
from tests.layers import unavailable
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator
from tests.real_nexus.backend import ADMIN, Backend, emulator_backend, server_features
from tests.real_nexus.recorder import RecordingProxy
from tests.real_nexus.server import RealNexus, RealNexusUnavailableError, fetch_distribution

REAL_ADMIN_PASSWORD = "real-nexus-test-pw"


@dataclass
class RealNexusSession:
    server: RealNexus
    proxy: RecordingProxy
    admin_password: str
    features: frozenset[str]
    generated_password: str | None  # what admin.password held on the fresh server
    takeover: dict[str, Any]  # the first run's outputs on the fresh server
    password_file_after_takeover: bool
    fresh_anonymous: dict[str, Any]  # the fresh server's anonymous settings (the takeover keeps them)

    def backend(self) -> Backend:
        return Backend(
            kind="real",
            url=self.proxy.url,  # the providers' requests are counted
            admin_password=self.admin_password,
            log=self.proxy,
            features=self.features,
            data_dir=str(self.server.data_dir),
            direct_url=self.server.url,
        )

    def make_admin_fresh(self) -> str:
        """Put the admin account back in its first-start state: a new generated password in
        ``admin.password`` and status ``changepassword``, as Nexus leaves it on a new data dir.
        Returns the generated password. (What a takeover test needs on a shared server.)"""
        generated = str(uuid.uuid4())
        api = self.server.api_url
        auth = (ADMIN, self.admin_password)
        user = requests.get(
            f"{api}/v1/security/users", params={"userId": ADMIN}, auth=auth, timeout=30
        ).json()[0]
        answer = requests.put(
            f"{api}/v1/security/users/{ADMIN}/change-password",
            data=generated,
            headers={"Content-Type": "text/plain"},
            auth=auth,
            timeout=30,
        )
        assert answer.status_code == 204, answer.text
        user["status"] = "changepassword"
        answer = requests.put(
            f"{api}/v1/security/users/{ADMIN}", json=user, auth=(ADMIN, generated), timeout=30
        )
        assert answer.status_code == 204, answer.text
        self.server.password_file.write_text(generated, encoding="utf-8")
        return generated

    def set_admin_password(self, password: str) -> None:
        """After a test changed it (e.g. a takeover to another password): the session's again."""
        if password == self.admin_password:
            return
        answer = requests.put(
            f"{self.server.api_url}/v1/security/users/{ADMIN}/change-password",
            data=self.admin_password,
            headers={"Content-Type": "text/plain"},
            auth=(ADMIN, password),
            timeout=30,
        )
        assert answer.status_code == 204, answer.text


def real_nexus_unavailable(reason: str) -> NoReturn:
    unavailable(f"no real Nexus here (required in CI): {reason}")


# For working on the tests: attach to a real Nexus already running (``http://127.0.0.1:PORT,DATA_DIR``)
# instead of starting one (a start takes a minute or more). Its admin password must be the test's
# or still the generated one.
ATTACH_VARIABLE = "NEXUS_PLATFORM_REAL_NEXUS"


def _start_or_attach(tmp_path_factory: pytest.TempPathFactory) -> RealNexus:
    attach = os.environ.get(ATTACH_VARIABLE)
    if attach:
        url, data_dir = attach.split(",", 1)
        return RealNexus(home=Path("."), data_dir=Path(data_dir), port=int(url.rsplit(":", 1)[1]))
    home = fetch_distribution()
    return RealNexus(home=home, data_dir=tmp_path_factory.mktemp("real-nexus") / "data").start()


@pytest.fixture(scope="session")
def real_nexus_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealNexusSession]:
    try:
        server = _start_or_attach(tmp_path_factory)
    except RealNexusUnavailableError as error:
        real_nexus_unavailable(str(error))
        raise  # unreachable: real_nexus_unavailable() fails or skips
    try:
        generated = server.generated_password()
        # The project's own first run takes the fresh server over, as `pulumi up` does.
        created = FirstRunProvider().create(
            {
                "url": server.url,
                "admin_password": REAL_ADMIN_PASSWORD,
                "data_dir": str(server.data_dir),
                "wait_timeout_seconds": 120,
            }
        )
        fresh_anonymous = requests.get(
            f"{server.api_url}/v1/security/anonymous", auth=(ADMIN, REAL_ADMIN_PASSWORD), timeout=30
        ).json()
        proxy = RecordingProxy(server.url)
        session = RealNexusSession(
            server=server,
            proxy=proxy,
            admin_password=REAL_ADMIN_PASSWORD,
            features=server_features(server.url, REAL_ADMIN_PASSWORD),
            generated_password=generated,
            takeover=dict(created.outs or {}),
            password_file_after_takeover=server.password_file.exists(),
            fresh_anonymous=fresh_anonymous,
        )
        try:
            yield session
        finally:
            proxy.close()
    finally:
        server.stop()


@pytest.fixture(params=["emulator", pytest.param("real", marks=pytest.mark.real_nexus)])
def nexus(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The conformance backend: each test runs on the emulator and on the real Nexus."""
    if request.param == "emulator":
        emulator = NexusEmulator(admin_password=TEST_ADMIN_PASSWORD).start()
        try:
            yield emulator_backend(emulator)
        finally:
            emulator.stop()
        return
    session: RealNexusSession = request.getfixturevalue("real_nexus_session")
    backend = session.backend()
    backend.remember()
    backend.clear_log()
    try:
        yield backend
    finally:
        backend.restore()


def needs(backend: Backend, feature: str, why: str) -> None:
    """Skip on a backend without ``feature`` (the open-source core has no Docker, LDAP, ...)."""
    if not backend.has(feature):
        pytest.skip(f"{backend.kind} Nexus has no {feature}: {why}")
