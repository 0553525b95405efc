"""The adaptive run: its stopping rule, its rounds on the simulated executor against the run
of every planned turn, resuming from the log dir, refusals, and its place in the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.adaptive import AdaptiveRun
from long_horizon_execution.evals.adaptive_cli import main as adaptive_main
from long_horizon_execution.evals.adaptive_config import AdaptiveConfig
from long_horizon_execution.evals.estimate import estimate_horizon
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.scorers.metrics import horizon_estimates
from long_horizon_execution.scorers.settling import all_settled, settled_horizons
from long_horizon_execution.scorers.survival import cumulative_steps

THRESHOLDS = (0.5, 0.8)


def first_error_matrix(first_error: np.ndarray, cap: int, through: int) -> np.ndarray:
    """Trials failing at ``first_error`` (1-based), observed through ``through`` when still
    right (paused), every turn when already failed."""
    turns = np.arange(1, cap + 1)
    task = np.where(turns < first_error[:, None], 1.0, 0.0)
    task[(turns > through) & (first_error[:, None] > through)] = np.nan
    return task


@pytest.mark.parametrize("seed", range(6))
def test_a_settled_horizon_is_the_one_every_turn_would_give(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cap, trials = 200, 40
    first_error = rng.geometric(rng.uniform(0.02, 0.2), size=trials)
    steps = cumulative_steps(cap, 1)
    full = horizon_estimates(first_error_matrix(first_error, cap, cap), steps, THRESHOLDS)
    seen = set()
    for through in (3, 5, 8, 12, 20, 35, 60, 100):
        settled = settled_horizons(first_error_matrix(first_error, cap, through), steps, THRESHOLDS)
        for horizon_now, whole in zip(settled, full, strict=True):
            now = horizon_now.estimate
            if horizon_now.point_settled:
                assert now.value == whole.value and not whole.censored
            if horizon_now.interval_settled:
                assert (now.value, now.low, now.high) == (whole.value, whole.low, whole.high)
            else:
                assert now.high >= horizon_now.known_steps or now.censored
            seen.add((horizon_now.point_settled, horizon_now.interval_settled))
    assert (False, False) in seen and (True, True) in seen


def test_nothing_is_settled_before_the_curve_falls() -> None:
    steps = cumulative_steps(50, 1)
    task = first_error_matrix(np.array([40, 45, 48, 49]), 50, 10)
    settled = settled_horizons(task, steps, THRESHOLDS)
    assert not any(h.point_settled or h.interval_settled for h in settled)
    assert all(h.estimate.censored and h.estimate.value == 10 for h in settled)
    assert not all_settled(settled, "point")


def config(tmp_path: Path, **fields: Any) -> AdaptiveConfig:
    values: dict[str, Any] = {
        "model": "simulated/executor",
        "log_dir": str(tmp_path / "adaptive"),
        "model_args": {"p": 0.9},
        "task_args": {"samples": 10, "turns": 80},
        "first_round": 4,
    }
    return AdaptiveConfig(**(values | fields))


def test_the_adaptive_run_reports_the_fixed_runs_horizons(tmp_path: Path, run_eval: Any) -> None:
    lines: list[str] = []
    run = AdaptiveRun(config(tmp_path), progress=lines.append)
    report = run.run()
    assert report.stopped == "settled"
    assert [r.through_turn for r in report.rounds] == [4, 8, 16, 32][: len(report.rounds)]
    fixed = run_eval(horizon(samples=10, turns=80), model_args={"p": 0.9})
    metrics = {name: m.value for name, m in fixed.results.scores[0].metrics.items()}
    for h in report.horizons:
        label = f"horizon_{round(h.threshold * 100)}"
        assert (h.horizon, h.low, h.high) == (
            metrics[label],
            metrics[f"{label}_low"],
            metrics[f"{label}_high"],
        )
        assert h.interval_settled
    assert report.turns_asked < metrics["observed_turns"]
    fixed_input = sum(u.input_tokens for u in fixed.stats.model_usage.values())
    assert report.tokens.input < fixed_input / 2
    # the horizon-estimate count of the fixed protocol is close to what it spent
    assert report.fixed_input_tokens == pytest.approx(fixed_input, rel=0.1)
    assert sum(r.tokens.input for r in report.rounds) == report.tokens.input
    assert any("settled: stop" in line for line in lines)
    # every conversation of the last round is a prefix of the fixed run's
    final = {s.id: s for s in fixed.samples}
    from inspect_ai.log import read_eval_log

    last = read_eval_log(report.final_log)
    for sample in last.samples or []:
        texts = [m.text for m in sample.messages]
        assert texts == [m.text for m in final[sample.id].messages][: len(texts)]
        assert TurnLog.of_sample(sample).ended in {"paused", "completed"}

    again = AdaptiveRun(config(tmp_path))
    repeat = again.run()
    assert not again.ran
    assert repeat.horizons == report.horizons and repeat.tokens == report.tokens
    assert all(r.reused for r in repeat.rounds)


def test_an_interrupted_run_goes_on_from_its_furthest_round(tmp_path: Path) -> None:
    first = AdaptiveRun(
        config(tmp_path, task_args={"samples": 6, "turns": 80, "until": "first_error"})
    )
    first.run_round(1, 4, None)
    resumed = AdaptiveRun(
        config(tmp_path, task_args={"samples": 6, "turns": 80, "until": "first_error"})
    )
    report = resumed.run()
    assert report.rounds[0].reused and not report.rounds[-1].reused
    assert report.rounds[0].through_turn == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-T", "through_turn=5"], "-T through_turn is set by the run itself"),
        (["-T", "nosuch=1"], "-T nosuch: not a parameter of the horizon task"),
        (["-T", "turns=0"], "horizon: invalid parameter 'turns'"),
        (["-T", "samples=2", "-T", "turns=600000"], "more than the 1,000,000 a task may hold"),
        (["--threshold", "1.0"], "--threshold"),
        (["--growth", "1"], "--growth"),
        (["--first-round", "0"], "--first-round"),
        (["-T", "votes=3"], "a voted run cannot be extended"),
        (["-M", "nosuch=1"], "unknown parameter 'nosuch'"),
        (["-E", "epochs=2"], "-E epochs is set by the run; use --epochs"),
        (["-E", "nosuch=2"], "-E nosuch: not an option of inspect_ai.eval"),
    ],
)
def test_bad_options_are_refused_before_any_round(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--model", "simulated/executor", "--log-dir", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as stopped:
        adaptive_main(base + argv)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
    assert not list((tmp_path / "out").glob("*.eval"))


def test_the_report_keeps_the_furthest_round(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    from long_horizon_execution.evals.report.cli import build_report

    report = AdaptiveRun(
        config(tmp_path, task_args={"samples": 6, "turns": 80, "until": "first_error"})
    ).run()
    built = build_report([str(tmp_path / "adaptive")], str(tmp_path / "report"), draw=False)
    (row,) = [result.row for result in built.horizon]
    assert f"adaptive, through turn {report.rounds[-1].through_turn}" in row.variant
    assert row.input_tokens == report.tokens.input
    assert row.fixed_input_tokens == report.fixed_input_tokens
    assert row.turn_accuracy_conditional is not None
    assert built.horizon[0].turn_curve is None
    skipped = [note for note in built.notes if "an earlier round of the adaptive run" in note]
    assert len(skipped) == len(report.rounds) - 1
    assert not built.hazard and not built.attribution
    assert any("no hazard fit or error attribution" in note for note in built.notes)


def test_the_fixed_estimate_is_calibrated_on_round_one(tmp_path: Path) -> None:
    """A tokenizer that bills twice the characters' count doubles the fixed estimate; round
    1's usage is the pilot, so no extra request is made."""
    from inspect_ai.log import read_eval_log, write_eval_log

    from long_horizon_execution.evals.adaptive_estimate import estimate_from_round

    task_args = {"samples": 4, "turns": 40}
    first = AdaptiveRun(config(tmp_path, task_args=task_args, model_args={"p": 1.0}))
    report = first.run()
    assert report.fixed_estimate.startswith("pilot") and "round 1" in report.fixed_estimate
    round_one = report.rounds[0].log
    plain = estimate_from_round(task_args, "simulated/executor", round_one, 4)
    assert plain is not None
    characters = estimate_horizon(**task_args)
    assert plain.input_tokens == pytest.approx(characters.input_tokens, rel=0.05)

    log = read_eval_log(round_one)
    for sample in log.samples or []:
        for key, records in sample.store.items():
            if key.startswith("TurnLog:") and isinstance(records, list):
                for record in records:
                    if isinstance(record, dict) and record.get("usage"):
                        usage = record["usage"]
                        usage["input_tokens"] *= 2
                        usage["output_tokens"] *= 2
    doubled_path = tmp_path / "doubled.eval"
    write_eval_log(log, str(doubled_path))
    doubled = estimate_from_round(task_args, "simulated/executor", str(doubled_path), 4)
    assert doubled is not None
    assert doubled.input_tokens == pytest.approx(2 * characters.input_tokens, rel=0.1)
    assert doubled.output_tokens == pytest.approx(2 * characters.output_tokens, rel=0.1)
