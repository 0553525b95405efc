"""Samples that stop early and several epochs, end to end: a sample that could not go on is
never counted as right beyond what was observed, and one epoch never hides another."""

from __future__ import annotations

import math
from typing import Any

from scripted import scripted_outputs

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.horizon import horizon
from tests.score_reading import per_turn_flat


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for name, m in log.results.scores[0].metrics.items()}


def last_step_alive(log: Any) -> int:
    """The most turns (K = 1: steps) any sample answered while still entirely right."""
    best = 0
    for sample in log.samples:
        task = per_turn_flat(sample.scores["execution_scorer"])
        turns = len(task) // 3
        alive = [v == 1.0 for v in task[turns : 2 * turns]]
        best = max(best, alive.index(False) if False in alive else turns)
    return best


def test_no_turn_answered_reports_unknown_not_right(run_eval: Any) -> None:
    log = run_eval(horizon(samples=4, turns=10), model_args={"p": 0.99, "context_window": 1})
    assert metrics(log)["task_accuracy"] != 1.0
    assert all(TurnLog.of_sample(s).ended == "context_exhausted" for s in log.samples)
    result = metrics(log)
    assert math.isnan(result["task_accuracy"]) and math.isnan(result["turn_accuracy"])
    assert result["known_steps"] == 0.0
    assert result["horizon_50"] == 0.0 and result["horizon_50_censored"] == 1.0
    assert result["full_correct"] == 0.0
    assert (result["observed_turns"], result["planned_turns"]) == (0.0, 40.0)


def test_a_run_that_stops_early_is_censored_where_it_stopped(run_eval: Any) -> None:
    log = run_eval(horizon(samples=4, turns=50), model_args={"p": 1.0, "context_window": 705})
    alive = last_step_alive(log)
    assert 0 < alive < 50
    result = metrics(log)
    assert result["horizon_50"] == alive and result["horizon_50_censored"] == 1.0
    assert result["horizon_50_high"] <= alive
    assert result["known_steps"] == alive
    assert math.isnan(result["task_accuracy"])
    assert result["observed_turns"] < result["planned_turns"] == 200.0


def test_a_message_limit_censors_at_the_last_answered_turn(run_eval: Any) -> None:
    # system message + 3 turns of (user, assistant) = 7 messages
    log = run_eval(horizon(samples=2, turns=10), model_args={"p": 1.0}, message_limit=7)
    result = metrics(log)
    assert result["horizon_50"] == 3.0 and result["horizon_50_censored"] == 1.0
    assert math.isnan(result["task_accuracy"])
    assert result["observed_turns"] == 6.0


def test_a_reply_cut_while_right_is_censored_after_it(run_eval: Any) -> None:
    outputs = scripted_outputs(
        ("<answer>88</answer>", "stop"), ("<answer>57</answer>", "max_tokens")
    )
    log = run_eval(
        horizon(samples=1, turns=5), model="mockllm/model", model_args={"custom_outputs": outputs}
    )
    assert TurnLog.of_sample(log.samples[0]).ended == "reply_cut"
    result = metrics(log)
    assert result["horizon_50"] == 2.0 and result["horizon_50_censored"] == 1.0
    assert math.isnan(result["task_accuracy"]) and result["known_steps"] == 2.0


def test_an_epoch_that_failed_is_not_brought_back_by_another(run_eval: Any) -> None:
    # instance 0 (alarm 88, coach -31: totals 88, 57): epoch 1 is wrong at turn 1, then its
    # context runs out; epoch 2 is right throughout
    outputs = scripted_outputs(
        "<answer>90</answer>",
        ("", "model_length"),
        "<answer>88</answer>",
        "<answer>57</answer>",
    )
    log = run_eval(
        horizon(samples=1, turns=2),
        model="mockllm/model",
        model_args={"custom_outputs": outputs},
        epochs=2,
        max_samples=1,
    )
    assert sorted(TurnLog.of_sample(s).ended or "" for s in log.samples) == [
        "completed",
        "context_exhausted",
    ]
    result = metrics(log)
    assert result["task_accuracy"] == 0.5 and result["full_correct"] == 0.5
    assert result["turn1_accuracy"] == 0.5
    assert result["horizon_50"] == 2.0 and result["horizon_80"] == 0.0
    assert (result["observed_turns"], result["planned_turns"]) == (3.0, 4.0)


def test_epochs_are_independent_trials_of_their_instance(run_eval: Any) -> None:
    one = metrics(run_eval(horizon(samples=3, turns=8), model_args={"p": 0.8}, epochs=1))
    three = run_eval(horizon(samples=3, turns=8), model_args={"p": 0.8}, epochs=3)
    result = metrics(three)
    assert result["planned_turns"] == 3 * 3 * 8 == 3 * one["planned_turns"]
    # every epoch's score is kept as scored: 0/1 per turn, never an average
    for sample in three.samples:
        assert set(per_turn_flat(sample.scores["execution_scorer"])) <= {0.0, 1.0}
    trials = [per_turn_flat(s.scores["execution_scorer"])[8:16] for s in three.samples]
    alive_to_end = sum(row[-1] == 1.0 for row in trials)
    assert result["task_accuracy"] == alive_to_end / 9
