"""Scoring a single-turn reply: per block of K keys and as a whole.

The reply's list of running totals is matched to the true totals by position: block b is
index-correct when item b equals the true total after b blocks; a missing or unreadable
item makes its block wrong (observed, not censored: the reply is over). Items beyond the
last block are ignored. Reading follows :func:`~long_horizon_execution.core.parse_answer_items`:
under
the ``paper`` rule (the default) each comma-separated item is read on its own, even when
the task is one block; under ``lenient`` one unreadable item makes every block wrong, and
one block is one integer (so ``1,234`` is accepted there).

``Score.value`` names the reply's outcome (:data:`SINGLE_TURN_VALUES`); the per-block
correctness sits in ``Score.metadata`` in the multi-turn layout (index, task, turn per
block), so the execution metrics' machinery applies, reported under names that fit one
reply: ``reply_accuracy`` (every block right), ``block_accuracy`` (each block's addition
right given the reply's previous item) and ``horizon_50`` counted in steps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from long_horizon_execution.core import (
    THINKING_MODE,
    ParsedAnswer,
    ParsingRule,
    answer_parser,
    parse_answer_items,
)
from long_horizon_execution.scorers.correctness import (
    PER_TURN,
    TurnCorrectness,
    turn_correctness,
)
from long_horizon_execution.scorers.execution import (
    THRESHOLDS,
    ExecutionMatrices,
    sample_values,
    summarise,
    threshold_label,
)

SINGLE_TURN_VALUES = ("reply_correct", "steps_right", "blocks_right")
"""The named numbers of a single-turn ``Score.value``."""


def block_answers(
    reply: str, blocks: int, rule: ParsingRule = "paper", thinking: bool = False
) -> list[ParsedAnswer]:
    """One parsed answer per block, read from a single reply."""
    return parse_answer_items(reply, blocks, rule, thinking)


def whole_correct(value: object, metadata: Mapping[str, Any] | None = None) -> bool:
    """Whether a single-turn score (its value and metadata, as logged) has every block
    right."""
    task = TurnCorrectness.from_score(value, metadata).task
    return bool(task.size and task[-1] == 1.0)


def single_turn_metric_names(thresholds: tuple[float, ...] = THRESHOLDS) -> list[str]:
    labels = [threshold_label(threshold) for threshold in thresholds]
    names = [f"horizon_{label}" for label in labels]
    names += ["reply_accuracy", "block_accuracy"]
    for label in labels:
        names += [f"horizon_{label}_low", f"horizon_{label}_high"]
    names += [f"horizon_{label}_censored" for label in labels]
    return names


@metric(scores="unreduced")
def single_turn_metrics() -> Metric:
    """H_0.5 and H_0.8 in steps with their bootstrap intervals, the share of replies right
    in every block, and per-block accuracy; over every epoch's score."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        if not scores:
            return {name: math.nan for name in single_turn_metric_names()}
        summary = summarise(ExecutionMatrices.from_scores(scores))
        summary["reply_accuracy"] = summary["full_correct"]
        summary["block_accuracy"] = summary["turn_accuracy"]
        return {name: summary[name] for name in single_turn_metric_names()}

    return compute


@scorer(metrics=[single_turn_metrics()])
def single_turn_scorer(parsing: ParsingRule = "paper", mode: str | None = None) -> Scorer:
    """Score the reply against the true total after each block (``target``, in order).

    Args:
      parsing: The parsing rule (``paper`` or ``lenient``, see
        :mod:`~long_horizon_execution.core.parsing`).
        Reasoning blocks are stripped first when ``mode`` (by default the sample
        metadata's ``mode``) is ``thinking`` (always under ``lenient``).
      mode: The task's mode, when the samples do not carry it.
    """
    plain, thinking = answer_parser(parsing), answer_parser(parsing, thinking=True)

    async def score(state: TaskState, target: Target) -> Score:
        expected = [int(total) for total in target.target]
        reply = state.output.completion
        reply_mode = mode if mode is not None else state.metadata.get("mode")
        parser = thinking if reply_mode == THINKING_MODE else plain
        answers = parser.items(reply, len(expected))
        correctness = turn_correctness(answers, expected)
        usage = state.output.usage
        k = int(state.metadata.get("k", 1))
        steps = state.metadata.get("steps")
        total_steps = int(steps) if isinstance(steps, int | float) else None
        right = int(sum(correctness.index == 1.0))
        whole = bool(correctness.task.size and correctness.task[-1] == 1.0)
        shown = [str(a.value) if a.is_int else a.status for a in answers]
        return Score(
            value={
                "reply_correct": float(whole),
                "steps_right": sample_values(correctness, k, total_steps)["steps_right"],
                "blocks_right": float(right),
            },
            answer=", ".join(shown),
            explanation=(
                f"{right}/{len(expected)} block totals right, "
                f"whole reply {'right' if whole else 'wrong'}, "
                f"stop reason {state.output.stop_reason}"
            ),
            metadata={
                "k": k,
                "total_steps": total_steps,
                "stop_reason": state.output.stop_reason,
                "reasoning_tokens": None if usage is None else usage.reasoning_tokens,
                PER_TURN: correctness.as_metadata(),
            },
        )

    return score
