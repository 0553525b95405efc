"""What a reply's answer is, whatever rule read it: the types solvers and scorers share.

The parsing rules themselves are in :mod:`long_horizon_execution.core.parsing`.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Literal, Protocol, get_args

from pydantic import JsonValue

from long_horizon_execution.core.compact import CompactRecord

AnswerStatus = Literal["int", "value", "no_answer", "invalid"]
ANSWERED: frozenset[str] = frozenset({"int", "value"})
"""Statuses of a reply that holds an answer: an integer, or another kind of value."""
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


class ParsedAnswer(CompactRecord):
    """What a reply said: an integer (status ``int``, in ``value``, the paper's task), an
    answer of another kind (status ``value``, in ``data``: a list, a string, whatever a
    task's parser reads), no answer at all (``no_answer``), or one that could not be read
    (``invalid``). Stored compactly: fields at their default are left out."""

    status: AnswerStatus
    value: int | None = None
    data: JsonValue = None
    content: str | None = None
    """The text between the tags, as written (None when there was no tag)."""

    @property
    def is_int(self) -> bool:
        return self.status == "int"

    @property
    def answered(self) -> bool:
        """The reply holds an answer of any kind."""
        return self.status in ANSWERED

    @property
    def answer(self) -> JsonValue:
        """The answer whatever its kind (the integer, or ``data``); None if unanswered."""
        if self.status == "int":
            return self.value
        return self.data if self.status == "value" else None

    @classmethod
    def of(cls, answer: JsonValue, content: str | None = None) -> ParsedAnswer:
        """An answered reply: ``int`` for an integer (not a bool), ``value`` otherwise."""
        if isinstance(answer, int) and not isinstance(answer, bool):
            return cls(status="int", value=answer, content=content)
        return cls(status="value", data=answer, content=content)


def answer_key(answer: ParsedAnswer) -> Hashable | None:
    """What makes two answers the same answer (e.g. for a vote): the integer itself, the
    canonical JSON of any other value, None for a reply without an answer."""
    if answer.status == "int":
        return answer.value
    if answer.status == "value":
        return json.dumps(answer.data, sort_keys=True, ensure_ascii=False)
    return None


def format_answer(value: int) -> str:
    """The canonical tagged form of an answer, as shown in histories and examples."""
    return f"{ANSWER_OPEN}{value}{ANSWER_CLOSE}"


class AnswerParser(Protocol):
    """Reads a visible reply into a :class:`ParsedAnswer`; never raises."""

    def __call__(self, reply: str, /) -> ParsedAnswer: ...
