"""The report's figures that set runs of one setting side by side: thinking (visible
working, provider reasoning) against answering alone, and majority voting over several
replies per turn against one reply.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from long_horizon_execution.evals.report.figures import (
    HORIZON_MEANINGS,
    horizons_against,
    mark_horizons,
)
from long_horizon_execution.evals.report.figures_k import groups
from long_horizon_execution.evals.report.horizon_rows import HorizonResult
from long_horizon_execution.evals.report.plotting import (
    MODE_STYLES,
    accuracy_axes,
    banded,
    integer_ticks,
    legend,
    marker_key,
    new_figure,
    settings_text,
    threshold_lines,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


Labeller = Callable[[HorizonResult], str]


def without_votes(variant: str) -> str:
    """A run's variant with its ``votes=n`` left out: the setting a vote count varies."""
    return ", ".join(part for part in variant.split(", ") if not part.startswith("votes="))


def _curves(
    task: Axes, turn: Axes | None, results: Sequence[HorizonResult], label: Labeller
) -> bool:
    """Each run's task accuracy (H_0.5 and H_0.8 marked) and, given ``turn``, its turn
    accuracy, banded, in one colour per run and a line style per mode, labelled by
    ``label``; True when some horizon is censored."""
    for result in results:
        style = {"linestyle": MODE_STYLES.get(result.row.mode, "-")}
        curve = result.task_curve.model_copy(update={"label": label(result)})
        color = banded(task, curve, **style)
        mark_horizons(task, result.row, color)
        if turn is not None and result.turn_curve is not None:
            banded(turn, result.turn_curve, color=color, label="_nolegend_", **style)
    threshold_lines(task)
    accuracy_axes(task, "steps (keys added)", "task accuracy", "")
    integer_ticks(task.xaxis)
    if turn is not None:
        accuracy_axes(turn, "turn", "turn accuracy", "")
        integer_ticks(turn.xaxis)
    return any(r.row.horizon_50_censored or r.row.horizon_80_censored for r in results)


def _mode_label(result: HorizonResult) -> str:
    row = result.row
    return settings_text([row.mode, row.model, f"{row.samples} x {row.steps} steps", row.run])


def thinking_figure(results: Sequence[HorizonResult]) -> Figure | None:
    """Thinking against not: for every task, model, K and variant run in more than one
    mode, a row of two panels: task accuracy against steps and turn accuracy against
    turn, banded, one line style per mode (solid: cot, dashed: plain, dash-dot:
    thinking). Runs pair by the model's name without its ``-M`` arguments (often
    operational, such as threads); the legend shows them."""
    paired = [
        g
        for g in groups(results, lambda r: (r.task, r.model_name, r.row.k, r.row.variant))
        if len({r.row.mode for r in g}) > 1
    ]
    if not paired:
        return None
    figure, axes = new_figure(columns=2, width=13, height=4.8, rows=len(paired))
    for (task, turn), group in zip(axes, paired, strict=True):
        censored = _curves(task, turn, group, _mode_label)
        first = group[0]
        setting = settings_text(
            [first.task, first.model_name, f"K={first.row.k}", first.row.variant]
        )
        title = textwrap.fill(f"Thinking against not · {setting}", 75)
        task.set_title(title, loc="left", fontsize=9)
        turn.set_title("(95% bootstrap bands)", loc="left", fontsize=9)
        legend(turn, marker_key(HORIZON_MEANINGS, censored), source=task, side=True)
    return figure


def _turn_accuracy_against_votes(ax: Axes, series: Sequence[list[HorizonResult]]) -> None:
    for group in series:
        group = sorted(group, key=lambda r: r.votes)
        votes = [r.votes for r in group]
        value = np.array([r.row.turn_accuracy for r in group])
        low = np.array([r.row.turn_accuracy_low for r in group])
        high = np.array([r.row.turn_accuracy_high for r in group])
        bars = np.nan_to_num([value - low, high - value], nan=0.0).clip(min=0.0)
        ax.errorbar(votes, value, yerr=bars, marker="o", capsize=3, label=_setting(group[0]))
    integer_ticks(ax.xaxis)
    title = "Turn accuracy against votes (95% intervals)"
    accuracy_axes(ax, "votes (replies per turn)", "turn accuracy", title)
    legend(ax)


def _setting(result: HorizonResult) -> str:
    row = result.row
    parts = [row.model, row.mode, f"K={row.k}", without_votes(row.variant), row.run]
    return settings_text(parts)


def _votes_label(result: HorizonResult) -> str:
    row = result.row
    size = f"{row.samples} x {row.steps} steps"
    return settings_text([f"votes={result.votes}", _setting(result), size])


def votes_figure(results: Sequence[HorizonResult]) -> Figure | None:
    """Majority voting against one reply: for every setting run with more than one vote
    count (one above 1), task accuracy against steps per vote count (banded, H_0.5 and
    H_0.8 marked), then turn accuracy and the horizons against the number of votes."""
    series = [
        g
        for g in groups(
            results, lambda r: (r.row.model, r.row.mode, r.row.k, without_votes(r.row.variant))
        )
        if len({r.votes for r in g}) > 1 and max(r.votes for r in g) > 1
    ]
    if not series:
        return None
    figure, axes = new_figure(columns=3, width=18, height=4.8)
    task, turn, horizon = axes[0]
    voted = [r for g in series for r in sorted(g, key=lambda r: r.votes)]
    censored = _curves(task, None, voted, _votes_label)
    task.set_title("Task accuracy per vote count (95% bootstrap bands)")
    legend(task, marker_key(HORIZON_MEANINGS, censored))
    _turn_accuracy_against_votes(turn, series)
    horizons_against(horizon, series, lambda r: r.votes, _setting)
    integer_ticks(horizon.xaxis)
    horizon.set_xlabel("votes (replies per turn)")
    horizon.set_title("Horizon against votes (95% intervals)")
    return figure
