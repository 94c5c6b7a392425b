"""The whole emulated server state, one object per API area, plus the snapshot used by tests."""

from __future__ import annotations

import threading
from typing import Any

from . import features
from .blobstores import BlobStores
from .cleanup import CleanupPolicies
from .repositories import Repositories
from .security import Security
from .tasks import Tasks

DEFAULT_EDITION = features.DEFAULT_EDITION
DEFAULT_VERSION = features.default_version(DEFAULT_EDITION)
DEFAULT_DATA_DIR = "/nexus-data"
EDITIONS = features.EDITIONS


class NexusState:
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
        self.lock = threading.RLock()
        self.edition = features.check_edition(edition)
        self.version = version or features.default_version(edition)
        features.parse_version(self.version)
        self.data_dir = data_dir
        self.writable = True
        self.eula_accepted = False
        self.blobstores = BlobStores(data_dir)
        self.repositories = Repositories()
        self.security = Security(admin_password, admin_status, anonymous_enabled, self.offers)
        self.tasks = Tasks()
        self.cleanup = CleanupPolicies()

    def set_version(self, version: str | None, edition: str | None = None) -> None:
        if edition:
            self.edition = features.check_edition(edition)
        if version:
            features.parse_version(version)
            self.version = version

    def offers(self, feature: str) -> bool:
        """Does this server (its edition and version) offer ``feature`` (see ``features.py``)?"""
        return features.offers(self.edition, self.version, feature)

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
