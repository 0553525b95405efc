"""The error-attribution figure: each kind of slip's share of the failed turns against the
turn, one panel per run, drawn with matplotlib (the ``analysis`` extra)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from long_horizon_execution.evals.report.attribution_rows import AttributionCurve
from long_horizon_execution.scorers.attribution import CATEGORIES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_DPI = 120
_COLUMNS = 2
COLOURS = {
    "lookup": "tab:blue",
    "arithmetic": "tab:orange",
    "stale": "tab:green",
    "skip_repeat": "tab:purple",
    "format": "tab:red",
    "other": "tab:gray",
    "ambiguous": "tab:olive",
}


def attribution_figure(curves: Sequence[AttributionCurve]) -> Figure | None:
    """Stacked bars: the shares of the failed turns per category at each turn (bins of
    turns for long runs; in cot mode the categories once the working is read); a turn
    where none failed is left blank. Runs with fewer than two
    turns holding failures (a self-conditioning target turn) are left out: their shares
    are in the table."""
    drawn = [curve for curve in curves if sum(1 for f in curve.failed if f) >= 2]
    if not drawn:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(_COLUMNS, len(drawn))
    rows = math.ceil(len(drawn) / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(6.5 * columns, 3.6 * rows), squeeze=False, sharey=True
    )
    for index, curve in enumerate(drawn):
        ax = axes[index // columns][index % columns]
        turns = np.array(curve.turn)
        failed = np.array(curve.failed)
        width = float(turns[1] - turns[0]) if turns.size > 1 else 1.0
        bottom = np.zeros(turns.size)
        for category in CATEGORIES:
            share = np.where(failed > 0, np.nan_to_num(curve.shares[category]), 0.0)
            ax.bar(
                turns,
                share,
                width=width * 0.9,
                bottom=bottom,
                color=COLOURS[category],
                label=category,
            )
            bottom += share
        ax.set(
            xlabel="turn",
            ylabel="share of failed turns",
            ylim=(0, 1),
            title=f"{curve.label}\n{int(failed.sum())} failed turns",
        )
        ax.title.set_fontsize(8)
    for index in range(len(drawn), rows * columns):
        axes[index // columns][index % columns].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(CATEGORIES), fontsize=8)
    figure.suptitle("Kinds of slip among failed turns, against the turn", fontsize=10)
    figure.tight_layout(rect=(0, 0.06, 1, 0.97))
    return figure
