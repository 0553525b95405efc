"""``until=first_error``: end a conversation after its first wrong total.

After a first wrong total the task is failed whatever follows, so horizons need nothing
after it; turn accuracy then becomes conditional on no earlier error (see
``scorers.continuation``). The verdict is the execution scorer's index correctness: the
answer read is an integer equal to the true running total. A turn whose context ran out
was never answered and ends the conversation anyway (``context_exhausted``).
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.solver import TaskState

from long_horizon_execution.core import ENDED_FIRST_ERROR, TurnRecord


def first_wrong_total(state: TaskState, records: Sequence[TurnRecord]) -> str | None:
    """``first_error`` after the turn just run when its answer is not the true total (a
    :class:`~long_horizon_execution.solvers.turn_loop.TurnStop`)."""
    record = records[-1]
    if record.stop_reason == "model_length":
        return None
    expected = int(state.target.target[record.turn - 1])
    answer = record.answer
    right = answer.is_int and answer.value == expected
    return None if right else ENDED_FIRST_ERROR
