"""The decay-versus-self-conditioning figure: each run's two slopes with their 95%
intervals, side by side on the log-odds scale, against zero (no effect)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from long_horizon_execution.evals.report.hazard_rows import HazardRow
from long_horizon_execution.evals.report.runs import setting_label
from long_horizon_execution.scorers.hazard import CONTEXT_UNIT

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_PANELS = (
    ("decay", f"decay, per {CONTEXT_UNIT} turns"),
    ("conditioning", "self-conditioning, all shown totals wrong vs none"),
)


def _label(row: HazardRow) -> str:
    """The run in two lines: model, mode and K; then the task and how the run differs."""
    extra = " · ".join(part for part in (row.task, row.variant, row.run) if part)
    return f"{setting_label(row.model, row.mode, row.k)}\n{extra}"


def hazard_figure(rows: Sequence[HazardRow]) -> Figure | None:
    """A forest plot of decay and conditioning per run; nothing when no run has either
    (the report saves it, see ``plotting.save``)."""
    drawn = [row for row in rows if not (math.isnan(row.decay) and math.isnan(row.conditioning))]
    if not drawn:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = 1.8 + 0.6 * len(drawn)
    figure, axes = plt.subplots(1, 2, figsize=(12, height), sharey=True, squeeze=False)
    positions = list(range(len(drawn)))[::-1]
    for ax, (name, title) in zip(axes[0], _PANELS, strict=True):
        for y, row in zip(positions, drawn, strict=True):
            value, low, high = (getattr(row, f"{name}{end}") for end in ("", "_low", "_high"))
            if math.isnan(value):
                ax.text(
                    0.5, y, "not identified", transform=ax.get_yaxis_transform(),
                    ha="center", va="center", fontsize=7, color="grey",
                )  # fmt: skip
                continue
            if not math.isnan(low):
                ax.plot([low, high], [y, y], color="tab:blue", linewidth=1.6)
            # hollow: a fit in doubt (few errors, separated, no interval)
            face = "white" if row.cautioned else "tab:blue"
            ax.plot([value], [y], "o", color="tab:blue", markerfacecolor=face, markersize=6)
        ax.axvline(0.0, color="grey", linestyle=":", linewidth=0.9)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("change in log-odds of a turn error (95% interval)", fontsize=8)
    axes[0][0].set_yticks(positions, [_label(row) for row in drawn], fontsize=7)
    axes[0][0].set_ylim(-0.6, len(drawn) - 0.4)
    return figure
