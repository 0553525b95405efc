"""What a reader of ``inspect view`` sees: named sample values, the horizon as the headline,
numbered turn spans with a correctness line, marked synthetic turns, tagged frontier logs,
a turn counter, and scores that survive epochs, rescoring and older logs."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from inspect_ai.log import EvalLog, InfoEvent, SpanBeginEvent, read_eval_log
from inspect_ai.model import ChatMessageAssistant
from inspect_ai.scorer import SampleScore, Score

from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.scorers import ExecutionMatrices, TurnCorrectness, metric_names
from long_horizon_execution.scorers.correctness import PER_TURN
from long_horizon_execution.scorers.execution import SAMPLE_VALUES, summarise
from long_horizon_execution.scorers.self_conditioning import CONDITIONING_VALUES
from long_horizon_execution.solvers import progress
from long_horizon_execution.solvers.turn_loop import TURN_SPAN_TYPE


def per_turn(sample: Any) -> TurnCorrectness:
    score = sample.scores["execution_scorer"]
    return TurnCorrectness.from_score(score.value, score.metadata)


def test_a_sample_is_a_few_named_values_and_the_horizon_leads(run_eval: Any) -> None:
    log = run_eval(horizon(samples=4, turns=12), model_args={"p": 0.9, "seed": 3})
    metrics = list(log.results.scores[0].metrics)
    assert metrics[:2] == ["horizon_50", "horizon_80"] and metrics == metric_names()
    assert log.eval.headline_metric is not None
    assert log.eval.headline_metric.metric == "horizon_50"
    for sample in log.samples:
        score = sample.scores["execution_scorer"]
        assert tuple(score.value) == SAMPLE_VALUES
        correctness = per_turn(sample)
        failures = np.flatnonzero(correctness.task == 0.0)
        right = int(failures[0]) if failures.size else 12
        assert score.value["steps_right"] == right
        first = score.value["first_wrong_turn"]
        assert (math.isnan(first) and not failures.size) or first == right + 1
        assert score.value["turns_answered"] == 12
        assert score.value["turn_accuracy"] == pytest.approx(np.mean(correctness.turn), abs=1e-4)
        assert "steps entirely right" in (score.explanation or "")


def test_each_turn_is_a_numbered_span_with_its_verdict(run_eval: Any) -> None:
    log = run_eval(horizon(samples=1, turns=8), model_args={"p": 0.7, "seed": 5})
    sample = log.samples[0]
    spans = [e for e in sample.events if isinstance(e, SpanBeginEvent)]
    turns = [e for e in spans if e.type == TURN_SPAN_TYPE]
    assert [e.name for e in turns] == [f"turn {n}" for n in range(1, 9)]
    assert not any(e.type == "turn" for e in spans)  # the viewer folds that type away
    lines = [e.data for e in sample.events if isinstance(e, InfoEvent)]
    assert len(lines) == 8
    correctness = per_turn(sample)
    targets = [int(t) for t in sample.target]
    for n, line in enumerate(lines, start=1):
        assert isinstance(line, str) and line.startswith(
            f"**turn {n}** · expected {targets[n - 1]}"
        )
        # the line's verdicts are the scorer's
        assert ("total ✓" in line) == (correctness.index[n - 1] == 1.0)
        assert ("turn ✓" in line) == (correctness.turn[n - 1] == 1.0)


def test_epochs_are_separate_trials_and_rescoring_keeps_the_scores(run_eval: Any) -> None:
    log = run_eval(horizon(samples=3, turns=10), model_args={"p": 0.8, "seed": 1}, epochs=2)
    found = {name: m.value for name, m in log.results.scores[0].metrics.items()}
    assert found["observed_turns"] == 3 * 2 * 10 and found["planned_turns"] == 60
    scores = [SampleScore(score=s.scores["execution_scorer"], sample_id=s.id) for s in log.samples]
    assert len(scores) == 6
    expected = summarise(ExecutionMatrices.from_scores(scores))
    for name in ("horizon_50", "horizon_80", "turn_accuracy", "task_accuracy"):
        assert found[name] == pytest.approx(expected[name], nan_ok=True)
    # As a user rescores: the command line. Inspect logs a packaged scorer's name without
    # its package, so the scorer is named in full (the README says so).
    inspect = str(Path(sys.executable).with_name("inspect"))
    scorer = "long_horizon_execution/execution_scorer"
    done = subprocess.run(
        [
            inspect,
            "score",
            log.location,
            "--scorer",
            scorer,
            "--action",
            "overwrite",
            "--overwrite",
            "--display",
            "none",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    again: EvalLog = read_eval_log(log.location)
    redone = {name: m.value for name, m in again.results.scores[0].metrics.items()}
    assert redone == pytest.approx(found, nan_ok=True)
    for before, after in zip(log.samples, again.samples, strict=True):
        assert after.scores["execution_scorer"].value == pytest.approx(
            before.scores["execution_scorer"].value, nan_ok=True
        )


def test_logs_written_before_the_named_values_still_read() -> None:
    correctness = TurnCorrectness(
        index=np.array([1.0, 0.0, np.nan]),
        task=np.array([1.0, 0.0, np.nan]),
        turn=np.array([1.0, 0.0, np.nan]),
    )
    old = TurnCorrectness.from_score(correctness.as_value(), {"k": 1})
    new = TurnCorrectness.from_score({"steps_right": 1.0}, {PER_TURN: correctness.as_metadata()})
    for read in (old, new):
        assert np.array_equal(read.flat(), correctness.flat(), equal_nan=True)
    with pytest.raises(ValueError, match="index, task and turn"):
        TurnCorrectness.from_score({}, {PER_TURN: {"index": [1.0]}})
    old_matrices = ExecutionMatrices.from_values([correctness.as_value()], [{"k": 1}])
    new_matrices = ExecutionMatrices.from_scores(
        [SampleScore(score=Score(value={}, metadata={PER_TURN: correctness.as_metadata()}))]
    )
    assert np.array_equal(old_matrices.task, new_matrices.task, equal_nan=True)


def test_wrong_synthetic_turns_are_marked_and_metric_names_are_short(run_eval: Any) -> None:
    task = self_conditioning(samples=2, rates=[0.0, 0.5], target_turn=8)
    log = run_eval(task, model_args={"p": 1.0})
    names = list(log.results.scores[0].metrics)
    assert names[:2] == ["slope_shown", "slope_true"]
    assert {"shown_0", "shown_50", "true_50", "shown_50_low"} <= set(names)
    assert max(len(name) for name in names) <= len("slope_shown_high")
    marked = 0
    for sample in log.samples:
        assert tuple(sample.scores["self_conditioning_scorer"].value) == CONDITIONING_VALUES
        for message in sample.messages:
            meta = message.metadata or {}
            if isinstance(message, ChatMessageAssistant) and meta.get("injected"):
                assert meta["wrong"] == (meta["shown_total"] != meta["true_total"])
                marked += meta["wrong"]
    assert marked > 0  # rate 0.5 over 7 synthetic turns planted some errors


def test_the_turn_counter_ends_at_the_turns_run(
    run_eval: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(progress, "display_counter", lambda caption, value: shown.append(value))
    before = progress.turns_done()
    run_eval(horizon(samples=3, turns=7), model_args={"p": 0.9})
    assert progress.turns_done() - before == 21
    assert shown and shown[-1] == f"{progress.turns_done():,}"
