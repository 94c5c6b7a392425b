"""The bench's figures (tools/bench_figures.py, used by bench/run.py): the steady-state rounds'
order and medians. The operations are stood in for: running them is the bench's job."""

from __future__ import annotations

from tools.bench_figures import STEADY_OPERATIONS, Measure, median_measure, steady_state


def test_sides_take_turns_and_every_other_round_goes_the_other_way() -> None:
    calls: list[tuple[str, str]] = []

    def measure(side: str, op: str) -> Measure:
        calls.append((side, op))
        return Measure(1.0, 0, 0)

    steady_state(["ours", "floor", "shaped"], 2, measure)

    forward, backward = ["ours", "floor", "shaped"], ["shaped", "floor", "ours"]
    assert calls == [
        *((side, "preview (no change)") for side in forward),
        *((side, "refresh") for side in forward),
        *((side, "preview (no change)") for side in backward),
        *((side, "refresh") for side in backward),
    ]


def test_each_side_gets_the_median_of_its_own_rounds() -> None:
    seconds = {  # per side and operation, in the order the rounds measure them
        ("ours", "preview (no change)"): [5.0, 1.0, 3.0],
        ("ours", "refresh"): [2.0, 9.0, 4.0],
        ("floor", "preview (no change)"): [1.0, 2.0, 1.5],
        ("floor", "refresh"): [0.5, 0.7, 0.6],
    }

    def measure(side: str, op: str) -> Measure:
        value = seconds[(side, op)].pop(0)
        return Measure(value, reads=int(value * 10), writes=0, cpu_seconds=value * 2)

    result = steady_state(["ours", "floor"], 3, measure)

    assert {side: set(ops) for side, ops in result.items()} == {
        "ours": set(STEADY_OPERATIONS),
        "floor": set(STEADY_OPERATIONS),
    }
    assert result["ours"]["preview (no change)"].seconds == 3.0
    assert result["ours"]["refresh"].seconds == 4.0
    assert result["floor"]["preview (no change)"].seconds == 1.5
    assert result["floor"]["refresh"].seconds == 0.6
    assert result["ours"]["refresh"].reads == 40
    assert result["ours"]["refresh"].cpu_seconds == 8.0
    assert all(not remaining for remaining in seconds.values())  # every round was measured


def test_a_role_missing_from_a_run_counts_as_no_cpu_in_the_median() -> None:
    runs = [
        Measure(1.0, 0, 0, cpu_by_role={"engine": 1.0, "provider": 0.4}),
        Measure(2.0, 0, 0, cpu_by_role={"engine": 3.0}),
        Measure(3.0, 0, 0, cpu_by_role={"engine": 2.0, "provider": 0.6}),
    ]

    median = median_measure(runs)

    assert median.seconds == 2.0
    assert median.cpu_by_role == {"engine": 2.0, "provider": 0.4}
