"""Fixtures shared by the whole suite: the Nexus emulator (tests/nexus_emulator/fixtures.py) and
the real Nexus with the two-backend ``nexus`` fixture (tests/real_nexus/fixtures.py)."""

pytest_plugins = ["tests.nexus_emulator.fixtures", "tests.real_nexus.fixtures"]
