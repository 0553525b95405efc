"""The Inspect scorer and metrics for multi-turn execution.

``Score.value`` is the flat per-turn list (index, task, turn correctness; NaN where a turn
was never reached), so Inspect averages epochs position by position. ``Score.metadata``
carries K and the total steps, which the metrics need to count horizons in steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState
from inspect_ai.util import store_as

from scorers.correctness import TurnCorrectness, turn_correctness
from scorers.metrics import (
    cumulative_steps,
    horizon_estimate,
    mean_curve,
    stack,
    step_accuracy_from_turns,
    survival_curve,
    theoretical_horizon,
)
from solvers.turn_loop import TurnLog

THRESHOLDS = (0.5, 0.8)


def threshold_label(threshold: float) -> str:
    """0.5 -> '50', as used in metric names such as ``horizon_50``."""
    return f"{round(threshold * 100):d}"


def metric_names(thresholds: Sequence[float] = THRESHOLDS) -> list[str]:
    names = ["turn_accuracy", "turn1_accuracy", "task_accuracy", "full_correct", "p_step"]
    for threshold in thresholds:
        label = threshold_label(threshold)
        names += [
            f"horizon_{label}",
            f"horizon_{label}_low",
            f"horizon_{label}_high",
            f"horizon_{label}_censored",
            f"theory_horizon_{label}",
        ]
    return names


class ExecutionMatrices:
    """The samples' correctness stacked into (samples, turns) matrices, plus step counts."""

    def __init__(self, rows: Sequence[TurnCorrectness], k: int, total_steps: int | None) -> None:
        self.index = stack([row.index for row in rows])
        self.task = stack([row.task for row in rows])
        self.turn = stack([row.turn for row in rows])
        self.k = k
        self.steps = cumulative_steps(self.task.shape[1], k, total_steps)

    @classmethod
    def from_scores(cls, scores: Sequence[SampleScore]) -> ExecutionMatrices:
        rows = [TurnCorrectness.from_value(s.score.value) for s in scores]
        meta = scores[0].score.metadata or {}
        return cls(rows, int(meta.get("k", 1)), meta.get("total_steps"))


def summarise(
    matrices: ExecutionMatrices, thresholds: Sequence[float] = THRESHOLDS
) -> dict[str, float]:
    """Every headline number for one set of samples."""
    turn = matrices.turn
    observed = ~np.isnan(turn)
    turn_accuracy = float(np.nanmean(turn)) if observed.any() else math.nan
    first_turn = mean_curve(turn[:, :1])[0] if turn.shape[1] else math.nan
    curve = survival_curve(matrices.task)
    last_task = matrices.task[:, -1]
    p_step = step_accuracy_from_turns(turn_accuracy, matrices.k)
    result = {
        "turn_accuracy": turn_accuracy,
        "turn1_accuracy": float(first_turn),
        "task_accuracy": float(curve[-1]),
        "full_correct": float(np.mean(np.nan_to_num(last_task, nan=0.0))),
        "p_step": p_step,
    }
    for threshold in thresholds:
        label = threshold_label(threshold)
        estimate = horizon_estimate(matrices.task, matrices.steps, threshold)
        result |= {
            f"horizon_{label}": estimate.value,
            f"horizon_{label}_low": estimate.low,
            f"horizon_{label}_high": estimate.high,
            f"horizon_{label}_censored": float(estimate.censored),
            f"theory_horizon_{label}": theoretical_horizon(p_step, threshold),
        }
    return result


@metric
def execution_metrics() -> Metric:
    """Turn and task accuracy, H_0.5 and H_0.8 with 95% bootstrap intervals, the implied
    per-step accuracy p and the Proposition-1 horizons ln(s)/ln(p)."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        if not scores:
            return {name: math.nan for name in metric_names()}
        return summarise(ExecutionMatrices.from_scores(scores))

    return compute


def _explain(correctness: TurnCorrectness, ended: str | None) -> str:
    observed = correctness.observed_turns
    planned = len(correctness.task)
    failures = np.flatnonzero(correctness.task[:observed] == 0)
    first = f"first wrong total at turn {failures[0] + 1}" if failures.size else "no wrong total"
    turn_acc = float(np.nanmean(correctness.turn)) if observed else math.nan
    return (
        f"{observed}/{planned} turns answered, {first}, turn accuracy {turn_acc:.3f}, "
        f"ended: {ended or 'not run'}"
    )


@scorer(metrics=[execution_metrics()])
def execution_scorer(k: int | None = None) -> Scorer:
    """Score the turn records against the per-turn true totals in ``target``.

    Args:
      k: Keys per turn, to count horizons in steps; by default the sample metadata's ``k``.
    """

    async def score(state: TaskState, target: Target) -> Score:
        log = store_as(TurnLog)
        expected = [int(total) for total in target.target]
        correctness = turn_correctness(log.answers(), expected)
        keys_per_turn = k if k is not None else int(state.metadata.get("k", 1))
        last = log.turns[-1].answer if log.turns else None
        return Score(
            value=correctness.as_value(),
            answer=None if last is None else str(last.value if last.is_int else last.status),
            explanation=_explain(correctness, log.ended),
            metadata={
                "k": keys_per_turn,
                "total_steps": state.metadata.get("steps"),
                "ended": log.ended,
                "observed_turns": correctness.observed_turns,
            },
        )

    return score
