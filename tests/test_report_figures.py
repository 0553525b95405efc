"""The report's figures, drawn from small simulated logs: every figure is written as PNG and
SVG, intervals band the turn-accuracy curves and contain their point estimates, step axes
tick on whole numbers, single-turn horizons sit on a log axis, and legends name the H_0.5
and H_0.8 markers. The comparison figures (accuracy and horizon against K, thinking
against not, votes) are drawn when the logs allow them and left out when they do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from long_horizon_execution.evals.frontier import frontier  # noqa: E402
from long_horizon_execution.evals.horizon import horizon  # noqa: E402
from long_horizon_execution.evals.report import figures, figures_compare, figures_k  # noqa: E402
from long_horizon_execution.evals.report.bands import turn_accuracy_interval, turn_band  # noqa: E402
from long_horizon_execution.evals.report.cli import build_report  # noqa: E402
from long_horizon_execution.evals.report.frontier_rows import FrontierRow  # noqa: E402
from long_horizon_execution.evals.report.output import Report  # noqa: E402
from long_horizon_execution.evals.report.plotting import save  # noqa: E402
from long_horizon_execution.evals.self_conditioning import self_conditioning  # noqa: E402
from long_horizon_execution.scorers.metrics import trial_weights  # noqa: E402

SIM = "simulated/executor"
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".svg": b"<?xml"}
FIGURES = (
    "task_accuracy",
    "turn_accuracy",
    "thinking",
    "votes",
    "self_conditioning",
    "frontier",
    "accuracy_vs_k",
    "horizon_theory",
)


def run(task: Task, log_dir: Path, model_args: dict[str, Any]) -> EvalLog:
    log = inspect_eval(
        task, model=SIM, model_args=model_args, log_dir=str(log_dir), display="none"
    )[0]
    assert log.status == "success", log.error
    return log


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Multi-turn runs of one simulated model plain and cot, at K = 1 and 2 over 12 steps,
    with 1 and 3 votes; single-turn probes at K = 1, 2, 4; and a self-conditioning run."""
    root = tmp_path_factory.mktemp("figures") / "logs"
    p = {"p": 0.9}
    run(horizon(samples=6, turns=12), root, p)
    run(horizon(samples=6, turns=12, mode="cot"), root, p)
    run(horizon(samples=6, steps=12, k=2), root, p)
    run(horizon(samples=6, turns=12, votes=3), root, p)
    run(self_conditioning(samples=4, rates=[0.0, 1.0], target_turn=4), root, p)
    capacity = {"p": 1.0, "single_turn_capacity": 2.5, "capacity_spread": 0.02}
    for k in (1, 2, 4):
        run(frontier(k=k, samples=6, mode="plain", dict_size=20), root / "frontier", capacity)
    return root


@pytest.fixture(scope="module")
def report(logs: Path) -> Report:
    return build_report([str(logs)], str(logs.parent / "out"), quiet=True)


