"""The bench's figures (bench/run.py): one operation's measure, the median of several, the
steady-state rounds that repeat the operations of a deployed stack and the fresh rounds that
repeat a new stack's preview and `up`, with the sides taking turns, how far the ratio moved from
round to round, and the goals' verdicts (issue 12's against the plain floor, issue 33's against
the shaped one)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

#: The operations on a deployed stack that change nothing, so they can be repeated on it.
STEADY_OPERATIONS = ("preview (no change)", "refresh")
#: The operations of a new stack, repeated on a new stack of each side (--fresh).
FRESH_OPERATIONS = ("preview", "up")
#: The time goals of issue 12: at most this many times the plain floor's wall time ...
TIME_GOALS: dict[str, float] = {"preview": 1.3, "up": 1.3, "preview (no change)": 1.15, "refresh": 1.3}
#: ... at these team counts, measured side by side in one run.
GOAL_TEAMS = (20, 50)
#: The time goals of issue 33: at most this many times the shaped floor's wall time, at every
#: team count measured (1, 20, 50 and 100 by default) ...
SHAPED_GOALS: dict[str, float] = {"preview": 1.15, "up": 1.25, "preview (no change)": 1.15, "refresh": 1.25}
#: ... and the ratio at the larger team count at most this much above the ratio at the smaller.
SHAPED_GROWTH_LIMIT = 0.10
SHAPED_GROWTH_TEAMS = (20, 100)


@dataclass
class Measure:
    seconds: float
    reads: int
    writes: int
    server_seconds: float = 0.0
    #: CPU time of the CLI and every process under it (engine, language host, providers): steadier
    #: than wall time on a shared machine, and the work the project adds, wherever it runs.
    cpu_seconds: float = 0.0
    #: With --by-process: CPU seconds by role (engine, program, provider, other).
    cpu_by_role: dict[str, float] = field(default_factory=dict)


def median_measure(measures: Sequence[Measure]) -> Measure:
    """Each figure's median over the runs of one operation (a role a run did not see counts 0)."""
    return Measure(
        statistics.median(m.seconds for m in measures),
        int(statistics.median(m.reads for m in measures)),
        int(statistics.median(m.writes for m in measures)),
        statistics.median(m.server_seconds for m in measures),
        statistics.median(m.cpu_seconds for m in measures),
        {
            role: statistics.median(m.cpu_by_role.get(role, 0.0) for m in measures)
            for role in {role for m in measures for role in m.cpu_by_role}
        },
    )


#: Each side's measures of each operation, one per round, in round order.
Samples = dict[str, dict[str, list[Measure]]]


def _turns(sides: Sequence[str], round_: int) -> list[str]:
    """The order of the sides in a round: reversed every other round."""
    return list(sides) if round_ % 2 == 0 else list(reversed(sides))


def steady_samples(sides: Sequence[str], repeat: int, measure: Callable[[str, str], Measure]) -> Samples:
    """``measure(side, operation)`` for the no-change preview and the refresh, ``repeat`` rounds on
    each side's deployed stack, the sides taking turns (the order reversed every other round), so
    a change in the machine's load falls on every side alike."""
    samples: Samples = {side: {op: [] for op in STEADY_OPERATIONS} for side in sides}
    for round_ in range(repeat):
        for op in STEADY_OPERATIONS:
            for side in _turns(sides, round_):
                samples[side][op].append(measure(side, op))
    return samples


def steady_state(
    sides: Sequence[str], repeat: int, measure: Callable[[str, str], Measure]
) -> dict[str, dict[str, Measure]]:
    """The median of each side's :func:`steady_samples`."""
    return medians(steady_samples(sides, repeat, measure))


def fresh_samples(
    sides: Sequence[str], repeat: int, deploy: Callable[[str], Mapping[str, Measure]]
) -> Samples:
    """``deploy(side)``: the preview and `up` of a new stack of that side, ``repeat`` rounds, the
    sides taking turns as in :func:`steady_samples`. A stack is deployed once, so each round needs
    a new one; these are the operations a steady round cannot repeat."""
    samples: Samples = {side: {op: [] for op in FRESH_OPERATIONS} for side in sides}
    for round_ in range(repeat):
        for side in _turns(sides, round_):
            measures = deploy(side)
            for op in FRESH_OPERATIONS:
                samples[side][op].append(measures[op])
    return samples


