"""The first run on the real Nexus core: the takeover of a fresh server and the stale admin.password.

The session fixture's takeover is the project's own first run on a server that has just been
started on a new data directory; the other tests put the admin account back in that first-start
state (a generated password in ``admin.password``, status ``changepassword``) on the shared server.
"""

from __future__ import annotations

import os
import uuid

import pytest
import requests

from dynamic_providers.first_run import FirstRunProvider
from tests.real_nexus.fixtures import ATTACH_VARIABLE, RealNexusSession

pytestmark = pytest.mark.real_nexus


def logs_in(session: RealNexusSession, password: str) -> bool:
    answer = requests.get(
        f"{session.server.api_url}/v1/security/users",
        params={"userId": "admin"},
        auth=("admin", password),
        timeout=30,
    )
    return answer.status_code == 200


def first_run_props(session: RealNexusSession, password: str) -> dict[str, object]:
    return {
        "url": session.server.url,
        "admin_password": password,
        "data_dir": str(session.server.data_dir),
        "wait_timeout_seconds": 60,
    }


def test_the_fresh_server_was_taken_over(real_nexus_session: RealNexusSession) -> None:
    if os.environ.get(ATTACH_VARIABLE):
        pytest.skip("attached to a running Nexus: its first start was not seen by this session")
    session = real_nexus_session
    assert session.generated_password is not None and uuid.UUID(session.generated_password)
    assert session.takeover["admin_takeover"] == "generated"
    assert session.takeover["capabilities"]["edition"] == "OSS"
    assert not session.password_file_after_takeover  # Nexus deleted it when the password changed
    assert logs_in(session, session.admin_password) and not logs_in(session, session.generated_password)


def test_takeover_then_rerun_then_rotation(real_nexus_session: RealNexusSession) -> None:
    session = real_nexus_session
    generated = session.make_admin_fresh()
    assert session.server.password_file.read_text() == generated
    provider = FirstRunProvider()
    try:
        created = provider.create(first_run_props(session, "stack-pw-1"))
        assert created.outs is not None and created.outs["admin_takeover"] == "generated"
        assert created.outs["version"] == "3.71.0-06" and created.outs["eula_accepted"] is None
        assert logs_in(session, "stack-pw-1") and not logs_in(session, generated)
        user = requests.get(
            f"{session.server.api_url}/v1/security/users",
            params={"userId": "admin"},
            auth=("admin", "stack-pw-1"),
            timeout=30,
        ).json()[0]
        assert user["status"] == "active"

        rerun = provider.update("nexus-first-run", dict(created.outs), first_run_props(session, "stack-pw-1"))
        assert rerun.outs is not None and rerun.outs["admin_takeover"] == "unchanged"

        rotated = provider.update("nexus-first-run", dict(rerun.outs), first_run_props(session, "stack-pw-2"))
        assert rotated.outs is not None and rotated.outs["admin_takeover"] == "rotated"
        assert logs_in(session, "stack-pw-2") and not logs_in(session, "stack-pw-1")
    finally:
        for password in ("stack-pw-2", "stack-pw-1"):
            if logs_in(session, password):
                session.set_admin_password(password)


def test_a_stale_admin_password_file_is_removed(real_nexus_session: RealNexusSession) -> None:
    """Nexus writes a new, unusable admin.password at a restart after the takeover; the next first
    run removes it and says where the admin password is (a restart is stood in for by the file)."""
    session = real_nexus_session
    session.make_admin_fresh()
    lines: list[str] = []

    class Collecting(FirstRunProvider):
        def report(self, message: str) -> None:
            lines.append(message)

    provider = Collecting()
    try:
        created = provider.create(first_run_props(session, "stack-pw-3"))
        assert created.outs is not None and created.outs["password_file"] in ("absent", "removed")
        stale = str(uuid.uuid4())
        session.server.password_file.write_text(stale, encoding="utf-8")  # what a restart leaves
        # The next first run (a new container id after an upgrade, say) finds it and removes it.
        rerun = provider.update(
            "nexus-first-run",
            dict(created.outs),
            {**first_run_props(session, "stack-pw-3"), "server_revision": "2"},
        )
        assert rerun.outs is not None and rerun.outs["admin_takeover"] == "unchanged"
        assert rerun.outs["password_file"] == "removed"
        assert not session.server.password_file.exists()
        assert any("removed the stale" in line and "nexus-platform:adminPassword" in line for line in lines)
        assert not any(stale in line or "stack-pw" in line for line in lines)  # no secret in the output
    finally:
        for password in ("stack-pw-3",):
            if logs_in(session, password):
                session.set_admin_password(password)
