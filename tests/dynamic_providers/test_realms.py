"""The realms kind: the active realms, in order."""

from __future__ import annotations

from dynamic_providers.realms import RealmsSpec, active_realms


def test_realms_order_is_kept() -> None:
    assert active_realms(ldap=True) == ("NexusAuthenticatingRealm", "LdapRealm", "DockerToken")
    assert active_realms(ldap=False) == ("NexusAuthenticatingRealm", "DockerToken")
    assert RealmsSpec(realms=("DockerToken", "NexusAuthenticatingRealm")).realms[0] == "DockerToken"