def legend_texts(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [text.get_text().replace("\n", " ") for text in legend.get_texts()]


def names_both_markers(ax: Axes) -> bool:
    texts = " ".join(legend_texts(ax))
    return "H_0.5" in texts and "H_0.8" in texts


def errorbar_x(ax: Axes) -> list[float]:
    """The x values of the panel's one series with error bars."""
    (series,) = ax.containers
    assert isinstance(series, ErrorbarContainer)
    return list(np.asarray(series.lines[0].get_xdata()))


def panels(figure: Figure | None) -> list[Axes]:
    assert figure is not None
    return list(figure.axes)


def test_every_figure_is_written_as_png_and_svg(logs: Path, report: Report) -> None:
    out = logs.parent / "out"
    for name in FIGURES:
        for suffix, magic in MAGIC.items():
            path = out / f"{name}{suffix}"
            assert path.read_bytes()[: len(magic)] == magic, path.name
            assert str(path) in report.files
    index = (out / "report.md").read_text()
    assert "![accuracy_vs_k](accuracy_vs_k.png) ([SVG](accuracy_vs_k.svg))" in index


def test_turn_accuracy_has_bands_that_contain_the_curve(report: Report) -> None:
    for result in report.horizon:
        for curve in (result.turn_curve, result.task_curve):
            assert curve.low is not None and curve.high is not None
            y, low, high = np.array(curve.y), np.array(curve.low), np.array(curve.high)
            assert low.shape == high.shape == y.shape == (len(curve.x),)
            assert np.all(low <= y + 1e-12) and np.all(y <= high + 1e-12), curve.label
        row = result.row
        assert row.turn_accuracy_low <= row.turn_accuracy <= row.turn_accuracy_high
        assert row.turn_accuracy_low < row.turn_accuracy_high  # p = 0.9: some turns fail
    ax = panels(figures.turn_accuracy_figure(report.horizon))[0]
    assert len(ax.collections) == len(report.horizon)  # one band per run


def test_step_axes_tick_on_whole_numbers_and_legends_name_the_markers(report: Report) -> None:
    task = panels(figures.task_accuracy_figure(report.horizon))[0]
    turn = panels(figures.turn_accuracy_figure(report.horizon))[0]
    for ax in (task, turn):
        ticks = ax.get_xticks()
        assert len(ticks) > 1 and np.all(ticks == np.round(ticks))
    assert names_both_markers(task)
    theory = panels(figures.theory_figure([r.row for r in report.horizon]))[0]
    assert names_both_markers(theory)
    # every run's horizons are marked on its curve: two markers per run
    marks = [line for line in task.lines if line.get_marker() in ("o", "s")]
    assert len(marks) == 2 * len(report.horizon)


def test_the_frontier_is_on_a_log_axis_from_under_4_to_over_2100() -> None:
    def row(model: str, h50: int, up50: int | None, h80: int, up80: int | None) -> FrontierRow:
        return FrontierRow(
            model=model,
            mode="thinking",
            variant="",
            probes=8,
            samples=20,
            horizon_50=h50,
            horizon_50_upper=up50,
            horizon_80=h80,
            horizon_80_upper=up80,
            tokens=0,
            reasoning_tokens=0,
            logs=1,
        )

    rows = [row("big", 2100, None, 1200, 1300), row("small", 3, 4, 0, 1)]
    ax = panels(figures_k.frontier_figure(rows))[0]
    assert ax.get_xscale() == "log"
    low, high = ax.get_xlim()
    assert low < 1 and high > 2100
    texts = legend_texts(ax)
    assert names_both_markers(ax)
    assert any("censored" in t for t in texts) and any("below the smallest K" in t for t in texts)
    labels = {text.get_text() for text in ax.texts}
    assert {"≥ 2100", "3 (fails at 4)", "< 1"} <= labels


def test_accuracy_and_horizon_against_k(report: Report) -> None:
    figure = figures_k.accuracy_vs_k_figure(report.probes, report.frontier, report.horizon)
    single, accuracy, horizon_panel = panels(figure)
    assert single.get_xscale() == "log" and names_both_markers(single)
    (front,) = report.frontier
    assert (front.horizon_50, front.horizon_50_upper) == (2, 4)
    # the frontier's H_0.5 is marked on the 0.5 line at K = 2
    marks = [line for line in single.lines if line.get_marker() == "o"]
    assert [(np.asarray(m.get_xdata())[0], np.asarray(m.get_ydata())[0]) for m in marks] == [
        (2, 0.5)
    ]
    assert accuracy.get_xscale() == "log" and horizon_panel.get_xscale() == "log"
    assert names_both_markers(horizon_panel)
    assert errorbar_x(accuracy) == [1.0, 2.0]  # K = 1 and 2 over 12 steps


def test_thinking_against_not_pairs_the_modes_of_one_setting(report: Report) -> None:
    task, turn = panels(figures_compare.thinking_figure(report.horizon))
    texts = legend_texts(turn)
    assert sum(t.startswith("cot") for t in texts) == 1
    assert sum(t.startswith("plain") for t in texts) == 1  # the 1-vote K = 1 plain run
    assert names_both_markers(turn)
    styles = {line.get_linestyle() for line in task.lines if line.get_marker() == "None"}
    assert {"-", "--"} <= styles


def test_votes_against_one_reply(report: Report) -> None:
    task, turn, horizon_panel = panels(figures_compare.votes_figure(report.horizon))
    assert sorted(r.votes for r in report.horizon) == [1, 1, 1, 3]
    assert any(t.startswith("votes=3") for t in legend_texts(task))
    assert errorbar_x(turn) == [1, 3]
    ticks = horizon_panel.get_xticks()
    assert np.all(ticks == np.round(ticks)) and names_both_markers(horizon_panel)


def test_figures_without_their_runs_are_left_out(report: Report, tmp_path: Path) -> None:
    plain = [r for r in report.horizon if r.row.mode == "plain" and r.votes == 1]
    one = plain[:1]
    assert figures_compare.thinking_figure(plain) is None
    assert figures_compare.votes_figure(plain) is None
    assert figures_k.accuracy_vs_k_figure([], [], one) is None
    assert save(None, tmp_path / "none") == []


def test_svg_is_the_same_when_the_report_is_drawn_again(report: Report, tmp_path: Path) -> None:
    first = save(figures.task_accuracy_figure(report.horizon), tmp_path / "a")
    second = save(figures.task_accuracy_figure(report.horizon), tmp_path / "b")
    assert [p.suffix for p in first] == [".png", ".svg"]
    assert first[1].read_bytes() == second[1].read_bytes()


def _resampled_means(turn: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each resample's per-turn accuracy by repeating trials, the slow obvious way."""
    means = []
    for row in weights:
        drawn = np.repeat(turn, row.astype(int), axis=0)
        counts = (~np.isnan(drawn)).sum(axis=0)
        sums = np.nansum(drawn, axis=0)
        means.append(np.where(counts > 0, sums / np.maximum(counts, 1), np.nan))
    return np.array(means)


def test_turn_band_resamples_instances_as_the_obvious_loop_does() -> None:
    rng = np.random.default_rng(3)
    turn = (rng.random((9, 7)) < 0.8).astype(np.float64)
    turn[2, 4:] = np.nan  # a trial that stopped early
    units = [0, 0, 1, 1, 2, 3, 3, 4, 5]  # epochs of one instance drawn together
    weights = trial_weights(9, units, 200, 0)
    means = _resampled_means(turn, weights)
    expected = np.nanpercentile(means, [2.5, 97.5], axis=0)
    low, high = turn_band(turn, resamples=200, units=units)
    assert np.allclose(low, expected[0]) and np.allclose(high, expected[1])
    picked_low, _ = turn_band(turn, np.array([0, 6]), resamples=200, units=units)
    assert np.allclose(picked_low, expected[0][[0, 6]])
    pooled = []
    for row in weights:
        drawn = np.repeat(turn, row.astype(int), axis=0)
        pooled.append(np.nansum(drawn) / np.count_nonzero(~np.isnan(drawn)))
    interval = turn_accuracy_interval(turn, resamples=200, units=units)
    assert np.allclose(interval, np.percentile(pooled, [2.5, 97.5]))
    assert all(np.isnan(turn_accuracy_interval(np.full((3, 2), np.nan))))
