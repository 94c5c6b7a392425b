"""The bench's figures (tools/bench_figures.py, used by bench/run.py): the steady-state rounds'
order and medians, and the goals' verdicts. The operations are stood in for: running them is the
bench's job."""

from __future__ import annotations

from tools.bench_figures import (
    FRESH_OPERATIONS,
    STEADY_OPERATIONS,
    Measure,
    fresh_samples,
    goal_lines,
    median_measure,
    ratio_spread,
    shaped_goal_table,
    steady_state,
)


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


def test_each_fresh_round_deploys_a_new_stack_of_each_side_in_turn() -> None:
    deployed: list[str] = []
    seconds = iter(range(1, 100))

    def deploy(side: str) -> dict[str, Measure]:
        deployed.append(side)
        return {op: Measure(float(next(seconds)), 0, 0) for op in FRESH_OPERATIONS}

    samples = fresh_samples(["ours", "floor", "shaped"], 3, deploy)

    assert deployed == ["ours", "floor", "shaped", "shaped", "floor", "ours", "ours", "floor", "shaped"]
    # the preview and the up of one deployment are of the same round, kept in round order
    assert [m.seconds for m in samples["ours"]["preview"]] == [1.0, 11.0, 13.0]
    assert [m.seconds for m in samples["ours"]["up"]] == [2.0, 12.0, 14.0]
    assert [m.seconds for m in samples["shaped"]["up"]] == [6.0, 8.0, 18.0]


def test_the_spread_pairs_the_sides_of_each_round() -> None:
    ours = [Measure(2.0, 0, 0), Measure(3.0, 0, 0), Measure(1.2, 0, 0)]
    floor = [Measure(1.0, 0, 0), Measure(3.0, 0, 0), Measure(1.0, 0, 0)]

    assert ratio_spread(ours, floor) == (1.0, 2.0)


def test_a_role_missing_from_a_run_counts_as_no_cpu_in_the_median() -> None:
    runs = [
        Measure(1.0, 0, 0, cpu_by_role={"engine": 1.0, "provider": 0.4}),
        Measure(2.0, 0, 0, cpu_by_role={"engine": 3.0}),
        Measure(3.0, 0, 0, cpu_by_role={"engine": 2.0, "provider": 0.6}),
    ]

    median = median_measure(runs)

    assert median.seconds == 2.0
    assert median.cpu_by_role == {"engine": 2.0, "provider": 0.4}


def _ratios(
    preview: float = 1.0, up: float = 1.0, no_change: float = 1.0, refresh: float = 1.0
) -> dict[str, float]:
    """Ours / floor per operation of one team count."""
    return {"preview": preview, "up": up, "preview (no change)": no_change, "refresh": refresh}


def test_each_time_goal_is_judged_at_the_team_counts_it_names() -> None:
    ratios = {
        1: _ratios(preview=2.0),  # not a goal's team count: never judged
        20: _ratios(preview=1.3, up=1.31, no_change=1.15, refresh=1.49),
        50: _ratios(preview=1.13, up=1.2, no_change=1.16, refresh=1.29),
    }

    lines = goal_lines(ratios)

    assert lines == [
        "goals (ours / plain floor, wall time, at 20 and 50 teams):",
        "- preview within 1.30x: 1.30 at 20 (met), 1.13 at 50 (met)",
        "- up within 1.30x: 1.31 at 20 (not met), 1.20 at 50 (met)",
        "- preview (no change) within 1.15x: 1.15 at 20 (met), 1.16 at 50 (not met)",
        "- refresh within 1.30x: 1.49 at 20 (not met), 1.29 at 50 (met)",
        "- the ratio from 1 to 50 teams: preview 2.00 -> 1.13, up 1.00 -> 1.20, "
        "preview (no change) 1.00 -> 1.16, refresh 1.00 -> 1.29",
    ]


def test_a_ratio_is_judged_as_it_is_printed() -> None:
    lines = goal_lines({20: _ratios(refresh=1.3049), 50: _ratios(refresh=1.3051)})

    assert lines[4] == "- refresh within 1.30x: 1.30 at 20 (met), 1.31 at 50 (not met)"


def test_a_run_at_one_goal_team_count_is_judged_there_only() -> None:
    lines = goal_lines({50: _ratios(refresh=1.67)})

    assert lines[0] == "goals (ours / plain floor, wall time, at 50 teams):"
    assert lines[-1] == "- refresh within 1.30x: 1.67 at 50 (not met)"
    assert not any("ratio from" in line for line in lines)  # one team count: no movement to show


def test_a_run_at_no_goal_team_count_says_it_judged_nothing() -> None:
    assert goal_lines({1: _ratios(), 9: _ratios()}) == [
        "goals: not judged (team counts measured: 1, 9; the goals are at 20 and 50)"
    ]


def test_a_run_of_no_team_count_has_no_goal_lines() -> None:
    assert goal_lines({}) == []  # the bench run on the real Nexus core only


def test_each_shaped_goal_is_judged_at_every_team_count_measured() -> None:
    ratios = {
        1: _ratios(preview=1.40, up=1.25, no_change=1.16, refresh=1.10),
        100: _ratios(preview=1.15, up=1.26, no_change=0.90, refresh=1.254),
    }

    lines = shaped_goal_table(ratios)

    assert lines[:3] == [
        "goals (ours / shaped floor, wall time):",
        "| teams | operation | ours / shaped | goal | met |",
        "|---:|---|---:|---:|---|",
    ]
    assert lines[3:11] == [
        "| 1 | preview | 1.40 | 1.15 | not met |",
        "| 1 | up | 1.25 | 1.25 | met |",
        "| 1 | preview (no change) | 1.16 | 1.15 | not met |",
        "| 1 | refresh | 1.10 | 1.25 | met |",
        "| 100 | preview | 1.15 | 1.15 | met |",
        "| 100 | up | 1.26 | 1.25 | not met |",
        "| 100 | preview (no change) | 0.90 | 1.15 | met |",
        "| 100 | refresh | 1.25 | 1.25 | met |",  # 1.254 is printed, and judged, as 1.25
    ]
    assert lines[11:] == ["- growth from 20 to 100 teams: not judged (both team counts are needed)"]


def test_the_ratio_at_100_teams_may_be_at_most_a_tenth_above_the_one_at_20() -> None:
    ratios = {
        20: _ratios(preview=1.00, up=1.20, no_change=1.00, refresh=1.00),
        100: _ratios(preview=1.10, up=1.33, no_change=0.80, refresh=1.11),
    }

    growth = shaped_goal_table(ratios)[-4:]

    assert growth == [
        "- preview: 1.10 at 100 against 1.00 at 20, +10% (at most +10%: met)",
        "- up: 1.33 at 100 against 1.20 at 20, +11% (at most +10%: not met)",
        "- preview (no change): 0.80 at 100 against 1.00 at 20, -20% (at most +10%: met)",
        "- refresh: 1.11 at 100 against 1.00 at 20, +11% (at most +10%: not met)",
    ]


def test_no_team_count_no_shaped_goals() -> None:
    assert shaped_goal_table({}) == []
