"""The records a sample keeps in its store, and the one way to read them back from a log.

Solvers write these records and scorers read them, so they live here, below both. Every
record class is a :class:`SampleRecord`: ``Record.of_sample(sample)`` reads it from a
logged sample, validated in full. Per-turn entries are :class:`CompactRecord` s, written
without default or repeated fields.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from inspect_ai.log import EvalSample
from inspect_ai.model import ModelUsage
from inspect_ai.util import Store, StoreModel
from pydantic import (
    Field,
    JsonValue,
)

from long_horizon_execution.core.answers import ParsedAnswer
from long_horizon_execution.core.compact import CompactRecord


class SampleRecord(StoreModel):
    """A record kept in a sample's store (see the module docstring)."""

    @classmethod
    def of_sample(cls, sample: EvalSample, instance: str | None = None) -> Self:
        """This record as ``sample`` logged it, validated now rather than field by field
        on first read. Reading never touches a live store."""
        record = cls(store=Store(dict(sample.store)), instance=instance)
        record.model_dump()  # validates every stored field, raising on a bad one
        return record


class TurnRecord(CompactRecord):
    """One turn as it happened: what was asked, the raw reply, and how it was read.

    Stored compactly (see :class:`CompactRecord`): ``shown`` is left out
    when it equals ``reply``, and fields at their default are left out.
    """

    copies: ClassVar[dict[str, str]] = {"shown": "reply"}

    turn: int
    """1-based turn number."""
    keys: list[str] | None = None
    """The turn's items, when its user text is a list of items joined by the separator."""
    prompt: str | None = None
    """The user text of a turn that is not a list of items (otherwise see ``keys``)."""
    reply: str
    """The visible reply as generated (reasoning excluded), before any history policy."""
    answer: ParsedAnswer
    shown: str
    """What later turns see of this reply."""
    stop_reason: str
    usage: ModelUsage | None = None
    reasoning_returned: bool = False
    rewritten: bool = False
    """True when a rewrite hook replaced what the history policy would have shown."""
    tool_calls: int = 0
    """Tool calls the reply carried; none was run and later turns do not see them."""


ENDED_FIRST_ERROR = "first_error"
"""``TurnLog.ended`` of a conversation stopped after its first wrong total (the task's
``until=first_error``): its later turns were never asked, so only what precedes the first
error (and the error itself) was observed."""
ENDED_PAUSED = "paused"
"""``TurnLog.ended`` of a conversation stopped at a run's ``through_turn`` before its last
planned turn: still open, a later run may carry it over and extend it."""


class TurnLog(SampleRecord):
    """Per-sample turn records and why the loop ended (``completed`` when every turn ran;
    see also :data:`ENDED_FIRST_ERROR` and :data:`ENDED_PAUSED`)."""

    turns: list[TurnRecord] = Field(default_factory=list)
    ended: str | None = None

    def answers(self) -> list[ParsedAnswer]:
        """Answers of the turns the model could answer. A turn whose context ran out was
        never attempted: leaving it out right-censors the sample there instead of
        counting a model error."""
        return [record.answer for record in self.turns if record.stop_reason != "model_length"]


class ShownTurn(CompactRecord):
    """What later turns see of one turn, and why (stored compactly, like turn records)."""

    turn: int
    """1-based turn number."""
    shown: str
    synthetic: bool = False
    """True when the model never generated this turn."""
    value: JsonValue = None
    """The answer the shown text states, if any (an integer in the paper's task)."""
    truth: JsonValue = None
    induced: bool = False
    """True when the shown answer carries an injected error."""
    offset: int = 0
    """The injected error: shown minus true total (uniform), or the step's error (drift)."""


class RewriteLog(SampleRecord):
    """Every rewritten or synthetic turn of a sample, in turn order."""

    turns: list[ShownTurn] = Field(default_factory=list)

    def shown_values(self) -> dict[int, JsonValue]:
        return {entry.turn: entry.value for entry in self.turns}


class VoteRecord(CompactRecord):
    """One voted call: every vote's answer (None: it had none) and the kept answer.

    ``winner`` and ``tie`` have defaults because a log leaves out None and default values:
    without them a call no vote could answer would not read back."""

    call: int
    votes: list[JsonValue]
    winner: JsonValue = None
    tie: bool = False


class VoteLog(SampleRecord):
    """Every voted call of a sample, in call order."""

    records: list[VoteRecord] = Field(default_factory=list)
    unanswered: int = 0
    """Calls no vote answered (kept only when the caller allowed them)."""


class ReplyReasoning(CompactRecord):
    """What one reply reported about its reasoning (stored compactly, like turn records)."""

    reasoning_tokens: int | None = None
    """Reasoning tokens the provider reported (None when it reported none)."""
    output_tokens: int | None = None
    reasoning_returned: bool = False
    """The reply carried reasoning content (text, summary or a redacted block)."""
    stop_reason: str | None = None


class ReasoningLog(SampleRecord):
    """Per-sample record of every reply generated under ``elicit`` (the thinking solver)."""

    replies: list[ReplyReasoning] = Field(default_factory=list)
    model: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    """The request settings the elicitation added for the model's family."""
