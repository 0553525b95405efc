"""The report's figures over K, the keys summed per turn: the single-turn frontier (H_0.5
and H_0.8 per model, on a log axis, since they run from under 4 to over 2,100 keys in the
paper), and accuracy and horizon against K (single-turn probes; multi-turn runs of one
setting at several K).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from long_horizon_execution.evals.frontier_results import horizon_text
from long_horizon_execution.evals.report.figures import horizons_against
from long_horizon_execution.evals.report.frontier_rows import FrontierRow, ProbeRow
from long_horizon_execution.evals.report.horizon_rows import HorizonResult
from long_horizon_execution.evals.report.plotting import (
    THRESHOLDS,
    accuracy_axes,
    color_of,
    horizon_marker,
    key_entry,
    legend,
    log_count_axis,
    marker_key,
    new_figure,
    settings_text,
    threshold_lines,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

T = TypeVar("T")
_DODGE = 0.03
"""How far apart (a share of K) series of one K axis are drawn."""
FRONTIER_COLORS = {50: "tab:blue", 80: "tab:orange"}
FRONTIER_MEANINGS = {t: f"largest K with accuracy ≥ 0.{t // 10}" for t in THRESHOLDS}


def groups(items: Sequence[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """``items`` grouped by ``key``, groups and members in order of first appearance."""
    found: dict[Hashable, list[T]] = {}
    for item in items:
        found.setdefault(key(item), []).append(item)
    return list(found.values())


def frontier_label(model: str, mode: str, variant: str) -> str:
    return settings_text([model, mode, variant])


def frontier_figure(rows: Sequence[FrontierRow]) -> Figure | None:
    """The longest task each model executes in one turn: H_0.5 (circles) and H_0.8
    (squares) per model and mode on a log axis, each joined to the smallest failing K (a
    tick): the horizon lies between. Hollow markers are censored (every probe passed);
    a horizon below the smallest K tried is a ``<`` at that K."""
    if not rows:
        return None
    figure, axes = new_figure(width=8.5, height=max(2.6, 0.65 * len(rows) + 1.9))
    ax = axes[0][0]
    shown: list[float] = []
    for position, row in enumerate(rows):
        for offset, threshold in ((-0.17, 50), (0.17, 80)):
            y = position + offset
            value = getattr(row, f"horizon_{threshold}")
            upper = getattr(row, f"horizon_{threshold}_upper")
            color = FRONTIER_COLORS[threshold]
            if value > 0 and upper is not None:
                ax.plot([value, upper], [y, y], color=color, linewidth=1, alpha=0.6)
            if upper is not None and value > 0:
                ax.plot([upper], [y], marker="|", color=color, markersize=10, linestyle="none")
            if value > 0:
                horizon_marker(ax, value, y, threshold, color, censored=upper is None)
            else:
                ax.plot([upper], [y], marker="<", color=color, markersize=7, linestyle="none")
            ax.annotate(
                horizon_text(value, upper).split(" (below")[0],
                (max(value, upper or 0), y),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
            shown += [v for v in (value, upper) if v]
    log_count_axis(ax, "x", shown)
    ax.set_xlim(min(shown) / 1.6, max(shown) * 2.5)
    names = [textwrap.fill(frontier_label(r.model, r.mode, r.variant), 40) for r in rows]
    ax.set_yticks(range(len(rows)), names)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set(xlabel="keys summed in one turn (K, log scale)", title="Single-turn frontier")
    key = marker_key(
        FRONTIER_MEANINGS, any(r.horizon_50_upper is None for r in rows), FRONTIER_COLORS
    )
    key.append(key_entry("|", "smallest K that fails", "grey"))
    if any(r.horizon_50 == 0 or r.horizon_80 == 0 for r in rows):
        key.append(key_entry("<", "below the smallest K tried", "grey"))
    legend(ax, key, ncols=2, below=True)
    return figure


def _probe_panel(ax: Axes, probes: Sequence[ProbeRow], frontier: Sequence[FrontierRow]) -> None:
    """Single-turn accuracy against K with Clopper-Pearson intervals, each frontier's
    H_0.5 and H_0.8 marked where its curve is read."""
    horizons = {(r.model, r.mode, r.variant): r for r in frontier}
    ks: list[float] = []
    censored = False
    series = groups(probes, lambda p: (p.model, p.mode, p.variant))
    for i, group in enumerate(series):
        group = sorted(group, key=lambda p: p.k)
        first = group[0]
        # Series sit a little apart along K so their intervals do not hide each other.
        dodge = 1 + _DODGE * (i - (len(series) - 1) / 2)
        k = np.array([p.k for p in group], dtype=np.float64)
        accuracy = np.array([p.accuracy for p in group])
        low = accuracy - [p.accuracy_low for p in group]
        high = [p.accuracy_high for p in group] - accuracy
        drawn = ax.errorbar(
            k * dodge,
            accuracy,
            yerr=[low, high],
            marker=".",
            capsize=3,
            label=frontier_label(first.model, first.mode, first.variant),
        )
        color = color_of(drawn.lines[0])
        row = horizons.get((first.model, first.mode, first.variant))
        for threshold in THRESHOLDS if row is not None else ():
            value = getattr(row, f"horizon_{threshold}")
            upper = getattr(row, f"horizon_{threshold}_upper")
            if value > 0:
                at = value * dodge
                horizon_marker(ax, at, threshold / 100, threshold, color, upper is None)
                censored = censored or upper is None
        ks += k.tolist()
    threshold_lines(ax)
    log_count_axis(ax, "x", ks)
    title = "Single turn: accuracy against K (95% intervals)"
    accuracy_axes(ax, "keys summed in one turn (K, log scale)", "accuracy", title)
    legend(ax, marker_key(FRONTIER_MEANINGS, censored))


def _multi_turn_setting(result: HorizonResult) -> str:
    row = result.row
    return settings_text([row.model, row.mode, row.variant, row.run])


def _accuracy_panel(ax: Axes, series: Sequence[list[HorizonResult]]) -> None:
    """Multi-turn task accuracy after the run's steps against K (the paper's turn
    complexity), with the bootstrap interval of the last point of each task curve."""
    ks: list[float] = []
    for group in series:
        group = sorted(group, key=lambda r: r.row.k)
        k = np.array([r.row.k for r in group], dtype=np.float64)
        accuracy = np.array([r.row.task_accuracy for r in group])
        low = np.array([_last(r.task_curve.low) for r in group])
        high = np.array([_last(r.task_curve.high) for r in group])
        label = f"{_multi_turn_setting(group[0])} · {group[0].row.steps} steps"
        bars = np.nan_to_num([accuracy - low, high - accuracy], nan=0.0).clip(min=0.0)
        ax.errorbar(k, accuracy, yerr=bars, marker="o", capsize=3, label=label)
        ks += k.tolist()
    log_count_axis(ax, "x", ks)
    title = "Multi-turn: task accuracy after all steps against K"
    accuracy_axes(ax, "keys per turn (K, log scale)", "task accuracy", title)
    legend(ax)


def _horizon_panel(ax: Axes, series: Sequence[list[HorizonResult]]) -> None:
    """Multi-turn H_0.5 and H_0.8 (steps) against K, 95% intervals as bars."""
    horizons_against(ax, series, lambda r: r.row.k, _multi_turn_setting)
    log_count_axis(ax, "x", [r.row.k for group in series for r in group])
    ax.set_xlabel("keys per turn (K, log scale)")
    ax.set_title("Multi-turn: horizon against K (95% intervals)")


def _last(values: list[float] | None) -> float:
    return values[-1] if values else math.nan


def accuracy_vs_k_figure(
    probes: Sequence[ProbeRow], frontier: Sequence[FrontierRow], results: Sequence[HorizonResult]
) -> Figure | None:
    """Accuracy and horizon against K: single-turn accuracy per K with the frontier's
    horizons marked; and, for multi-turn settings run at several K, task accuracy after
    the run's steps and H_0.5 / H_0.8 against K. Panels without two K to compare are left
    out; None when every panel is."""
    probe_groups = groups(probes, lambda p: (p.model, p.mode, p.variant))
    single = [p for g in probe_groups if len({p.k for p in g}) > 1 for p in g]
    by_steps = groups(
        results, lambda r: (r.row.model, r.row.mode, r.row.variant, r.row.run, r.row.steps)
    )
    by_setting = groups(results, lambda r: (r.row.model, r.row.mode, r.row.variant, r.row.run))
    accuracy = [g for g in by_steps if len({r.row.k for r in g}) > 1]
    horizon = [g for g in by_setting if len({r.row.k for r in g}) > 1]
    panels = [bool(single), bool(accuracy), bool(horizon)]
    if not any(panels):
        return None
    figure, axes = new_figure(columns=sum(panels), width=7.0 * sum(panels), height=4.8)
    drawn = iter(axes[0])
    if single:
        _probe_panel(next(drawn), single, frontier)
    if accuracy:
        _accuracy_panel(next(drawn), accuracy)
    if horizon:
        _horizon_panel(next(drawn), horizon)
    return figure
