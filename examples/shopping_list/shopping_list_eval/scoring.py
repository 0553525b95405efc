"""The shopping list's scorer: was each turn's list right, and were all of a sample's?

A turn is right when its answer holds exactly the items of the true list after that turn
(in any order). Each turn is judged against the truth, also when errors were injected: a
model misled by a wrong list it was shown loses the turns it gets wrong. A turn never
reached (the conversation ended early) counts as wrong.
"""

from __future__ import annotations

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState
from inspect_ai.util import store_as
from long_horizon_execution.core import ParsedAnswer, TurnLog

from shopping_list_eval.answers import same_items


def turn_values(score: SampleScore) -> list[float]:
    """A sample's per-turn correctness, 1.0 for a right turn, 0.0 for a wrong one."""
    value = score.score.value
    if not isinstance(value, list):
        raise TypeError(f"expected a list of per-turn values, got {value!r}")
    return [float(item) for item in value]


@metric
def turn_accuracy() -> Metric:
    """The share of all turns, over all samples, answered right."""

    def compute(scores: list[SampleScore]) -> float:
        values = [value for score in scores for value in turn_values(score)]
        return sum(values) / len(values) if values else 0.0

    return compute


@metric
def fully_right() -> Metric:
    """The share of samples with every turn right."""

    def compute(scores: list[SampleScore]) -> float:
        right = [all(value == 1.0 for value in turn_values(score)) for score in scores]
        return sum(right) / len(right) if right else 0.0

    return compute


def turn_right(answer: ParsedAnswer | None, expected: list[str]) -> bool:
    return answer is not None and same_items(answer) == frozenset(expected)


@scorer(metrics=[turn_accuracy(), fully_right()])
def shopping_list_scorer() -> Scorer:
    """Per-turn correctness from the turn records the loop kept (``TurnLog``)."""

    async def score(state: TaskState, target: Target) -> Score:
        expected: list[list[str]] = state.metadata["lists"]
        records = store_as(TurnLog).turns
        answers = {record.turn: record.answer for record in records}
        right = [turn_right(answers.get(turn), items) for turn, items in enumerate(expected, 1)]
        return Score(
            value=[1.0 if ok else 0.0 for ok in right],
            answer=records[-1].reply if records else None,
            explanation=f"{sum(right)} of {len(right)} turns right",
        )

    return score
