"""The anonymous-access kind: the user update body."""

from __future__ import annotations

from dynamic_providers.anonymous import user_update_body


def test_anonymous_user_update_keeps_the_user() -> None:
    user = {
        "userId": "anonymous",
        "firstName": "Anonymous",
        "lastName": "User",
        "emailAddress": "a@b",
        "source": "default",
        "status": "active",
        "readOnly": False,
        "roles": ["nx-anonymous"],
        "externalRoles": [],
    }
    assert user_update_body(user, ("docker-pull",)) == {
        **{k: v for k, v in user.items() if k != "externalRoles"},
        "roles": ["docker-pull"],
    }
