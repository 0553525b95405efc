"""What a reply's answer is, whatever rule read it: the types solvers and scorers share.

The parsing rules themselves are in :mod:`long_horizon_execution.core.parsing`.
"""

from __future__ import annotations

from typing import Literal, Protocol, get_args

from pydantic import BaseModel

AnswerStatus = Literal["int", "no_answer", "invalid"]
ParsingRule = Literal["paper", "lenient"]
PARSING_RULES: tuple[str, ...] = get_args(ParsingRule)
DEFAULT_PARSING: ParsingRule = "paper"
"""The rule every task uses unless told otherwise: the authors'."""
THINKING_MODE = "thinking"
"""The prompting mode whose replies the ``paper`` rule strips of reasoning blocks."""

MAX_DIGITS = 640
"""Longest integer an answer may hold, in significant digits. 640 is the smallest limit
CPython lets ``sys.set_int_max_str_digits`` set, so converting never depends on the
interpreter's setting, and a hostile reply cannot make the (quadratic) conversion slow.
Every total the suite can produce is far shorter (see ``evals.dataset.MAX_VALUE_DIGITS``)."""
ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"


class ParsedAnswer(BaseModel):
    """What a reply said: an integer, no tag at all, or a tag that holds no integer."""

    status: AnswerStatus
    value: int | None = None
    content: str | None = None
    """The text between the tags, as written (None when there was no tag)."""

    @property
    def is_int(self) -> bool:
        return self.status == "int"


def format_answer(value: int) -> str:
    """The canonical tagged form of an answer, as shown in histories and examples."""
    return f"{ANSWER_OPEN}{value}{ANSWER_CLOSE}"


class AnswerParser(Protocol):
    """Reads a visible reply into a :class:`ParsedAnswer`; never raises."""

    def __call__(self, reply: str, /) -> ParsedAnswer: ...
