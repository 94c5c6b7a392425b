"""The first run on the real Nexus core: the takeover of a fresh server and the stale admin.password.

The session fixture's takeover is the project's own first run on a server that has just been
started on a new data directory; the other tests put the admin account back in that first-start
state (a generated password in ``admin.password``, status ``changepassword``) on the shared server.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import requests

from dynamic_providers.exceptions import ProviderError
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


def anonymous_repository_list(session: RealNexusSession) -> tuple[int, Any]:
    answer = requests.get(f"{session.server.api_url}/v1/repositories", timeout=30)
    return answer.status_code, answer.json() if answer.content else None


def test_a_fresh_server_has_anonymous_access_on(real_nexus_session: RealNexusSession) -> None:
    """What the emulator mirrors (``anonymous_enabled=True`` by default)."""
    if os.environ.get(ATTACH_VARIABLE):
        pytest.skip("attached to a running Nexus: its first start was not seen by this session")
    assert real_nexus_session.fresh_anonymous == {
        "enabled": True,
        "userId": "anonymous",
        "realmName": "NexusAuthorizingRealm",
    }


def test_a_refusal_leaves_the_fresh_server_closed(real_nexus_session: RealNexusSession) -> None:
    """Issue 30 (item 6): a stack asking for the Docker format of the core is refused, nothing is
    taken over, and anonymous access is off (on a fresh server, as the session's was)."""
    session = real_nexus_session
    anonymous_path = f"{session.server.api_url}/v1/security/anonymous"
    before = requests.get(anonymous_path, auth=("admin", session.admin_password), timeout=30).json()
    generated = session.make_admin_fresh()
    try:
        fresh = {**before, "enabled": True}
        assert (
            requests.put(anonymous_path, json=fresh, auth=("admin", generated), timeout=30).status_code == 200
        )
        status, listed = anonymous_repository_list(session)
        assert status == 200 and {"maven-public", "maven-releases"} <= {r["name"] for r in listed}

        with pytest.raises(ProviderError) as refused:
            FirstRunProvider().create(
                {
                    **first_run_props(session, "stack-pw-4"),
                    "required_features": {"format:docker": "docker.enabled"},
                }
            )
        lines = str(refused.value).splitlines()
        assert lines[0].startswith(
            "nexus-platform:docker.enabled needs the Docker format, which Nexus/3.71.0-06"
        )
        assert lines[1].startswith("Anonymous access was on and has been switched off")
        assert anonymous_repository_list(session) == (200, [])
        content = requests.get(f"{session.server.url}/repository/maven-public/", timeout=30)
        assert content.status_code == 401, content.status_code
        assert requests.get(anonymous_path, auth=("admin", generated), timeout=30).json()["enabled"] is False
        assert logs_in(session, generated) and not logs_in(session, "stack-pw-4")  # not taken over
    finally:
        if logs_in(session, generated):
            session.set_admin_password(generated)
        requests.put(anonymous_path, json=before, auth=("admin", session.admin_password), timeout=30)
