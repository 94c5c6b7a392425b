"""Fixtures shared by the component tests."""

from __future__ import annotations

import pytest

from tests.components import mocks as m


@pytest.fixture
def mocks() -> m.RecordingMocks:
    """Fresh recording Pulumi mocks: ``set_mocks`` is process-global, so each test installs its own."""
    return m.install()
