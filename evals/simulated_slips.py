"""Slips the simulated executor plants at known rates, so that error attribution can be
checked against the truth.

Each reply of a multi-turn conversation carries at most one planted slip, drawn with the
``*_slip`` probabilities (``-M lookup_slip=0.1``; they may add up to at most 1):

- ``lookup``: one key (chosen uniformly) read as another key's value, or, one time in
  four when its value is not 0, as its own value with the sign flipped;
- ``arithmetic``: the running sum after one key written wrong (one digit changed, or a
  carry of 10 or 100 dropped or added), later additions carried on from it;
- ``stale``: the turn added to one of the three most recent earlier totals shown (0, the
  start, included) that differ from the previous one;
- ``skip_repeat``: one key with a value other than 0 skipped or added twice;
- ``other``: a lookup and an arithmetic slip in the same reply, drawn again until no single
  slip explains the answer.

A slip that cannot be made in a reply (``stale`` at the first turn, a key to skip when
every value is 0) is not planted: the reply is made as without slips. The rest of the
reply is right (``p`` does not apply to it); ``format_error`` still applies to its text.
Working is written as the layout's example writes it, so a cot reply shows where the slip
happened. The kind planted is reported in the model output's metadata
(:data:`PLANTED_SLIP`), never in the reply.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from inspect_ai.event import ModelEvent
from inspect_ai.log import EvalSample
from pydantic import BaseModel, ConfigDict, Field, model_validator

from long_horizon_execution.core import ParsedAnswer
from long_horizon_execution.evals.params import InvalidField
from long_horizon_execution.evals.prompts_paper import working_sentence
from long_horizon_execution.evals.prompts_suite import working_lines
from long_horizon_execution.evals.simulated_reading import Conversation
from long_horizon_execution.scorers.attribution import (
    DictionaryIndex,
    EarlierTotal,
    classify_turn,
)

PLANTED_SLIP = "planted_slip"
"""The model output's metadata key naming the slip planted in the reply."""
SIGN_FLIP_SHARE = 0.25
STALE_CHOICES = 3
OTHER_ATTEMPTS = 50


