"""The suite's wait helper: returns the first true value, bounded, says what it waited for."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.eventually import consistently, eventually


def no_sleep(_: float) -> None:
    pass


def fake_clock(step: float = 1.0):  # type: ignore[no-untyped-def]
    ticks = itertools.count()
    return lambda: next(ticks) * step


def test_returns_the_first_true_value_without_waiting_longer() -> None:
    answers = iter([None, 0, "", "ready", "later"])
    slept: list[float] = []
    got = eventually(lambda: next(answers), timeout=60, message="x", interval=0.5, sleep=slept.append)
    assert got == "ready"
    assert slept == [0.5, 0.5, 0.5]


def test_ignored_errors_mean_not_yet_and_others_propagate() -> None:
    calls: Iterator[Exception | int] = iter([ConnectionError("refused"), ConnectionError("refused"), 42])

    def probe() -> int:
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    assert eventually(probe, timeout=60, message="x", ignore=(ConnectionError,), sleep=no_sleep) == 42
    with pytest.raises(KeyError):
        eventually(lambda: {"here": 1}["gone"], timeout=60, message="x", ignore=(ConnectionError,),
                   sleep=no_sleep)  # fmt: skip


def test_times_out_with_the_message_and_the_last_answer() -> None:
    with pytest.raises(AssertionError, match=r"no log line \(last: \[\]\)"):
        eventually(list, timeout=3, message="no log line", clock=fake_clock(), sleep=no_sleep)
    with pytest.raises(RuntimeError, match=r"^gave ConnectionError$"):
        eventually(
            lambda: (_ for _ in ()).throw(ConnectionError()),
            timeout=3,
            message=lambda last: f"gave {type(last).__name__}",
            ignore=(ConnectionError,),
            error=RuntimeError,
            clock=fake_clock(),
            sleep=no_sleep,
        )


def test_consistently_fails_at_the_first_false() -> None:
    answers = iter([True, True, False, True])
    with pytest.raises(AssertionError, match="restarted"):
        consistently(lambda: next(answers), seconds=60, message="restarted", clock=fake_clock(),
                     sleep=no_sleep)  # fmt: skip
    probes: list[int] = []

    def probe() -> bool:
        probes.append(1)
        return True

    consistently(probe, seconds=3, message="x", clock=fake_clock(), sleep=no_sleep)
    assert len(probes) == 4  # deadline 0 + 3; probed at clock 1, 2, 3 and 4 (past it: done)
