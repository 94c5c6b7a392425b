"""The whole emulated server state, one object per API area, plus the snapshot used by tests."""

from __future__ import annotations

import threading
from typing import Any

from .blobstores import BlobStores
from .cleanup import CleanupPolicies
from .repositories import Repositories
from .security import Security
from .tasks import Tasks

DEFAULT_VERSION = "3.93.2-01"
DEFAULT_EDITION = "COMMUNITY"
DEFAULT_DATA_DIR = "/nexus-data"
EDITIONS = ("COMMUNITY", "PRO", "OSS")


class NexusState:
    def __init__(
        self,
        *,
        admin_password: str,
        admin_status: str = "active",
        data_dir: str = DEFAULT_DATA_DIR,
        version: str = DEFAULT_VERSION,
        edition: str = DEFAULT_EDITION,
        anonymous_enabled: bool = True,
    ) -> None:
        if edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}")
        self.lock = threading.RLock()
        self.version = version
        self.edition = edition
        self.data_dir = data_dir
        self.writable = True
        self.eula_accepted = False
        self.blobstores = BlobStores(data_dir)
        self.repositories = Repositories()
        self.security = Security(admin_password, admin_status, anonymous_enabled)
        self.tasks = Tasks()
        self.cleanup = CleanupPolicies()

    def snapshot(self) -> dict[str, Any]:
        """Everything configurable through the REST API, as plain data (no secrets of users)."""
        with self.lock:
            return {
                "eulaAccepted": self.eula_accepted,
                "blobStores": self.blobstores.snapshot(),
                "repositories": self.repositories.snapshot(),
                "security": self.security.snapshot(),
                "tasks": self.tasks.snapshot(),
                "cleanupPolicies": self.cleanup.snapshot(),
            }
