"""Test knobs: startup phase, injected failures, latency, dropped responses and the request log."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Rule:
    """Applies to the next ``remaining`` matching requests."""

    remaining: int
    status: int = 503
    method: str | None = None
    path_prefix: str | None = None
    #: 500 only: the exception message of the text body (Nexus's shape 4).
    message: str = "injected failure"

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    status: int
    write: bool
    dropped: bool = False
    user: str | None = None
    timestamp: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Controls:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failures: list[Rule] = []
        self.drops: list[Rule] = []
        self.latency = 0.0
        self._starting_until: float | None = None
        self._starting_manual = False
        self.log: list[RequestRecord] = []
        # The benchmark's light mode: only counts and the time spent answering, no records.
        self.keep_records = True
        self.reads = 0
        self.writes = 0
        self.busy_seconds = 0.0

    # -- phases ---------------------------------------------------------------------------------
    def set_starting(self, seconds: float | None = None) -> None:
        """Answer 503 on every path for ``seconds`` (or until :meth:`set_ready` when ``None``)."""
        with self._lock:
            self._starting_manual = seconds is None
            self._starting_until = None if seconds is None else time.monotonic() + seconds

    def set_ready(self) -> None:
        with self._lock:
            self._starting_manual = False
            self._starting_until = None

    @property
    def starting(self) -> bool:
        with self._lock:
            if self._starting_manual:
                return True
            return self._starting_until is not None and time.monotonic() < self._starting_until

    # -- faults -------------------------------------------------------------------------------------
    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        method: str | None = None,
        path_prefix: str | None = None,
        message: str = "injected failure",
    ) -> None:
        if status not in (500, 503):
            raise ValueError("status must be 500 or 503")
        with self._lock:
            self.failures.append(Rule(count, status, method, path_prefix, message))

    def drop_next_write(
        self, count: int = 1, method: str | None = None, path_prefix: str | None = None
    ) -> None:
        with self._lock:
            self.drops.append(Rule(count, 0, method, path_prefix))

    @staticmethod
    def _take(rules: list[Rule], method: str, path: str) -> Rule | None:
        for rule in rules:
            if rule.remaining > 0 and rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    rules.remove(rule)
                return rule
        return None

    def take_failure(self, method: str, path: str) -> Rule | None:
        with self._lock:
            return self._take(self.failures, method, path)

    def take_drop(self, method: str, path: str) -> bool:
        with self._lock:
            return self._take(self.drops, method, path) is not None

    def reset(self) -> None:
        with self._lock:
            self.failures.clear()
            self.drops.clear()
            self.latency = 0.0
            self._starting_manual = False
            self._starting_until = None

    # -- request log ----------------------------------------------------------------------------------
    def record(self, rec: RequestRecord) -> None:
        with self._lock:
            if rec.write:
                self.writes += 1
            else:
                self.reads += 1
            if self.keep_records:
                self.log.append(rec)

    def add_busy(self, seconds: float) -> None:
        with self._lock:
            self.busy_seconds += seconds

    def records(self, method: str | None = None, path_prefix: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [
                r
                for r in self.log
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(path_prefix))
            ]

    def count_reads(self, path_prefix: str | None = None) -> int:
        if path_prefix is None:
            return self.reads
        return sum(1 for r in self.records(path_prefix=path_prefix) if not r.write)

    def count_writes(self, path_prefix: str | None = None) -> int:
        if path_prefix is None:
            return self.writes
        return sum(1 for r in self.records(path_prefix=path_prefix) if r.write)

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()
            self.reads = self.writes = 0
            self.busy_seconds = 0.0
