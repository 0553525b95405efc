"""A line in each turn of the transcript saying whether the turn was right.

Without it a reader of ``inspect view`` compares every reply with the target list by hand.
The line gives the turn's expected total, the answer read from the reply and two verdicts
with the scorers' definitions (see ``scorers/correctness.py``): the total (the answer is
the true running total) and the turn (the answer is the previous total plus this turn's
values). It is written when the turn runs, from the answer the turn loop read; the scores
(``inspect score`` included) remain the reference.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.model import ChatMessageAssistant
from inspect_ai.solver import TaskState

from long_horizon_execution.core import AnswerParser, ParsedAnswer, TurnRecord
from long_horizon_execution.solvers.turn_loop import TurnNote

RIGHT, WRONG = "✓", "✗"


def note_line(
    turn: int, totals: Sequence[int], answer: ParsedAnswer, previous: int, basis: str
) -> str:
    """The line of 1-based ``turn``: expected total, answer read, total and turn verdicts.
    ``previous`` is the total the turn should add to, named by ``basis``."""
    expected = totals[turn - 1]
    increment = expected - (totals[turn - 2] if turn > 1 else 0)
    read = str(answer.value) if answer.is_int else answer.status.replace("_", " ")
    total_right = answer.is_int and answer.value == expected
    turn_right = answer.is_int and answer.value == previous + increment
    return (
        f"**turn {turn}** · expected {expected} · read {read} · "
        f"total {RIGHT if total_right else WRONG} · "
        f"turn {RIGHT if turn_right else WRONG} (from {basis} {previous})"
    )


def _ran_out(record: TurnRecord) -> str | None:
    if record.stop_reason == "model_length":
        return f"**turn {record.turn}** · context ran out: not judged (unobserved)"
    return None


def total_note(state: TaskState, records: Sequence[TurnRecord]) -> str | None:
    """The paper's task: the previous total is the model's last integer answer (0 before
    any), as the execution scorer counts it; a turn whose context ran out is not judged."""
    record = records[-1]
    if (ran_out := _ran_out(record)) is not None:
        return ran_out
    previous = 0
    for earlier in reversed(records[:-1]):
        if earlier.stop_reason != "model_length" and earlier.answer.is_int:
            previous = int(earlier.answer.value or 0)
            break
    totals = [int(total) for total in state.target.target]
    return note_line(record.turn, totals, record.answer, previous, "its last answer")


def shown_note(parser: AnswerParser) -> TurnNote:
    """Self-conditioning: the previous total is the last one the history showed the model
    (a synthetic or rewritten turn's, or its own reply's as shown; 0 before any), read by
    ``parser``, as the self-conditioning scorer counts it."""

    def note(state: TaskState, records: Sequence[TurnRecord]) -> str | None:
        record = records[-1]
        if (ran_out := _ran_out(record)) is not None:
            return ran_out
        replies = [m for m in state.messages if isinstance(m, ChatMessageAssistant)]
        previous = 0
        for reply in reversed(replies[:-1]):
            shown = parser(reply.text)
            if shown.is_int and shown.value is not None:
                previous = int(shown.value)
                break
        totals = [int(total) for total in state.target.target]
        return note_line(record.turn, totals, record.answer, previous, "the shown total")

    return note
