"""An emulator of the Sonatype Nexus Repository 3 REST API (3.93), for tests.

See ``emulator.NexusEmulator`` (Python API), ``control_api`` (HTTP knobs under /__emulator),
``fixtures`` (pytest fixture) and ``__main__`` (CLI).
"""

from .areas.system import EULA_DISCLAIMER
from .controls import RequestRecord
from .emulator import DEFAULT_ADMIN_PASSWORD, NexusEmulator
from .errors import Response
from .state import NexusState

TEST_ADMIN_PASSWORD = "admin-test-pw"

__all__ = [
    "DEFAULT_ADMIN_PASSWORD",
    "EULA_DISCLAIMER",
    "TEST_ADMIN_PASSWORD",
    "NexusEmulator",
    "NexusState",
    "RequestRecord",
    "Response",
]
