"""Fixtures shared by the whole suite: the Nexus emulator (tests/nexus_emulator/fixtures.py), the
real Nexus with the two-backend ``nexus`` fixture (tests/real_nexus/fixtures.py), the real
OpenLDAP directory (tests/ldap_directory.py), the real S3 server (tests/s3_server.py) and the
images and declared containers of the live stack (tests/live_stack.py); and the layer markers
(tests/layers.py: ``pytest -m unit`` etc.), put on each test here from where it lives and what it
uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from dynamic_providers.client import KEPT_LISTINGS
from tests.layers import layers

pytest_plugins = [
    "tests.nexus_emulator.fixtures",
    "tests.real_nexus.fixtures",
    "tests.ldap_directory",
    "tests.s3_server",
    "tests.live_stack",
    "tests.smtp_sink",
]

TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def no_kept_listings() -> None:
    """Each test starts as a provider process does, with no listing kept (dynamic_providers/client.py):
    one kept by an earlier test against the same server would hide what this one changed."""
    KEPT_LISTINGS.clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path)).resolve()
        parts = path.relative_to(TESTS).parts if path.is_relative_to(TESTS) else (path.name,)
        fixtures = getattr(item, "fixturenames", ())
        marks = [mark.name for mark in item.iter_markers()]
        for layer in sorted(layers(parts, fixtures, marks) - set(marks)):
            item.add_marker(getattr(pytest.mark, layer))
