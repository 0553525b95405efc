"""Correctness and metrics on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from long_horizon_execution.core import ParsedAnswer
from long_horizon_execution.scorers.correctness import TurnCorrectness, turn_correctness
from long_horizon_execution.scorers.execution import ExecutionMatrices, summarise
from long_horizon_execution.scorers.metrics import (
    bootstrap_horizons,
    horizon_estimate,
    resample_weights,
    trial_weights,
)
from long_horizon_execution.scorers.survival import (
    cumulative_steps,
    horizon,
    settle_failures,
    stack,
    survival_curve,
)
from long_horizon_execution.scorers.theory import (
    step_accuracy_from_turns,
    theoretical_grid_horizon,
    theoretical_horizon,
)

NAN = math.nan


def ints(*values: int | None | str) -> list[ParsedAnswer]:
    answers = []
    for v in values:
        if v is None:
            answers.append(ParsedAnswer(status="no_answer"))
        elif v == "bad":
            answers.append(ParsedAnswer(status="invalid", content="x"))
        else:
            answers.append(ParsedAnswer(status="int", value=int(v)))
    return answers


def test_slip_then_correct_additions_is_turn_correct_but_task_wrong() -> None:
    # true increments 5, 3, -2, 4 -> totals 5, 8, 6, 10; the model slips by +1 at turn 2
    result = turn_correctness(ints(5, 9, 7, 11), [5, 8, 6, 10])
    assert result.index.tolist() == [1, 0, 0, 0]
    assert result.task.tolist() == [1, 0, 0, 0]
    assert result.turn.tolist() == [1, 0, 1, 1]


def test_recovering_the_true_total_is_index_correct_but_not_task_correct() -> None:
    result = turn_correctness(ints(5, 9, 6), [5, 8, 6])
    assert result.index.tolist() == [1, 0, 1]
    assert result.task.tolist() == [1, 0, 0]
    assert result.turn.tolist() == [1, 0, 0]  # 9 + (-2) = 7, not 6


def test_non_integer_outputs_are_never_correct_and_do_not_reset_the_previous_total() -> None:
    # turn 3: P is still 5 (turn 2 gave none), 5 + (-2) != 6; turn 5: P = 6, 6 + 4 = 10
    result = turn_correctness(ints(5, None, 6, "bad", 10), [5, 8, 6, 10, 14])
    assert result.turn.tolist() == [1, 0, 0, 0, 1]
    result = turn_correctness(ints(None, 8), [5, 8])
    assert result.turn.tolist() == [0, 0]  # P = 0 before any integer: 0 + 3 != 8
    result = turn_correctness(ints(None, 3), [5, 8])
    assert result.turn.tolist() == [0, 1]


def test_unreached_turns_are_nan_and_round_trip_through_the_score_value() -> None:
    result = turn_correctness(ints(5), [5, 8, 6])
    assert result.observed_turns == 1
    assert np.isnan(result.task[1:]).all()
    again = TurnCorrectness.from_value(result.as_value())
    assert np.array_equal(again.turn, result.turn, equal_nan=True)


def test_horizon_is_the_largest_length_still_at_threshold() -> None:
    # four samples, first failures at turns 2, 3, 3 and never (of 4)
    task = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=float)
    assert survival_curve(task).tolist() == [1.0, 0.75, 0.25, 0.25]
    steps = cumulative_steps(4, k=3)
    assert horizon(task, steps, 0.5) == (6.0, False)  # 0.75 after turn 2 = 6 steps
    assert horizon(task, steps, 0.8) == (3.0, False)  # 0.75 < 0.8 at turn 2


def test_horizon_is_zero_when_the_first_turn_is_already_below() -> None:
    task = np.array([[0, 0], [0, 0], [1, 1]], dtype=float)
    assert horizon(task, cumulative_steps(2, 1), 0.5) == (0.0, False)


def test_exactly_at_threshold_is_not_below() -> None:
    task = np.array([[1, 1], [1, 0]], dtype=float)
    assert horizon(task, cumulative_steps(2, 1), 0.5) == (2.0, True)


def test_right_censored_when_never_below() -> None:
    task = np.ones((3, 5))
    assert horizon(task, cumulative_steps(5, 2, total_steps=9), 0.5) == (9.0, True)


def test_censored_sample_leaves_the_risk_set() -> None:
    # sample 2 ran out of context after turn 1 while correct: Kaplan-Meier keeps it
    # out of later denominators instead of counting it as a failure
    task = np.array([[1, 1, 0], [1, 1, 1], [1, NAN, NAN], [1, 0, 0]])
    curve = survival_curve(task)
    assert curve[0] == 1.0
    assert curve[1] == pytest.approx(2 / 3)
    assert curve[2] == pytest.approx(2 / 3 * 1 / 2)


def test_epoch_averaged_fractions_reduce_to_the_mean_curve() -> None:
    task = np.array([[1, 0.5, 0.5], [1, 1, 0]])
    assert survival_curve(task).tolist() == [1.0, 0.75, 0.25]


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(1)
    failure = rng.geometric(0.05, size=60)
    task = (np.arange(1, 101)[None, :] < failure[:, None]).astype(float)
    steps = cumulative_steps(100, 1)
    first = bootstrap_horizons(task, steps, 0.5, resamples=200, seed=3)
    assert np.array_equal(first, bootstrap_horizons(task, steps, 0.5, resamples=200, seed=3))
    estimate = horizon_estimate(task, steps, 0.5)
    assert estimate.low <= estimate.value <= estimate.high
    assert estimate.low < estimate.high


def test_proposition_one_values() -> None:
    assert theoretical_horizon(0.9) == pytest.approx(6.58, abs=0.01)
    assert theoretical_horizon(0.95) == pytest.approx(13.5, abs=0.05)
    assert theoretical_horizon(0.99) == pytest.approx(69.0, abs=0.05)
    assert theoretical_horizon(0.999) == pytest.approx(692.8, abs=0.05)
    assert theoretical_horizon(1.0) == math.inf and theoretical_horizon(0.0) == 0.0
    assert step_accuracy_from_turns(0.81, k=2) == pytest.approx(0.9)


def test_summary_on_a_hand_computed_pair() -> None:
    rows = [
        turn_correctness(ints(5, 9, 7, 11), [5, 8, 6, 10]),  # slips at turn 2, then adds
        turn_correctness(ints(1, 2, 3, 4), [1, 2, 3, 4]),
    ]
    summary = summarise(ExecutionMatrices(rows, k=1, total_steps=None))
    assert summary["turn_accuracy"] == pytest.approx(7 / 8)
    assert summary["turn1_accuracy"] == 1.0
    assert summary["task_accuracy"] == 0.5
    assert summary["full_correct"] == 0.5
    assert summary["horizon_50"] == 4.0 and summary["horizon_50_censored"] == 1.0
    assert summary["horizon_80"] == 1.0 and summary["horizon_80_censored"] == 0.0
    assert summary["p_step"] == pytest.approx(7 / 8)
    # Proposition 1 on the same footing: floor(ln 0.5 / ln 0.875) = floor(5.19)
    assert summary["theory_horizon_50"] == 5.0
    assert (summary["observed_turns"], summary["planned_turns"]) == (8.0, 8.0)
    assert summary["known_steps"] == 4.0


# --- censoring, epochs and one horizon definition ------------------------------------------


def summary_of(*rows: TurnCorrectness, k: int = 1, units: list[object] | None = None) -> dict:
    return summarise(ExecutionMatrices(list(rows), k=k, total_steps=None, units=units))


def test_a_failed_sample_stays_failed_after_it_stops() -> None:
    # wrong at turn 1, then stopped (context ran out): it must not leave the risk set alive
    failed_then_stopped = turn_correctness(ints(7), [5, 8, 6])
    assert settle_failures(failed_then_stopped.task[None, :]).tolist() == [[0, 0, 0]]
    right = turn_correctness(ints(5, 8, 6), [5, 8, 6])
    summary = summary_of(failed_then_stopped, right)
    assert summary["task_accuracy"] == 0.5
    assert summary["full_correct"] == 0.5
    assert summary["horizon_50"] == 3.0 and summary["horizon_50_censored"] == 1.0
    assert summary["horizon_80"] == 0.0 and summary["horizon_80_censored"] == 0.0


def test_no_turn_answered_is_unknown_not_right() -> None:
    silent = turn_correctness([], [5, 8, 6, 10])
    summary = summary_of(silent, silent, silent)
    assert math.isnan(summary["task_accuracy"]) and math.isnan(summary["turn_accuracy"])
    assert summary["known_steps"] == 0.0
    assert summary["horizon_50"] == 0.0 and summary["horizon_50_censored"] == 1.0
    assert summary["full_correct"] == 0.0
    assert (summary["observed_turns"], summary["planned_turns"]) == (0.0, 12.0)


def test_accuracy_past_the_last_live_observation_is_unknown() -> None:
    # every sample stopped alive after 2 of 5 turns: known to step 2, horizon at least 2
    stopped = turn_correctness(ints(5, 8), [5, 8, 6, 10, 14])
    failed = turn_correctness(ints(5, 9), [5, 8, 6, 10, 14])
    task = settle_failures(stack([stopped.task, stopped.task, failed.task]))
    curve = survival_curve(task)
    assert curve[:2].tolist() == pytest.approx([1.0, 2 / 3])
    assert np.isnan(curve[2:]).all()
    summary = summary_of(stopped, stopped, failed)
    assert math.isnan(summary["task_accuracy"]) and summary["known_steps"] == 2.0
    assert summary["horizon_50"] == 2.0 and summary["horizon_50_censored"] == 1.0
    assert summary["horizon_50_high"] == 2.0  # no resample may reach past what was seen
    assert summary["horizon_80"] == 1.0 and summary["horizon_80_censored"] == 0.0
    assert summary["observed_turns"] == 6.0 and summary["planned_turns"] == 15.0


def test_all_failed_is_known_to_the_end() -> None:
    failed = turn_correctness(ints(9), [5, 8, 6])
    summary = summary_of(failed, failed)
    assert summary["task_accuracy"] == 0.0 and summary["known_steps"] == 3.0


def test_epochs_are_trials_and_one_cannot_hide_another() -> None:
    # instance 1: wrong at turn 1 then stopped in epoch 1, right throughout in epoch 2
    wrong_then_stopped = turn_correctness(ints(7), [5, 8])
    right = turn_correctness(ints(5, 8), [5, 8])
    summary = summary_of(wrong_then_stopped, right, units=[1, 1])
    assert summary["task_accuracy"] == 0.5 and summary["full_correct"] == 0.5
    # the bootstrap draws instances: one instance, so every resample is the whole data
    assert summary["horizon_50_low"] == summary["horizon_50_high"] == 2.0
    assert summary["horizon_80_low"] == summary["horizon_80_high"] == 0.0


def test_epochs_of_an_instance_are_resampled_together() -> None:
    rng = np.random.default_rng(5)
    first_failure = rng.geometric(0.1, size=(12, 3))  # 12 instances x 3 epochs
    task = (np.arange(1, 41)[None, :] < first_failure.reshape(-1, 1)).astype(float)
    units = np.repeat(np.arange(12), 3)
    weights = trial_weights(task.shape[0], units, 50, 0)
    assert (weights.reshape(50, 12, 3) == weights.reshape(50, 12, 3)[:, :, :1]).all()
    assert weights.sum(axis=1).tolist() == [36.0] * 50
    # distinct instances draw exactly as no labels at all, whatever order they come in
    assert np.array_equal(
        trial_weights(4, [3, 1, 0, 2], 20, 1), resample_weights(4, 20, 1)[:, [3, 1, 0, 2]]
    )
    steps = cumulative_steps(40, 1)
    clustered = bootstrap_horizons(task, steps, 0.5, 200, 0, units=units)
    assert not np.array_equal(clustered, bootstrap_horizons(task, steps, 0.5, 200, 0))


def test_proposition_one_on_the_grid_of_the_measured_horizon() -> None:
    assert theoretical_grid_horizon(0.9) == 6.0  # ln .5 / ln .9 = 6.58
    assert theoretical_grid_horizon(0.99) == 68.0  # 68.97
    assert theoretical_grid_horizon(0.5) == 1.0  # exactly 1: p^1 = s is still at least s
    # K = 4: whole turns of 4 steps, floor(6.58 / 4) = 1 turn
    assert theoretical_grid_horizon(0.9, 0.5, k=4) == 4.0
    assert theoretical_grid_horizon(1.0) == math.inf
    # a curve that reaches s exactly still counts that length, as p^H = s does
    task = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=float)
    assert horizon(task, cumulative_steps(4, 1), 0.5) == (3.0, False)
