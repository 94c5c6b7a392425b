"""The emulated server's state as tests build it: every area of ``areas/`` with its store."""

from __future__ import annotations

from . import areas, features
from .core import ServerState, Startup

DEFAULT_EDITION = features.DEFAULT_EDITION
DEFAULT_VERSION = features.default_version(DEFAULT_EDITION)
DEFAULT_DATA_DIR = "/nexus-data"
EDITIONS = features.EDITIONS


class NexusState(ServerState):
    def __init__(
        self,
        *,
        admin_password: str,
        admin_status: str = "active",
        data_dir: str = DEFAULT_DATA_DIR,
        version: str | None = None,
        edition: str = DEFAULT_EDITION,
        anonymous_enabled: bool = True,
    ) -> None:
        super().__init__(
            areas.load(),
            Startup(admin_password, admin_status, anonymous_enabled),
            data_dir=data_dir,
            version=version,
            edition=edition,
        )
