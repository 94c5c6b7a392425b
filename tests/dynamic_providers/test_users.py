"""The users kind: request bodies and read-back mapping."""

from __future__ import annotations

from dynamic_providers import users


def test_user_bodies_never_carry_the_password_on_update() -> None:
    spec = users.UserSpec(
        user_id="ci",
        first_name="ci",
        last_name="robot",
        email_address="ci@example.com",
        password="pw",
        roles=("b", "a"),
    )
    assert users.to_api(spec, with_password=True)["password"] == "pw"
    update = users.to_api(spec, with_password=False)
    assert "password" not in update and update["roles"] == ["a", "b"] and update["source"] == "default"
    assert "pw" not in repr(spec)
    read = users.from_api({**update, "status": "LOCKED", "externalRoles": []})
    assert read["status"] == "locked"  # a drift from 'active' that the next up puts back
