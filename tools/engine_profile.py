"""Where the engine's CPU goes, read from the Go CPU profiles that ``pulumi --profiling PREFIX``
writes (``PREFIX.<pid>.cpu``): the bench's ``--engine-profile``.

The figure that matters for the bench is the share of the engine's CPU spent writing the
checkpoint: after every step the file backend serializes the whole stack state, encrypts its new
secrets, checks its integrity and writes it (with a backup copy). That work grows with the number
of resources times the size of each one, whoever made them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: The engine function that writes the checkpoint after a step (everything above, in one call).
CHECKPOINT_FUNCTION = "(*SnapshotManager).saveSnapshot"

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "mins": 60.0, "hrs": 3600.0}
_DURATION = r"([0-9.]+)(ns|us|µs|ms|s|mins|hrs)\b"
#: "Total samples = 30.79s", "= 1400ms", or "= 0" with no unit when nothing was sampled.
_TOTAL = re.compile(r"Total samples = ([0-9.]+)(ns|us|µs|ms|s|mins|hrs)?")
#: A row: flat (a bare "0" when none), flat%, sum%, cum, cum%, function.
_ROW = re.compile(r"^\s*[0-9.]+\S*\s+[0-9.]+%\s+[0-9.]+%\s+" + _DURATION + r"\s+[0-9.]+%\s+(\S.*)$")


@dataclass(frozen=True)
class EngineCpu:
    """CPU seconds the profile sampled in the engine, and those spent writing checkpoints."""

    total_seconds: float
    checkpoint_seconds: float

    @property
    def checkpoint_share(self) -> float:
        return self.checkpoint_seconds / self.total_seconds if self.total_seconds else 0.0


def parse_top(text: str, function: str = CHECKPOINT_FUNCTION) -> EngineCpu:
    """The totals from ``go tool pprof -top -cum`` output: all samples, and the cumulative time of
    the first row whose function name ends with ``function`` (0 when no row does)."""
    total = _TOTAL.search(text)
    if total is None:
        raise ValueError("not the output of `go tool pprof -top`: no 'Total samples' line")
    for line in text.splitlines():
        row = _ROW.match(line)
        if row is not None and row.group(3).endswith(function):
            return EngineCpu(_seconds(*total.groups()), _seconds(row.group(1), row.group(2)))
    return EngineCpu(_seconds(*total.groups()), 0.0)


def _seconds(value: str, unit: str | None) -> float:
    return float(value) * _UNITS[unit or "s"]


def profile_file(prefix: Path) -> Path | None:
    """The CPU profile the engine wrote for ``--profiling PREFIX`` (it adds its process id); the
    newest when an earlier run left one under the same prefix."""
    found = list(prefix.parent.glob(f"{prefix.name}.*.cpu"))
    return max(found, key=lambda path: path.stat().st_mtime_ns) if found else None


def summarize(prefix: Path) -> EngineCpu | None:
    """The engine's CPU for one ``--profiling PREFIX`` run; None without a profile or a Go toolchain."""
    profile = profile_file(prefix)
    go = shutil.which("go")
    if profile is None or go is None:
        return None
    show = re.escape(CHECKPOINT_FUNCTION) + "$"
    command = [go, "tool", "pprof", "-top", "-cum", "-nodefraction=0", f"-show={show}", str(profile)]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    return parse_top(result.stdout)
