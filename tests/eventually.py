"""The suite's one way to wait: poll until something holds, within a bound, and fail saying what.

Tests run on a loaded machine: a wait is a poll with a generous limit, never a fixed sleep.
:func:`eventually` returns as soon as the probe holds; :func:`consistently` checks that something
stays true for a while (e.g. a stopped container is not restarted).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: The last thing the probe gave: a value, or the exception it raised (one of ``ignore``).
Last = object


def eventually(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    message: str | Callable[[Last], str],
    interval: float = 0.2,
    ignore: tuple[type[BaseException], ...] = (),
    error: type[Exception] = AssertionError,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``probe`` until it returns something true, and return that. An exception in ``ignore``
    counts as "not yet"; any other propagates (e.g. "the process exited": no use waiting). After
    ``timeout`` seconds raise ``error`` with ``message`` (or ``message(last)``, ``last`` being the
    probe's last value or exception)."""
    deadline = clock() + timeout
    while True:
        try:
            value = probe()
            if value:
                return value
            last: Last = value
        except ignore as caught:
            last = caught
        if clock() > deadline:
            raise error(message(last) if callable(message) else f"{message} (last: {last!r})")
        sleep(interval)


def consistently(
    probe: Callable[[], object],
    *,
    seconds: float,
    message: str,
    interval: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Fail with ``message`` as soon as ``probe`` is false; return after ``seconds`` of it holding."""
    deadline = clock() + seconds
    while True:
        if not probe():
            raise AssertionError(message)
        if clock() > deadline:
            return
        sleep(interval)
