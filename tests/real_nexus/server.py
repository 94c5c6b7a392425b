"""A real Nexus Repository 3 (the open-source core from Maven Central) run as a child process.

``scripts/fetch-nexus`` fetches and unpacks the distribution; :class:`RealNexus` starts its
``bin/nexus server`` (Karaf's launcher, in the foreground) on a loopback port with its own data
directory (``KARAF_DATA``), waits until ``/service/rest/v1/status/writable`` answers 200 with a
progress line every 15 s, and stops it with SIGTERM to the pid Karaf writes (``karaf.pid``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reach.nexus import wait_until_writable

ROOT = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = ROOT / "scripts" / "fetch-nexus"
# Measured here: writable 52-64 s after launch on 2 idle cores; a loaded machine needs more.
START_TIMEOUT_SECONDS = 420.0
STOP_TIMEOUT_SECONDS = 60.0
SMALL_MEMORY = {"JAVA_MIN_MEM": "512m", "JAVA_MAX_MEM": "1g", "DIRECT_MAX_MEM": "512m"}


class RealNexusUnavailableError(RuntimeError):
    """The real Nexus cannot be fetched or started here; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch_distribution() -> Path:
    """The unpacked distribution (fetched and cached by scripts/fetch-nexus on first use)."""
    completed = subprocess.run([str(FETCH_SCRIPT)], capture_output=True, text=True, timeout=900, check=False)
    if completed.returncode != 0:
        raise RealNexusUnavailableError(
            f"scripts/fetch-nexus failed (exit {completed.returncode}): {completed.stderr.strip()[-800:]}"
        )
    return Path(completed.stdout.strip().splitlines()[-1])


def progress(message: str) -> None:
    print(f"[real-nexus] {message}", file=sys.stderr, flush=True)


@dataclass
class RealNexus:
    """One real Nexus process; ``url`` is its base URL (the REST API is under /service/rest)."""

    home: Path
    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/service/rest"

    @property
    def console_log(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.console.log"

    @property
    def password_file(self) -> Path:
        return self.data_dir / "admin.password"

    def generated_password(self) -> str | None:
        try:
            return self.password_file.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def start(self, timeout_seconds: float = START_TIMEOUT_SECONDS) -> RealNexus:
        """Launch and wait until writable."""
        self.launch()
        self.started_seconds = self._wait_writable(timeout_seconds)
        progress(f"writable after {self.started_seconds:.0f} s")
        return self

    def launch(self) -> RealNexus:
        """Start the process and return at once (the caller waits as it sees fit)."""
        (self.data_dir / "etc").mkdir(parents=True, exist_ok=True)
        (self.data_dir / "etc" / "nexus.properties").write_text(
            f"application-host=127.0.0.1\napplication-port={self.port}\n", encoding="utf-8"
        )
        env = {**os.environ, **SMALL_MEMORY, "KARAF_DATA": str(self.data_dir)}
        with self.console_log.open("ab") as console:
            self.process = subprocess.Popen(
                [str(self.home / "bin" / "nexus"), "server"],
                cwd=self.home,
                env=env,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        progress(f"starting Nexus from {self.home.name} on {self.url} (data {self.data_dir})")
        return self

    def _wait_writable(self, timeout_seconds: float) -> float:
        def still_running() -> None:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RealNexusUnavailableError(
                    f"Nexus exited with status {self.process.returncode} while starting; "
                    f"last lines of {self.console_log}:\n{self.tail()}"
                )

        ready = wait_until_writable(
            self.url, timeout_seconds, interval_seconds=1.0, progress=progress, still_running=still_running
        )
        if not ready.ok:
            self.stop()
            raise RealNexusUnavailableError(
                f"Nexus did not become writable within {timeout_seconds:.0f} s (last: {ready.last}); "
                f"last lines of its log:\n{self.tail()}"
            )
        return ready.seconds

    def tail(self, lines: int = 30) -> str:
        for log in (self.data_dir / "log" / "nexus.log", self.console_log):
            if log.exists():
                return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def stop(self) -> None:
        """SIGTERM to Karaf's pid (a clean stop takes ~4 s); killed after a bounded wait."""
        if self.process is None:
            return
        pid_file = self.data_dir / "karaf.pid"
        pid = int(pid_file.read_text().strip()) if pid_file.exists() else self.process.pid
        for target in {pid, self.process.pid}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(target, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
