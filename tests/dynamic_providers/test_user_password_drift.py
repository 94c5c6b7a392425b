"""A robot's password changed outside Pulumi (issue 31, item 6), on the emulator and the real Nexus.

Nexus never returns a password, so the stack cannot compare it; what it can do is log in with it.
A refresh asks one more GET as the user, with the stack's password: 401 means the password was
changed outside Pulumi, the state records that, the next `up` shows the change and sets the
stack's password again. A user Nexus would refuse anyway (disabled) is not asked.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

from dynamic_providers.users import PASSWORD_CHANGED_OUTSIDE, UserProvider
from tests.dynamic_providers.drive import apply, checked, create
from tests.real_nexus.backend import Backend


@pytest.fixture
def user_id(request: pytest.FixtureRequest) -> str:
    """One real Nexus is shared by every test of the session: a user id per test."""
    return "pw-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:6]


def robot(nexus: Backend, user_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "connection": nexus.connection(),
        "adopt": False,
        "user_id": user_id,
        "first_name": user_id,
        "last_name": "robot",
        "email_address": f"{user_id}@example.com",
        "password": "robot-pw-1",
        "roles": ["nx-anonymous"],  # on every Nexus; it may not read users (the probe gets 403)
        **fields,
    }


def can_log_in(nexus: Backend, user: str, password: str) -> bool:
    answer = requests.get(
        f"{nexus.url}/service/rest/v1/security/users",
        params={"userId": user},
        auth=(user, password),
        timeout=30,
    )
    return answer.status_code != 401


def calls(nexus: Backend) -> list[tuple[str, int]]:
    return [(r.method, r.status) for r in nexus.requests()]


def test_a_password_changed_outside_pulumi_is_found_by_refresh_and_set_again(
    nexus: Backend, user_id: str
) -> None:
    provider = UserProvider()
    object_id, outs = create(provider, robot(nexus, user_id))
    try:
        # unchanged: a refresh sees no change, for one more GET (as the user: 403, it may not read users)
        nexus.clear_log()
        read = provider.read(object_id, outs)
        assert read.outs is not None and read.outs["password"] == "robot-pw-1"
        assert calls(nexus) == [("GET", 200), ("GET", 403)]
        assert provider.diff(object_id, read.outs, checked(provider, robot(nexus, user_id))).changes is False

        # someone sets another password in the UI
        changed = nexus.call(
            "PUT", f"/v1/security/users/{user_id}/change-password", "set-by-hand", content_type="text/plain"
        )
        assert changed.status == 204
        assert not can_log_in(nexus, user_id, "robot-pw-1")
        read = provider.read(object_id, outs)
        assert read.outs is not None and read.inputs is not None
        assert read.outs["password"] == read.inputs["password"] == PASSWORD_CHANGED_OUTSIDE
        assert "robot-pw-1" not in str(read.outs)

        # the next `up`: a change, and the stack's password set again through change-password
        nexus.clear_log()
        step, outs = apply(provider, object_id, read.outs, robot(nexus, user_id))
        assert step == "update" and outs["password"] == "robot-pw-1"
        assert nexus.requests("PUT", f"/service/rest/v1/security/users/{user_id}/change-password")
        assert can_log_in(nexus, user_id, "robot-pw-1")
        read = provider.read(object_id, outs)
        assert read.outs is not None and read.outs["password"] == "robot-pw-1"

        # a second refresh before the `up` keeps what the first found, without asking again
        nexus.call(
            "PUT", f"/v1/security/users/{user_id}/change-password", "set-by-hand", content_type="text/plain"
        )
        found = provider.read(object_id, outs).outs
        assert found is not None
        nexus.clear_log()
        again = provider.read(object_id, found).outs
        assert again is not None and again["password"] == PASSWORD_CHANGED_OUTSIDE
        assert calls(nexus) == [("GET", 200)]
    finally:
        provider.delete(object_id, outs)


def test_a_disabled_user_is_not_asked(nexus: Backend, user_id: str) -> None:
    """Nexus refuses a disabled user's login whatever the password: nothing to learn, no probe."""
    provider = UserProvider()
    object_id, outs = create(provider, robot(nexus, user_id, status="disabled"))
    try:
        nexus.clear_log()
        read = provider.read(object_id, outs)
        assert read.outs is not None and read.outs["password"] == "robot-pw-1"
        assert calls(nexus) == [("GET", 200)]
    finally:
        provider.delete(object_id, outs)
