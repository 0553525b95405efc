"""The report's figures of multi-turn runs and self-conditioning, drawn with matplotlib
(the ``analysis`` extra): task and turn accuracy with their bootstrap bands, accuracy
against the rate of induced errors, and Proposition 1 beside the measured horizons.

Each function returns the figure it drew (None when it has no data);
:func:`~long_horizon_execution.evals.report.plotting.save` writes it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from long_horizon_execution.evals.report.conditioning_rows import RateRow
from long_horizon_execution.evals.report.horizon_rows import (
    HorizonResult,
    HorizonRow,
    horizon_label,
)
from long_horizon_execution.evals.report.plotting import (
    THRESHOLDS,
    accuracy_axes,
    banded,
    color_of,
    horizon_marker,
    integer_ticks,
    legend,
    marker_key,
    new_figure,
    plain_numbers,
    settings_text,
    threshold_lines,
)
from long_horizon_execution.evals.report.runs import setting_label
from long_horizon_execution.scorers.theory import theoretical_grid_horizon

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_P_RANGE = (1e-2, 1 - 1e-5)
"""Per-step accuracies drawn on the theory figure (a logit axis cannot show 0 or 1)."""
HORIZON_MEANINGS = {t: f"last step with task accuracy ≥ 0.{t // 10}" for t in THRESHOLDS}


def mark_horizons(axes: Axes, row: HorizonRow, color: str) -> None:
    """A run's H_0.5 and H_0.8 where its task-accuracy curve meets 0.5 and 0.8."""
    for threshold in THRESHOLDS:
        value = getattr(row, f"horizon_{threshold}")
        if not math.isnan(value):
            censored = getattr(row, f"horizon_{threshold}_censored")
            horizon_marker(axes, value, threshold / 100, threshold, color, censored)


def horizons_against(
    ax: Axes,
    series: Sequence[Sequence[HorizonResult]],
    x: Callable[[HorizonResult], float],
    label: Callable[[HorizonResult], str],
) -> None:
    """H_0.5 (solid, circles) and H_0.8 (dashed, squares) in steps against ``x`` of each
    series' runs, 95% intervals as bars, hollow markers censored, on a horizon axis
    linear below one step (horizons of 0 show) and logarithmic above."""
    censored = False
    for group in series:
        group = sorted(group, key=x)
        xs = np.array([x(r) for r in group], dtype=np.float64)
        color = None
        for threshold in THRESHOLDS:
            value = np.array([getattr(r.row, f"horizon_{threshold}") for r in group])
            low = np.array([getattr(r.row, f"horizon_{threshold}_low") for r in group])
            high = np.array([getattr(r.row, f"horizon_{threshold}_high") for r in group])
            hollow = [bool(getattr(r.row, f"horizon_{threshold}_censored")) for r in group]
            drawn = ax.errorbar(
                xs,
                value,
                yerr=np.nan_to_num([value - low, high - value], nan=0.0).clip(min=0.0),
                color=color,
                capsize=3,
                linestyle="-" if threshold == 50 else "--",
                label=label(group[0]) if threshold == 50 else None,
            )
            color = color_of(drawn.lines[0])
            for at, y, lower_bound in zip(xs, value, hollow, strict=True):
                horizon_marker(ax, at, y, threshold, color, lower_bound)
            censored = censored or any(hollow)
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(bottom=-0.3)
    plain_numbers(ax.yaxis)
    ax.set_ylabel("horizon (steps)")
    meanings = {50: "solid, last step with task accuracy ≥ 0.5", 80: "dashed, ≥ 0.8"}
    legend(ax, marker_key(meanings, censored))


def task_accuracy_figure(results: Sequence[HorizonResult]) -> Figure | None:
    """Task accuracy (every total right so far) against steps, with 95% bootstrap bands,
    each run's H_0.5 and H_0.8 marked on the 0.5 and 0.8 lines."""
    if not results:
        return None
    figure, axes = new_figure()
    ax = axes[0][0]
    for result in results:
        mark_horizons(ax, result.row, banded(ax, result.task_curve))
    threshold_lines(ax)
    integer_ticks(ax.xaxis)
    title = "Task accuracy against steps (95% bootstrap bands)"
    accuracy_axes(ax, "steps (keys added)", "task accuracy", title)
    censored = any(r.row.horizon_50_censored or r.row.horizon_80_censored for r in results)
    legend(ax, marker_key(HORIZON_MEANINGS, censored))
    return figure