def medians(samples: Samples) -> dict[str, dict[str, Measure]]:
    return {side: {op: median_measure(runs) for op, runs in ops.items()} for side, ops in samples.items()}


def ratio_spread(ours: Sequence[Measure], other: Sequence[Measure]) -> tuple[float, float]:
    """The smallest and the largest ratio of ours / the other side's wall time, round by round
    (the two sides of one round ran one after the other): how far one round's verdict can move."""
    ratios = [mine.seconds / theirs.seconds for mine, theirs in zip(ours, other, strict=True)]
    return min(ratios), max(ratios)


def goal_lines(ratios: Mapping[int, Mapping[str, float]]) -> list[str]:
    """Each time goal with ours / the plain floor at the team counts it names and whether that is
    met, from ``{teams: {operation: ratio}}``; then how the ratio moves from the smallest team
    count to the largest (the goal that it stays flat sets no bound, so figures, no verdict).
    Nothing when no team count ran (a real-Nexus-only run)."""
    if not ratios:
        return []
    judged = [teams for teams in GOAL_TEAMS if teams in ratios]
    if not judged:
        counts = ", ".join(str(teams) for teams in sorted(ratios))
        return [f"goals: not judged (team counts measured: {counts}; the goals are at {_and(GOAL_TEAMS)})"]
    lines = [f"goals (ours / plain floor, wall time, at {_and(judged)} teams):"]
    for op, limit in TIME_GOALS.items():
        shown = {teams: round(ratios[teams][op], 2) for teams in judged}  # judged as printed
        verdicts = [
            f"{ratio:.2f} at {teams} ({'met' if ratio <= limit else 'not met'})"
            for teams, ratio in shown.items()
        ]
        lines.append(f"- {op} within {limit:.2f}x: " + ", ".join(verdicts))
    smallest, largest = min(ratios), max(ratios)
    if smallest != largest:
        moves = ", ".join(
            f"{op} {ratios[smallest][op]:.2f} -> {ratios[largest][op]:.2f}" for op in TIME_GOALS
        )
        lines.append(f"- the ratio from {smallest} to {largest} teams: {moves}")
    return lines


def shaped_goal_table(ratios: Mapping[int, Mapping[str, float]]) -> list[str]:
    """The goals of issue 33, from ``{teams: {operation: ours / shaped floor}}``: a table of each
    ratio at every team count against its bound, met or not, then how far the ratio at 100 teams
    is above the one at 20 against its bound (when both ran). Judged as printed (two decimals)."""
    if not ratios:
        return []
    lines = [
        "goals (ours / shaped floor, wall time):",
        "| teams | operation | ours / shaped | goal | met |",
        "|---:|---|---:|---:|---|",
    ]
    for teams in sorted(ratios):
        for op, limit in SHAPED_GOALS.items():
            ratio = round(ratios[teams][op], 2)
            lines.append(f"| {teams} | {op} | {ratio:.2f} | {limit:.2f} | {_verdict(ratio <= limit)} |")
    small, large = SHAPED_GROWTH_TEAMS
    if small in ratios and large in ratios:
        for op in SHAPED_GOALS:
            before, after = round(ratios[small][op], 2), round(ratios[large][op], 2)
            growth = round(after / before - 1, 2)
            lines.append(
                f"- {op}: {after:.2f} at {large} against {before:.2f} at {small}, {growth:+.0%} "
                f"(at most {SHAPED_GROWTH_LIMIT:+.0%}: {_verdict(growth <= SHAPED_GROWTH_LIMIT)})"
            )
    else:
        lines.append(f"- growth from {small} to {large} teams: not judged (both team counts are needed)")
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "not met"


def _and(items: Sequence[int]) -> str:
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
