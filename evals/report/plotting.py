"""What every report figure shares: a figure to draw on, saving it as PNG and SVG, the 0-1
accuracy scale, integer step ticks, log axes for counts of steps, banded curves, and the
markers (circle H_0.5, square H_0.8, hollow when censored) with the legend entries that
name them.

Figures are drawn by functions that return a matplotlib ``Figure`` (None when they have
nothing to draw), so the tests can read their axes; :func:`save` writes them.
"""

from __future__ import annotations

import math
import textwrap
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from long_horizon_execution.evals.report.horizon_rows import Curve

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

DPI = 120
FORMATS = ("png", "svg")
"""Every figure is written in each of these formats, side by side."""
_BELOW: weakref.WeakSet[Legend] = weakref.WeakSet()
"""Legends placed below their panel, moved under its labels once the layout is done."""
_LEGEND_ENTRIES = 5
_LEGEND_WIDTH = 48
_WRAP = 80
_SIDE_WRAP = 55
"""A legend of more entries, or a longer one, goes below its panel, wrapped at _WRAP."""
THRESHOLDS = (50, 80)
"""H_0.5 and H_0.8, as the rows name them (``horizon_50``)."""
MARKERS = {50: "o", 80: "s"}
MODE_STYLES = {"plain": "--", "cot": "-", "thinking": "-."}
"""Line styles of the modes: answer only, visible working, provider reasoning."""


def horizon_name(threshold: int) -> str:
    """50 -> 'H_0.5'."""
    return f"H_0.{threshold // 10}"


def new_figure(
    columns: int = 1, width: float = 7.5, height: float = 4.5, rows: int = 1
) -> tuple[Figure, Any]:
    """A figure of ``rows`` of ``columns`` panels (``axes[row][column]``), each row
    ``height`` high, drawn off-screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(rows, columns, figsize=(width, height * rows), squeeze=False)


def save(figure: Figure | None, path: Path, laid_out: bool = False) -> list[Path]:
    """``figure`` as ``path`` with each of :data:`FORMATS` as suffix (PNG first); nothing
    when there is no figure. ``laid_out``: the figure has placed its own parts (a legend
    for the whole figure); leave them. The SVG carries no date and fixed ids, so an unchanged report
    rewrites unchanged files."""
    if figure is None:
        return []
    import matplotlib
    import matplotlib.pyplot as plt

    if not laid_out:  # a figure with a figure-level legend lays itself out
        figure.tight_layout()
        _place_below(figure)
    written = []
    with matplotlib.rc_context({"svg.hashsalt": "long-horizon-execution"}):
        for suffix in FORMATS:
            target = path.with_suffix(f".{suffix}")
            metadata = {"Date": None} if suffix == "svg" else None
            figure.savefig(
                target,
                dpi=DPI,
                metadata=metadata,
                bbox_inches="tight",
                bbox_extra_artists=[ax.get_legend() for ax in figure.axes if ax.get_legend()],
            )
            written.append(target)
    plt.close(figure)
    return written


def _place_below(figure: Figure) -> None:
    """Legends below their panel are moved just under its tick labels and axis label,
    however tall the panel (in axes units, which do not change with the DPI)."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for axes in figure.axes:
        drawn = axes.get_legend()
        # The panel's extent without the legend (which is out of the layout).
        extent = axes.get_tightbbox(renderer)
        if drawn is not None and drawn in _BELOW and extent is not None:
            below = (extent.y0 - axes.bbox.y0) / axes.bbox.height
            drawn.set_bbox_to_anchor((0.5, below - 0.02))


def legend(
    axes: Axes,
    extra: Sequence[Artist] = (),
    source: Axes | None = None,
    side: bool = False,
    below: bool = False,
    **options: Any,
) -> None:
    """The legend of the labelled artists (of ``source``, by default ``axes``), then
    ``extra`` entries (marker keys). A legend of many or long entries goes below the
    panel (always with ``below``), or beside it with ``side`` (panels stacked in rows),
    its labels wrapped, so it hides no data; the saved figure grows to hold it."""
    handles, labels = (source or axes).get_legend_handles_labels()
    handles += list(extra)
    labels += [str(handle.get_label()) for handle in extra]
    if not handles:
        return
    settings: dict[str, Any] = {"fontsize": 7, "loc": "best", "framealpha": 0.85}
    outside = (
        side or below or len(labels) > _LEGEND_ENTRIES or max(map(len, labels)) > _LEGEND_WIDTH
    )
    if outside:
        wrap = _SIDE_WRAP if side else _WRAP
        labels = [textwrap.fill(label, wrap, subsequent_indent="  ") for label in labels]
        place = ("upper left", (1.02, 1.0)) if side else ("upper center", (0.5, -0.15))
        settings |= {"loc": place[0], "bbox_to_anchor": place[1], "frameon": False}
    drawn = axes.legend(handles, labels, **(settings | options))
    drawn.set_in_layout(not outside)
    if outside and not side:
        _BELOW.add(drawn)


