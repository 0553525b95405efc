"""History policies: what a model sees of its own earlier replies.

The raw reply is always kept in the turn record and in the log's model events; a policy only
decides the text of the assistant message that later turns are conditioned on.
"""

from __future__ import annotations

from typing import Literal, Protocol, get_args

from long_horizon_execution.core import ANSWER_CLOSE, ANSWER_OPEN, ParsedAnswer, format_answer

HistoryName = Literal["paper", "answer", "full"]
HISTORY_POLICIES: tuple[str, ...] = get_args(HistoryName)
HISTORY_LAYOUTS = ("paper", "suite")
"""Prompt layouts the ``paper`` policy knows (see ``evals.prompts``)."""
NO_ANSWER = "No Answer"
"""What the authors' code showed later turns in place of a reply with no answer tag."""


class HistoryPolicy(Protocol):
    """Maps a turn's visible reply and its parsed answer to the text kept in history."""

    def __call__(self, reply: str, answer: ParsedAnswer) -> str: ...


def answer_only(reply: str, answer: ParsedAnswer) -> str:
    """Only the tagged answer (an integer in its canonical form, any other answer or an
    unreadable one as written in its tag); a reply with no tag is shown as written, so the
    model sees its own format slip rather than a placeholder."""
    if answer.status == "int" and answer.value is not None:
        return format_answer(answer.value)
    if answer.content is not None:
        return f"{ANSWER_OPEN}{answer.content}{ANSWER_CLOSE}"
    return reply


def full_reply(reply: str, answer: ParsedAnswer) -> str:
    """The whole visible reply (reasoning is never part of it)."""
    return reply


def answer_or_no_answer(reply: str, answer: ParsedAnswer) -> str:
    """The tagged answer, or :data:`NO_ANSWER` for a reply with no tag (the paper's)."""
    return NO_ANSWER if answer.status == "no_answer" else answer_only(reply, answer)


def reply_or_no_answer(reply: str, answer: ParsedAnswer) -> str:
    """The whole visible reply, or :data:`NO_ANSWER` for a reply with no tag (the paper's)."""
    return NO_ANSWER if answer.status == "no_answer" else reply


def history_policy(name: str, mode: str, layout: str = "paper") -> HistoryPolicy:
    """Resolve a policy name. ``paper`` keeps the answer only for plain and thinking
    replies and the whole visible reply for chain-of-thought, as the paper did; under the
    ``paper`` layout it also shows a reply with no answer tag as "No Answer", as the
    authors' code did, and under the ``suite`` layout as written. ``answer`` and ``full``
    are the same in both layouts."""
    if layout not in HISTORY_LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(HISTORY_LAYOUTS)}, got {layout!r}")
    if name == "answer":
        return answer_only
    if name == "full":
        return full_reply
    if name == "paper" and layout == "paper":
        return reply_or_no_answer if mode == "cot" else answer_or_no_answer
    if name == "paper":
        return full_reply if mode == "cot" else answer_only
    raise ValueError(f"history must be one of {', '.join(HISTORY_POLICIES)}, got {name!r}")
