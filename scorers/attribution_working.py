"""Reading a chain-of-thought reply's working: which step broke first.

The working is the text before the first answer tag. It is read as a sequence of steps in
the order written:

- a lookup, ``word is value`` (the paper layout: ``elm is -2, so 0 - 2 = -2.``) or
  ``word = value`` / ``word: value`` (the suite layout: ``elm = -2; 0 + -2 = -2``), for a
  word of the dictionary (its case ignored: ``Elm is -2`` reads too);
- an addition, ``a + b - c = r``, its operands written as ``- 3``, ``+ -3`` or ``+ (-3)``.

Every check runs; the earliest step that fails one names where the working broke (at one
step, in the order below):

- ``keys``: the words looked up are not the turn's keys (one skipped, repeated, or
  another word looked up);
- ``lookup``: a word's stated value is not its value in the dictionary;
- ``start``: the first addition does not start from the previous total shown;
- ``addition``: an addition's result is not the sum of its operands, an operand is not the
  value stated for its word, or an addition does not start where the one before ended;
- ``answer``: the answer is not the last addition's result.

A reply without at least one lookup and one addition is ``unreadable``: its working could
not be read (or it has none).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from long_horizon_execution.core import ANSWER_OPEN

Break = Literal["keys", "lookup", "start", "addition", "answer"]
WorkingStatus = Literal["ok", "broken", "unreadable"]
BREAKS: tuple[Break, ...] = ("keys", "lookup", "start", "addition", "answer")

_NUMBER = r"[+-]?\s?\d+"
_LOOKUP = re.compile(rf"\b([A-Za-z]+)\s*(?:\bis\b|=|:)\s*\(?\s*({_NUMBER})\b")
_OPERAND = r"\s*[+-]\s*\(?\s*-?\s?\d+\s*\)?"
_ADDITION = re.compile(rf"(?<![\w.])(\(?\s*-?\d+\s*\)?)((?:{_OPERAND})+)\s*=\s*(-?\s?\d+)")
_OPERAND_PARTS = re.compile(r"([+-])\s*\(?\s*(-?)\s?(\d+)\s*\)?")


class WorkingReading(BaseModel):
    """What the working of one reply shows: fine, broken at a step, or unreadable."""

    status: WorkingStatus
    broke: Break | None = None
    step: int | None = None
    """1-based number of the broken step among the steps read, in the order written."""
    text: str | None = None
    """The broken step as written (or what is missing from it)."""
    failed: list[Break] = Field(default_factory=list)
    """Every check that failed somewhere, in the order of :data:`BREAKS`."""


class _Lookup(BaseModel):
    at: int
    key: str
    value: int
    text: str


class _Addition(BaseModel):
    at: int
    start: int
    operands: list[int]
    result: int
    text: str


def _integer(text: str) -> int:
    return int(text.replace(" ", "").replace("(", "").replace(")", ""))


def _normalise(reply: str) -> str:
    working = reply.split(ANSWER_OPEN, 1)[0]
    return working.replace("\u2212", "-").replace("**", "")


def _steps(working: str, dictionary: Mapping[str, int]) -> list[_Lookup | _Addition]:
    steps: list[_Lookup | _Addition] = []
    folded = {key.lower(): key for key in dictionary}
    for match in _LOOKUP.finditer(working):
        word = match.group(1)
        key = word if word in dictionary else folded.get(word.lower())
        if key is not None:
            steps.append(
                _Lookup(
                    at=match.start(),
                    key=key,
                    value=_integer(match.group(2)),
                    text=match.group(0).strip(),
                )
            )
    for match in _ADDITION.finditer(working):
        operands = [
            int(f"{'-' if (sign == '-') != (minus == '-') else ''}{digits}")
            for sign, minus, digits in _OPERAND_PARTS.findall(match.group(2))
        ]
        steps.append(
            _Addition(
                at=match.start(),
                start=_integer(match.group(1)),
                operands=operands,
                result=_integer(match.group(3)),
                text=match.group(0).strip(),
            )
        )
    return sorted(steps, key=lambda step: step.at)


def _keys_break(looked_up: Sequence[_Lookup], keys: Sequence[str]) -> tuple[int, str] | None:
    """Where the words looked up first depart from the turn's keys, in any order (index
    among the lookups, and what went wrong), or None when they are the keys."""
    left = Counter(keys)
    for position, lookup in enumerate(looked_up):
        if left[lookup.key] <= 0:
            return position, lookup.text
        left[lookup.key] -= 1
    missing = [key for key in keys if left[key] > 0]
    if missing:
        return len(looked_up) - 1, f"{missing[0]!r} never looked up"
    return None


def read_working(
    reply: str,
    dictionary: Mapping[str, int],
    keys: Sequence[str],
    previous: int,
    answer: int | None,
) -> WorkingReading:
    """The first broken step of a reply's working (see the module docstring)."""
    steps = _steps(_normalise(reply), dictionary)
    lookups = [step for step in steps if isinstance(step, _Lookup)]
    additions = [step for step in steps if isinstance(step, _Addition)]
    if not lookups or not additions:
        return WorkingReading(status="unreadable")
    number = {id(step): i for i, step in enumerate(steps, start=1)}
    breaks: list[tuple[int, Break, str]] = []
    keys_break = _keys_break(lookups, keys)
    if keys_break is not None:
        lookup = lookups[keys_break[0]]
        breaks.append((number[id(lookup)], "keys", keys_break[1]))
    for lookup in lookups:
        if lookup.value != dictionary[lookup.key]:
            breaks.append((number[id(lookup)], "lookup", lookup.text))
            break
    stated = [lookup.value for lookup in lookups]
    used = [operand for addition in additions for operand in addition.operands]
    expected_start = previous
    for addition in additions:
        step = number[id(addition)]
        if addition.start != expected_start:
            kind: Break = "start" if addition is additions[0] else "addition"
            breaks.append((step, kind, addition.text))
            break
        if addition.start + sum(addition.operands) != addition.result:
            breaks.append((step, "addition", addition.text))
            break
        expected_start = addition.result
    if len(used) == len(stated):
        offset = 0
        for addition in additions:
            written = stated[offset : offset + len(addition.operands)]
            if addition.operands != written:
                breaks.append((number[id(addition)], "addition", addition.text))
                break
            offset += len(addition.operands)
    if answer is not None and answer != additions[-1].result:
        breaks.append((len(steps) + 1, "answer", f"answer {answer} after {additions[-1].text}"))
    if not breaks:
        return WorkingReading(status="ok")
    step, kind, text = min(breaks, key=lambda found: (found[0], BREAKS.index(found[1])))
    failed = [check for check in BREAKS if any(found[1] == check for found in breaks)]
    return WorkingReading(status="broken", broke=kind, step=step, text=text, failed=failed)