class SlipRates(BaseModel):
    """Per-reply probabilities of each planted slip (``-M`` model arguments)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    lookup_slip: float = Field(default=0.0, ge=0.0, le=1.0)
    arithmetic_slip: float = Field(default=0.0, ge=0.0, le=1.0)
    stale_slip: float = Field(default=0.0, ge=0.0, le=1.0)
    skip_repeat_slip: float = Field(default=0.0, ge=0.0, le=1.0)
    other_slip: float = Field(default=0.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _at_most_one(self) -> SlipRates:
        rates = self.slip_rates()
        total = sum(rates.values())
        if total > 1.0 + 1e-12:
            largest = max(rates, key=lambda kind: rates[kind])
            raise InvalidField(
                f"{largest}_slip",
                rates[largest],
                f"the slip rates add up to {total:g}; one reply holds one slip at most, so "
                "they may add up to 1 at most",
            )
        return self

    def slip_rates(self) -> dict[str, float]:
        """Each kind (``lookup``, ..., ``other``) and its rate."""
        return {
            name.removesuffix("_slip"): float(getattr(self, name))
            for name in SlipRates.model_fields
        }


class PlantedSlip(BaseModel):
    """A reply with a slip in it: the kind, the total it reaches and its working."""

    kind: str
    total: int
    working: list[str]


class _Reading(BaseModel):
    """How a reply goes: the total it starts from, each key with the value it uses, and
    an error added to the running sum after one of them."""

    start: int
    items: list[tuple[str, int]]
    slip_at: int | None = None
    error: int = 0

    def totals(self) -> list[int]:
        running, totals = self.start, []
        for position, (_, value) in enumerate(self.items):
            running += value + (self.error if position == self.slip_at else 0)
            totals.append(running)
        return totals

    def total(self) -> int:
        totals = self.totals()
        return totals[-1] if totals else self.start


def draw_kind(rates: SlipRates, draw: float) -> str | None:
    """The kind a uniform ``draw`` in [0, 1) picks, or None (no slip)."""
    edge = 0.0
    for kind, rate in rates.slip_rates().items():
        edge += rate
        if draw < edge:
            return kind
    return None


def _misread(value: int, values: Sequence[int], rng: random.Random) -> int | None:
    others = sorted(set(values) - {value})
    if value != 0 and (not others or rng.random() < SIGN_FLIP_SHARE):
        return -value
    return rng.choice(others) if others else None


def _written_wrong(right: int, rng: random.Random) -> int:
    """``right`` with one digit changed, or a carry of 10 or 100 dropped or added."""
    digits = str(abs(right))
    if rng.random() < 0.5:
        position = rng.randrange(len(digits))
        new = rng.choice([d for d in "0123456789" if d != digits[position]])
        changed = int(digits[:position] + new + digits[position + 1 :])
        return -changed if right < 0 else changed
    carry = int(10 ** rng.randint(1, min(2, len(digits))))
    return right + (carry if rng.random() < 0.5 else -carry)


def _earlier_totals(conversation: Conversation, previous: int) -> list[int]:
    """Distinct earlier totals shown (0 first), most recent first, the previous left out."""
    shown = [0, *(a for a in conversation.shown_answers if a is not None)]
    found: list[int] = []
    for value in reversed(shown[:-1]):
        if value != previous and value not in found:
            found.append(value)
    return found


def _lookup(reading: _Reading, values: Sequence[int], rng: random.Random) -> bool:
    position = rng.randrange(len(reading.items))
    key, value = reading.items[position]
    read = _misread(value, values, rng)
    if read is None:
        return False
    reading.items[position] = (key, read)
    return True


def _arithmetic(reading: _Reading, rng: random.Random) -> None:
    position = rng.randrange(len(reading.items))
    right = reading.totals()[position]
    reading.slip_at, reading.error = position, _written_wrong(right, rng) - right


def _make(
    kind: str, conversation: Conversation, previous: int, rng: random.Random
) -> _Reading | None:
    keys = conversation.turns[-1]
    dictionary = conversation.dictionary
    reading = _Reading(start=previous, items=[(key, dictionary.get(key, 0)) for key in keys])
    values = list(dictionary.values())
    if kind == "lookup":
        return reading if _lookup(reading, values, rng) else None
    if kind == "arithmetic":
        _arithmetic(reading, rng)
        return reading
    if kind == "stale":
        earlier = _earlier_totals(conversation, previous)[:STALE_CHOICES]
        if not earlier:
            return None
        reading.start = rng.choice(earlier)
        return reading
    if kind == "skip_repeat":
        nonzero = [i for i, (_, value) in enumerate(reading.items) if value != 0]
        if not nonzero:
            return None
        position = rng.choice(nonzero)
        item = reading.items[position]
        if rng.random() < 0.5:
            del reading.items[position]
        else:
            reading.items.insert(position, item)
        return reading
    return _other(conversation, previous, values, rng)


def _other(
    conversation: Conversation, previous: int, values: Sequence[int], rng: random.Random
) -> _Reading | None:
    """A lookup and an arithmetic slip together, whose answer no single slip explains."""
    keys = conversation.turns[-1]
    index = DictionaryIndex(conversation.dictionary)
    earlier = [EarlierTotal(value=value) for value in _earlier_totals(conversation, previous)]
    for _ in range(OTHER_ATTEMPTS):
        reading = _Reading(
            start=previous, items=[(key, conversation.dictionary[key]) for key in keys]
        )
        if not _lookup(reading, values, rng):
            return None
        _arithmetic(reading, rng)
        verdict = classify_turn(index, keys, previous, earlier, ParsedAnswer.of(reading.total()))
        if verdict is not None and verdict.category == "other":
            return reading
    return None


def _working(reading: _Reading, layout: str) -> list[str]:
    """The reply's working, as the layout's example writes it."""
    keys = [key for key, _ in reading.items]
    values = [value for _, value in reading.items]
    if not keys:
        return [f"Nothing to add, so the total stays {reading.start}."]
    totals = reading.totals()
    if layout == "paper":
        return [working_sentence(keys, values, reading.start, total=totals[-1])]
    lines: list[str] = []
    before = reading.start
    for (key, value), after in zip(reading.items, totals, strict=True):
        line = working_lines([key], {key: value}, before)[0]
        lines.append(line.rsplit(" = ", 1)[0] + f" = {after}")
        before = after
    return lines


def plant_slip(
    conversation: Conversation, rates: SlipRates, previous: int, rng: random.Random
) -> PlantedSlip | None:
    """The reply with a planted slip, or None: no slip drawn, or none could be made.
    Draws nothing when no rate is set, so other behaviour is unchanged by this module."""
    if not any(rates.slip_rates().values()) or conversation.single_turn:
        return None
    keys = conversation.turns[-1] if conversation.turns else []
    if not keys or any(key not in conversation.dictionary for key in keys):
        return None
    kind = draw_kind(rates, rng.random())
    if kind is None:
        return None
    reading = _make(kind, conversation, previous, rng)
    if reading is None:
        return None
    return PlantedSlip(
        kind=kind, total=reading.total(), working=_working(reading, conversation.layout)
    )


def planted_slips(sample: EvalSample) -> list[str | None]:
    """The slip each model call of a logged sample planted (None: none), in call order:
    the truth an attribution is checked against (one call a turn, without voting)."""
    return [
        (event.output.metadata or {}).get(PLANTED_SLIP)
        for event in sample.events
        if isinstance(event, ModelEvent)
    ]


def planted_attributions(
    sample: EvalSample, scorer: str = "error_attribution"
) -> list[tuple[str | None, dict[str, Any] | None]]:
    """(slip planted, the attribution ``scorer`` logged, None for a right turn) for every
    turn of a logged sample, in turn order."""
    score = (sample.scores or {})[scorer]
    found = {entry["turn"]: entry for entry in (score.metadata or {}).get("turns", [])}
    return [(kind, found.get(turn)) for turn, kind in enumerate(planted_slips(sample), start=1)]
