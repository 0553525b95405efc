"""Correctness and metrics on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scorers.correctness import TurnCorrectness, turn_correctness
from scorers.execution import ExecutionMatrices, summarise
from scorers.metrics import (
    bootstrap_horizons,
    cumulative_steps,
    horizon,
    horizon_estimate,
    step_accuracy_from_turns,
    survival_curve,
    theoretical_horizon,
)
from scorers.parsing import ParsedAnswer

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


def test_horizon_is_the_first_step_below_threshold() -> None:
    # four samples, first failures at turns 2, 3, 3 and never (of 4)
    task = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=float)
    assert survival_curve(task).tolist() == [1.0, 0.75, 0.25, 0.25]
    steps = cumulative_steps(4, k=3)
    assert horizon(task, steps, 0.5) == (9.0, False)  # turn 3 = 9 steps
    assert horizon(task, steps, 0.8) == (6.0, False)  # 0.75 < 0.8 at turn 2


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
    assert summary["horizon_80"] == 2.0 and summary["horizon_80_censored"] == 0.0
    assert summary["p_step"] == pytest.approx(7 / 8)
    assert summary["theory_horizon_50"] == pytest.approx(math.log(0.5) / math.log(7 / 8))