def accuracy_axes(axes: Axes, xlabel: str, ylabel: str, title: str) -> None:
    """Labels and a 0-1 accuracy scale."""
    axes.set(xlabel=xlabel, ylabel=ylabel, ylim=(-0.02, 1.02), title=title)


def integer_ticks(axis: Axis) -> None:
    """Ticks on whole numbers only: steps, turns and votes are counts."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))


def plain_numbers(axis: Axis) -> None:
    """Tick labels as plain numbers (1000, not 10^3): horizons are counts of steps."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))


def log_count_axis(axes: Axes, which: str, values: Iterable[float]) -> None:
    """A log ``which`` ("x" or "y") axis for counts of steps (K, horizons) that may run
    from 1 to thousands, labelled in plain integers: at each value when there are few,
    else at powers of ten."""
    from matplotlib.ticker import FixedLocator, LogLocator, NullFormatter

    shown = sorted({v for v in values if v > 0 and math.isfinite(v)})
    axis: Axis = axes.xaxis if which == "x" else axes.yaxis
    axes.set_xscale("log") if which == "x" else axes.set_yscale("log")
    if 0 < len(shown) <= 8:
        axis.set_major_locator(FixedLocator(shown))
        axis.set_minor_locator(LogLocator(subs="auto"))
    plain_numbers(axis)
    axis.set_minor_formatter(NullFormatter())


def threshold_lines(axes: Axes) -> None:
    """Dotted lines at the accuracies 0.5 and 0.8 that H_0.5 and H_0.8 are read at."""
    for threshold in THRESHOLDS:
        axes.axhline(threshold / 100, color="grey", linestyle=":", linewidth=0.9)


def banded(axes: Axes, curve: Curve, **style: Any) -> str:
    """``curve`` with its band (when it has one) in one colour; returns the colour."""
    settings: dict[str, Any] = {"linewidth": 1.4, "label": curve.label}
    (line,) = axes.plot(curve.x, curve.y, **(settings | style))
    color = color_of(line)
    if curve.low is not None and curve.high is not None:
        axes.fill_between(curve.x, curve.low, curve.high, color=color, alpha=0.16, linewidth=0)
    return color


def color_of(line: Any) -> str:
    """A drawn line's colour as a hex string (matplotlib may hold it as a tuple)."""
    from matplotlib.colors import to_hex

    return to_hex(line.get_color())


def horizon_marker(
    axes: Axes, x: float, y: float, threshold: int, color: str, censored: bool = False
) -> None:
    """The marker of an H_0.5 (circle) or H_0.8 (square) at (x, y), hollow when censored."""
    axes.plot(
        [x],
        [y],
        marker=MARKERS[threshold],
        color=color,
        markerfacecolor="none" if censored else color,
        markersize=6,
        linestyle="none",
    )


def marker_key(
    meanings: dict[int, str], censored: bool = False, colors: dict[int, str] | None = None
) -> list[Artist]:
    """Legend entries naming the markers: ``meanings`` maps 50/80 to what the marker
    shows (in ``colors`` when the markers have fixed ones, else black); with ``censored``,
    an entry saying a hollow marker is a lower bound."""
    return [
        key_entry(MARKERS[t], f"{horizon_name(t)}: {meaning}", (colors or {}).get(t, "black"))
        for t, meaning in meanings.items()
    ] + ([key_entry("o", "hollow: censored (at least this)", filled=False)] if censored else [])


def key_entry(marker: str, label: str, color: str = "black", filled: bool = True) -> Artist:
    """A legend entry showing ``marker`` alone."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        marker=marker,
        color=color,
        markerfacecolor=color if filled else "none",
        linestyle="none",
        markersize=6,
        label=label,
    )


def settings_text(parts: Iterable[str]) -> str:
    """Non-empty parts joined as a label."""
    return " · ".join(part for part in parts if part)
