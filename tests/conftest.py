"""Fixtures shared by the whole suite: the Nexus emulator (see tests/nexus_emulator/fixtures.py)."""

pytest_plugins = ["tests.nexus_emulator.fixtures", "tests.live_stack"]
