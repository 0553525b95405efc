"""Scoring a single-turn reply: per block of K keys and as a whole.

The reply's list of running totals is matched to the true totals by position: block b is
index-correct when item b equals the true total after b blocks; a missing or unreadable
item makes its block wrong (observed, not censored: the reply is over). Items beyond the
last block are ignored. Reading follows :func:`~long_horizon_execution.core.parse_answer_items`:
under
the ``paper`` rule (the default) each comma-separated item is read on its own, even when
the task is one block; under ``lenient`` one unreadable item makes every block wrong, and
one block is one integer (so ``1,234`` is accepted there).

``Score.value`` has the multi-turn layout (index, task, turn correctness per block), so the
execution metrics apply unchanged: ``task_accuracy`` and ``full_correct`` are whole-reply
accuracy, ``turn_accuracy`` is per-block accuracy, ``horizon_50`` is counted in steps.
"""

from __future__ import annotations

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from long_horizon_execution.core import (
    THINKING_MODE,
    ParsedAnswer,
    ParsingRule,
    answer_parser,
    parse_answer_items,
)
from long_horizon_execution.scorers.correctness import TurnCorrectness, turn_correctness
from long_horizon_execution.scorers.execution import execution_metrics


def block_answers(
    reply: str, blocks: int, rule: ParsingRule = "paper", thinking: bool = False
) -> list[ParsedAnswer]:
    """One parsed answer per block, read from a single reply."""
    return parse_answer_items(reply, blocks, rule, thinking)


def whole_correct(value: object) -> bool:
    """Whether a single-turn ``Score.value`` has every block right."""
    task = TurnCorrectness.from_value(value).task
    return bool(task.size and task[-1] == 1.0)


@scorer(metrics=[execution_metrics()])
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
        right = int(sum(correctness.index == 1.0))
        shown = [str(a.value) if a.is_int else a.status for a in answers]
        return Score(
            value=correctness.as_value(),
            answer=", ".join(shown),
            explanation=(
                f"{right}/{len(expected)} block totals right, "
                f"whole reply {'right' if whole_correct(correctness.as_value()) else 'wrong'}, "
                f"stop reason {state.output.stop_reason}"
            ),
            metadata={
                "k": int(state.metadata.get("k", 1)),
                "total_steps": state.metadata.get("steps"),
                "stop_reason": state.output.stop_reason,
                "reasoning_tokens": None if usage is None else usage.reasoning_tokens,
            },
        )

    return score
