"""The report's figures, drawn with matplotlib (the ``analysis`` extra) into PNG files.

Each function draws one figure from rows and curves already computed, returns the file it
wrote, and draws nothing when it has no data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from long_horizon_execution.evals.frontier_results import horizon_text
from long_horizon_execution.evals.report.conditioning_rows import RateRow
from long_horizon_execution.evals.report.frontier_rows import FrontierRow
from long_horizon_execution.evals.report.horizon_rows import Curve, HorizonRow, horizon_label
from long_horizon_execution.evals.report.runs import setting_label
from long_horizon_execution.scorers.theory import theoretical_grid_horizon

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_DPI = 120
_P_RANGE = (1e-2, 1 - 1e-5)
"""Per-step accuracies drawn on the theory figure (a logit axis cannot show 0 or 1)."""


def _figure(width: float = 7.5, height: float = 4.5, columns: int = 1) -> tuple[Figure, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(1, columns, figsize=(width, height), squeeze=False)


def _save(figure: Figure, path: Path) -> Path:
    import matplotlib.pyplot as plt

    figure.tight_layout()
    figure.savefig(path, dpi=_DPI)
    plt.close(figure)
    return path


def _legend(axes: Axes, entries: int) -> None:
    if entries:
        axes.legend(fontsize=7, loc="best", framealpha=0.85)


def _accuracy_axes(axes: Axes, xlabel: str, ylabel: str, title: str, entries: int) -> None:
    """Labels, a 0-1 accuracy scale and the legend."""
    axes.set(xlabel=xlabel, ylabel=ylabel, ylim=(-0.02, 1.02), title=title)
    _legend(axes, entries)


def task_accuracy_figure(curves: Sequence[Curve], path: Path) -> Path | None:
    """Task accuracy (every total right so far) against steps, with 95% bootstrap bands."""
    if not curves:
        return None
    figure, axes = _figure()
    ax = axes[0][0]
    for curve in curves:
        (line,) = ax.plot(curve.x, curve.y, label=curve.label, linewidth=1.6)
        if curve.low is not None and curve.high is not None:
            ax.fill_between(curve.x, curve.low, curve.high, color=line.get_color(), alpha=0.18)
    for threshold in (0.5, 0.8):
        ax.axhline(threshold, color="grey", linestyle=":", linewidth=0.9)
    title = "Task accuracy against steps (95% bootstrap bands)"
    _accuracy_axes(ax, "steps (keys added)", "task accuracy", title, len(curves))
    return _save(figure, path)


def turn_accuracy_figure(curves: Sequence[Curve], path: Path) -> Path | None:
    """Turn accuracy (the turn right given the model's previous total) against the turn."""
    if not curves:
        return None
    figure, axes = _figure()
    ax = axes[0][0]
    for curve in curves:
        ax.plot(curve.x, curve.y, label=curve.label, linewidth=1.2, marker=".", markersize=3)
    _accuracy_axes(ax, "turn", "turn accuracy", "Turn accuracy against turn", len(curves))
    return _save(figure, path)


def self_conditioning_figure(rows: Sequence[RateRow], path: Path) -> Path | None:
    """Accuracy at the target turn against the rate of induced errors, judged against the
    history shown (left) and against the true total (right), with 95% intervals."""
    if not rows:
        return None
    figure, axes = _figure(width=11, height=4.5, columns=2)
    settings: dict[str, list[RateRow]] = {}
    for row in rows:
        label = setting_label(row.model, row.mode, row.k, f"turn {row.target_turn}")
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
        _accuracy_axes(
            ax,
            "rate of induced errors in the history",
            "accuracy at the target turn",
            f"Self-conditioning: {title}",
            len(settings),
        )
    return _save(figure, path)


def frontier_figure(rows: Sequence[FrontierRow], path: Path) -> Path | None:
    """The longest task each model executes in one turn: H_0.5 and H_0.8 per model and
    mode; hatched bars are censored (every probe passed, the horizon is at least that); a
    horizon below the smallest K tried is labelled ``< K`` on an empty bar."""
    if not rows:
        return None
    figure, axes = _figure(height=max(2.5, 0.6 * len(rows) + 1.5))
    ax = axes[0][0]
    labels = [f"{row.model} · {row.mode}" for row in rows]
    positions = np.arange(len(rows))
    for offset, threshold, color in ((-0.2, 50, "tab:blue"), (0.2, 80, "tab:orange")):
        values = [getattr(row, f"horizon_{threshold}") for row in rows]
        uppers = [getattr(row, f"horizon_{threshold}_upper") for row in rows]
        bars = ax.barh(
            positions + offset, values, height=0.38, color=color, label=f"H_0.{threshold // 10}"
        )
        for bar, upper, value in zip(bars, uppers, values, strict=True):
            if upper is None:
                bar.set_hatch("//")
            ax.annotate(
                horizon_text(value, upper).split(" (")[0],
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="keys summed in one turn (K)", title="Single-turn frontier horizon")
    ax.legend(fontsize=8)
    return _save(figure, path)


def theory_figure(rows: Sequence[HorizonRow], path: Path) -> Path | None:
    """Proposition 1's horizon against per-step accuracy p, on the footing of a measured
    one (floor(ln s / ln p) whole steps, so a staircase where it is small), with each
    measured run placed at its estimated p and its measured H_0.5 (circles) and H_0.8
    (squares), 95% intervals as bars; hollow markers are censored (lower bounds). The
    horizon axis is linear below one step, so horizons of 0 are drawn."""
    placed = [row for row in rows if not math.isnan(row.p_step)]
    if not placed:
        return None
    figure, axes = _figure()
    ax = axes[0][0]
    p = 1 - np.logspace(math.log10(1 - _P_RANGE[0]), math.log10(1 - _P_RANGE[1]), 400)
    for threshold, style in ((0.5, "-"), (0.8, "--")):
        theory = [theoretical_grid_horizon(float(value), threshold) for value in p]
        ax.plot(p, theory, color="black", linestyle=style, linewidth=1, label=f"H_{threshold}(p)")
    for row in placed:
        x = min(max(row.p_step, _P_RANGE[0]), _P_RANGE[1])
        label = horizon_label(row)
        color = None
        for threshold, marker in ((50, "o"), (80, "s")):
            value = getattr(row, f"horizon_{threshold}")
            low = value - getattr(row, f"horizon_{threshold}_low")
            high = getattr(row, f"horizon_{threshold}_high") - value
            censored = getattr(row, f"horizon_{threshold}_censored")
            drawn = ax.errorbar(
                [x],
                [value],
                yerr=[[max(low, 0.0)], [max(high, 0.0)]],
                marker=marker,
                color=color,
                markerfacecolor="none" if censored else None,
                capsize=3,
                linestyle="none",
                label=label if threshold == 50 else None,
            )
            color = drawn.lines[0].get_color()
    ax.set_xscale("logit")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(bottom=-0.3)
    ax.set(
        xlabel="per-step accuracy p",
        ylabel="horizon (steps)",
        title="Horizon against per-step accuracy: theory and measured",
    )
    _legend(ax, len(placed) + 2)
    return _save(figure, path)
