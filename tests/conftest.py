"""Fixtures shared by the whole suite: the Nexus emulator (tests/nexus_emulator/fixtures.py), the
real Nexus with the two-backend ``nexus`` fixture (tests/real_nexus/fixtures.py), the real
OpenLDAP directory (tests/ldap_directory.py) and the images and declared containers of the live
stack (tests/live_stack.py)."""

pytest_plugins = [
    "tests.nexus_emulator.fixtures",
    "tests.real_nexus.fixtures",
    "tests.ldap_directory",
    "tests.live_stack",
]