def turn_accuracy_figure(results: Sequence[HorizonResult]) -> Figure | None:
    """Turn accuracy (the turn right given the model's previous total) against the turn,
    with 95% bootstrap bands. Runs stopped at their first errors have no such curve."""
    curves = [r.turn_curve for r in results if r.turn_curve is not None]
    if not curves:
        return None
    figure, axes = new_figure()
    ax = axes[0][0]
    for curve in curves:
        banded(ax, curve, linewidth=1.2, marker=".", markersize=3)
    integer_ticks(ax.xaxis)
    title = "Turn accuracy against turn (95% bootstrap bands)"
    accuracy_axes(ax, "turn", "turn accuracy", title)
    legend(ax)
    return figure


def self_conditioning_figure(rows: Sequence[RateRow]) -> Figure | None:
    """Accuracy at the target turn against the rate of induced errors, judged against the
    history shown (left) and against the true total (right), with 95% intervals."""
    if not rows:
        return None
    figure, axes = new_figure(columns=2, width=11)
    settings: dict[str, list[RateRow]] = {}
    for row in rows:
        label = setting_label(row.model, row.mode, row.k, f"turn {row.target_turn}")
        # Each run is a series of its own: its variant and, when runs read alike, its log.
        protocol = "" if row.protocol == "target" else f"protocol={row.protocol}"
        offsets = "" if row.offsets == "uniform" else f"offsets={row.offsets}"
        label = settings_text([label, protocol, offsets, row.variant, row.run])
        settings.setdefault(label, []).append(row)
    for ax, basis, title in (
        (axes[0][0], "shown", "given the history shown"),
        (axes[0][1], "true", "against the true total"),
    ):
        for label, group in settings.items():
            group = sorted(group, key=lambda r: r.rate)
            rates = np.array([r.rate for r in group])
            values = np.array([getattr(r, basis) for r in group])
            low = values - np.array([getattr(r, f"{basis}_low") for r in group])
            high = np.array([getattr(r, f"{basis}_high") for r in group]) - values
            ax.errorbar(rates, values, yerr=[low, high], label=label, marker="o", capsize=3)
        accuracy_axes(
            ax,
            "rate of induced errors in the history",
            "accuracy at the target turn",
            f"Self-conditioning: {title}",
        )
        legend(ax)
    return figure


def theory_figure(rows: Sequence[HorizonRow]) -> Figure | None:
    """Proposition 1's horizon against per-step accuracy p, on the footing of a measured
    one (floor(ln s / ln p) whole steps, so a staircase where it is small), with each
    measured run placed at its estimated p and its measured H_0.5 (circles) and H_0.8
    (squares), 95% intervals as bars; hollow markers are censored (lower bounds). The
    horizon axis is linear below one step, so horizons of 0 are drawn."""
    from matplotlib.lines import Line2D

    placed = [row for row in rows if not math.isnan(row.p_step)]
    if not placed:
        return None
    figure, axes = new_figure()
    ax = axes[0][0]
    p = 1 - np.logspace(math.log10(1 - _P_RANGE[0]), math.log10(1 - _P_RANGE[1]), 400)
    for threshold, style in ((0.5, "-"), (0.8, "--")):
        theory = [theoretical_grid_horizon(float(value), threshold) for value in p]
        ax.plot(p, theory, color="black", linestyle=style, linewidth=1, label=f"H_{threshold}(p)")
    runs = []
    for row in placed:
        x = min(max(row.p_step, _P_RANGE[0]), _P_RANGE[1])
        color = None
        for threshold in THRESHOLDS:
            value = getattr(row, f"horizon_{threshold}")
            low = value - getattr(row, f"horizon_{threshold}_low")
            high = getattr(row, f"horizon_{threshold}_high") - value
            censored = getattr(row, f"horizon_{threshold}_censored")
            drawn = ax.errorbar(
                [x],
                [value],
                yerr=[[max(low, 0.0)], [max(high, 0.0)]],
                marker="o" if threshold == 50 else "s",
                color=color,
                markerfacecolor="none" if censored else None,
                capsize=3,
                linestyle="none",
            )
            color = color_of(drawn.lines[0])
        label = settings_text([horizon_label(row), row.run])
        runs.append(Line2D([], [], color=color, linewidth=2, label=label))
    ax.set_xscale("logit")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(bottom=-0.3)
    plain_numbers(ax.yaxis)
    ax.set(
        xlabel="per-step accuracy p",
        ylabel="horizon (steps)",
        title="Horizon against per-step accuracy: theory and measured",
    )
    censored = any(r.horizon_50_censored or r.horizon_80_censored for r in placed)
    measured = {t: "measured (95% interval)" for t in THRESHOLDS}
    legend(ax, runs + marker_key(measured, censored))
    return figure
