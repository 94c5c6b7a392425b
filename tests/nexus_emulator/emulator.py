"""``NexusEmulator``: start/stop an emulated Nexus on a loopback port and drive its knobs."""

from __future__ import annotations

import os
import sys
import threading
import uuid
from typing import Any

from .app import NexusApp
from .areas.repositories import seed_default_repositories
from .areas.security import Security
from .areas.tasks import seed_system_tasks
from .controls import Controls, RequestRecord
from .errors import Response
from .server import NexusHTTPServer, serve_in_thread
from .state import DEFAULT_DATA_DIR, DEFAULT_EDITION, NexusState

DEFAULT_ADMIN_PASSWORD = "admin123"
"""Nexus's non-random default (``nexus.security.randompassword=false``)."""


class NexusEmulator:
    """An emulated Nexus Repository 3 REST API.

    ``admin_password`` given: admin has that password and is ``active``.  ``data_dir`` given
    without a password: first-start behaviour, a random UUID is written (no newline) to
    ``<data_dir>/admin.password`` and admin is in status ``changepassword``.  Neither given:
    the password is ``admin123``.  ``default_repositories`` seeds the Maven repositories a fresh
    Nexus creates (maven-releases, maven-snapshots, maven-central, maven-public) and
    ``system_tasks`` the two tasks a fresh 3.71 core has.  ``edition`` (``OSS``, ``CORE``,
    ``COMMUNITY``, ``PRO``) and ``version`` (default: per edition, ``features.DEFAULT_VERSIONS``)
    select what the server offers (``features.py``). ``light`` is for the benchmark only: no
    schema validation of request bodies and a request log of counts only.
    """

    def __init__(
        self,
        *,
        admin_password: str | None = None,
        data_dir: str | None = None,
        version: str | None = None,
        edition: str = DEFAULT_EDITION,
        startup_seconds: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        anonymous_enabled: bool = True,
        default_repositories: bool = False,
        system_tasks: bool = False,
        light: bool = False,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.data_dir = data_dir
        self.startup_seconds = startup_seconds
        self._init = {
            "admin_password": admin_password,
            "version": version,
            "edition": edition,
            "anonymous_enabled": anonymous_enabled,
            "default_repositories": default_repositories,
            "system_tasks": system_tasks,
        }
        self.controls = Controls()
        # light: the benchmark's mode (no schema validation, counts instead of request records);
        # every test keeps the default.
        self.controls.keep_records = not light
        self.app = NexusApp(self._new_state, self.controls, validate=not light)
        self._server: NexusHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _new_state(self) -> NexusState:
        password = self._init["admin_password"]
        status = "active"
        password_file = None
        if password is None and self.data_dir is not None:
            password, status = str(uuid.uuid4()), "changepassword"
            os.makedirs(self.data_dir, exist_ok=True)
            password_file = os.path.join(self.data_dir, "admin.password")
            with open(password_file, "w", encoding="utf-8") as fh:
                fh.write(password)  # no trailing newline, like AdminPasswordFileManagerImpl
        state = NexusState(
            admin_password=str(password or DEFAULT_ADMIN_PASSWORD),
            admin_status=status,
            data_dir=self.data_dir or DEFAULT_DATA_DIR,
            version=None if self._init["version"] is None else str(self._init["version"]),
            edition=str(self._init["edition"]),
            anonymous_enabled=bool(self._init["anonymous_enabled"]),
        )
        state.security.admin_password_file = password_file
        if self._init["default_repositories"]:
            seed_default_repositories(state)
        if self._init["system_tasks"]:
            seed_system_tasks(state.tasks)
        return state

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> NexusEmulator:
        """Listen (returns once the socket accepts connections); 503 for ``startup_seconds``."""
        if self._server is not None:
            raise RuntimeError("already started")
        if self.startup_seconds:
            self.controls.set_starting(self.startup_seconds)
        self._server = NexusHTTPServer((self.host, self.requested_port), self.app)
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Blocking variant used by the CLI."""
        if self.startup_seconds:
            self.controls.set_starting(self.startup_seconds)
        self._server = NexusHTTPServer((self.host, self.requested_port), self.app)
        print(f"nexus emulator listening on {self.url}", file=sys.stderr, flush=True)
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def restart(self) -> None:
        """What a restart of Nexus does to the data dir: the state is kept, and when
        ``admin.password`` is gone (changing the admin password deletes it) a new random one is
        written, which does NOT authenticate (the admin password itself is unchanged)."""
        sec = self.state.security
        if self.data_dir is None or sec.admin_password_file is None:
            return
        if not os.path.exists(sec.admin_password_file):
            with open(sec.admin_password_file, "w", encoding="utf-8") as fh:
                fh.write(str(uuid.uuid4()))
        if self.startup_seconds:
            self.controls.set_starting(self.startup_seconds)

    def __enter__(self) -> NexusEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. ``http://127.0.0.1:PORT`` (the API is under /service/rest)."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/service/rest"

    # -- state ----------------------------------------------------------------------------------------
    @property
    def state(self) -> NexusState:
        return self.app.state

    @property
    def admin_password(self) -> str:
        return self.state.store(Security).users["admin"].password

    @property
    def admin_password_file(self) -> str | None:
        return self.state.store(Security).admin_password_file

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def call(
        self, method: str, path: str, body: Any = None, *, content_type: str = "application/json"
    ) -> Response:
        """Out-of-band API call as admin (``path`` like ``/v1/repositories``): not logged, no faults."""
        return self.app.call(method, path, body, content_type=content_type, base_url=self._base_url())

    def _base_url(self) -> str:
        return self.url if self._server is not None else "http://localhost:8081"

    def reset(self, *, state: bool = True) -> None:
        """Clear knobs and the request log; with ``state`` also restore the initial server state."""
        self.controls.reset()
        self.controls.clear_log()
        if state:
            self.app.reset_state()

    # -- knobs --------------------------------------------------------------------------------------------
    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        message: str = "injected failure",
    ) -> None:
        """The next ``count`` matching requests answer ``status`` (503 empty, or 500 text with
        ``message``) unprocessed."""
        self.controls.fail_next(count, status, method, path_prefix, message)

    def set_latency(self, seconds: float) -> None:
        self.controls.latency = seconds

    def drop_next_write(
        self, count: int = 1, *, method: str | None = None, path_prefix: str | None = None
    ) -> None:
        """Apply the next matching write(s), then close the connection without answering."""
        self.controls.drop_next_write(count, method, path_prefix)

    def set_starting(self, seconds: float | None = None) -> None:
        """Every path answers 503 (empty) for ``seconds``, or until :meth:`set_ready`."""
        self.controls.set_starting(seconds)

    def set_ready(self) -> None:
        self.controls.set_ready()

    def set_writable(self, writable: bool) -> None:
        """``False``: /v1/status/writable answers 503 and writes fail with 503 (read-only mode)."""
        self.state.writable = writable

    def set_version(self, version: str, edition: str | None = None) -> None:
        """Report another version (and edition): what the server offers follows (``features.py``)."""
        self.state.set_version(version, edition)

    def set_task_running(self, task_id: str, running: bool = True) -> None:
        with self.state.lock:
            self.state.tasks.set_running(task_id, running)

    # -- request log ----------------------------------------------------------------------------------------
    @property
    def request_log(self) -> list[RequestRecord]:
        return self.controls.records()

    def requests(self, method: str | None = None, path_prefix: str | None = None) -> list[RequestRecord]:
        return self.controls.records(method, path_prefix)

    def count_reads(self, path_prefix: str | None = None) -> int:
        return self.controls.count_reads(path_prefix)

    def count_writes(self, path_prefix: str | None = None) -> int:
        return self.controls.count_writes(path_prefix)

    def clear_log(self) -> None:
        self.controls.clear_log()

    @property
    def busy_seconds(self) -> float:
        """Time spent answering requests since the last :meth:`clear_log`."""
        return self.controls.busy_seconds
