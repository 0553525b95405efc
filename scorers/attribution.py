"""What kind of slip a failed turn is, read from the answer and the dictionary given.

A failed turn is a turn-incorrect one: its answer A is not P + B, where P is the previous
total the model was shown (rewritten or not; 0 before any) and B the true sum of the turn's
values. Let v_1..v_K be the true values of the turn's keys, C = P + B the right answer,
D = A - P the increment the model applied and Q_j = P + v_1 + ... + v_j the running sums
of the turn (Q_K = C). Each category has a rule; a failed turn is named by the rules that
hold:

- ``lookup``: one key read wrong: D = B - v_j + w for some j, with w another key's value
  (w != v_j) or the right value with its sign flipped (w = -v_j, v_j != 0).
- ``arithmetic``: the right values, a wrong sum: for some j, Q_j + (A - C) is a slip of
  Q_j (the running sum written wrong, later additions carried on from it). A slip of x is a
  y != x with one decimal digit changed (same sign, or one of them 0), two adjacent digits
  swapped, |y - x| a power of ten (a carry dropped or added, 1 included) or y = -x (the
  sign of the result).
- ``stale``: A = S + B with S an earlier total other than P: 0 (the start), a total shown
  before the previous one, or one of the model's own earlier answers (which differ from
  what it was shown when the history was rewritten).
- ``skip_repeat``: one key skipped (D = B - v_j) or added twice (D = B + v_j), v_j != 0,
  or nothing added at all (D = 0: the previous total repeated). At K = 1 the first and
  the last are the same: the reply repeats the previous total.
- ``format``: no readable answer (no tag, or a tag holding no integer).
- ``other``: no rule holds.
- ``ambiguous``: rules of two or more categories hold (the ``candidates``). Such a turn is
  counted as ambiguous and never given to one of them: an increment equal to some key's
  value is common by chance (with 100 values in [-99, 99], about half the increments in
  that range are one), so a match alone is weak evidence when another rule also fits.

Every rule tests one slip. Two slips in one turn are ``other`` unless, by chance, they add
up to what one slip would give.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, Field

from long_horizon_execution.core import ParsedAnswer

Slip = Literal["lookup", "arithmetic", "stale", "skip_repeat"]
SLIPS: tuple[Slip, ...] = get_args(Slip)
"""The categories a rule names, which two rules can name at once."""
Category = Literal["lookup", "arithmetic", "stale", "skip_repeat", "format", "other", "ambiguous"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
TotalSource = Literal["start", "shown", "own"]


class EarlierTotal(BaseModel):
    """A total the model could have continued from: the start, a total shown at an
    earlier turn, or an answer the model itself gave at one."""

    value: int
    turn: int = 0
    source: TotalSource = "start"

    def describe(self) -> str:
        if self.source == "start":
            return "the starting total 0"
        if self.source == "own":
            return f"its own answer at turn {self.turn}"
        return f"the total shown at turn {self.turn}"


class Explanation(BaseModel):
    """One rule that holds for a failed turn, and what it says happened."""

    category: Slip
    detail: str


class DictionaryIndex:
    """The dictionary's values and the keys holding each, to test the lookup rule."""

    def __init__(self, dictionary: Mapping[str, int]) -> None:
        self.values = dict(dictionary)
        self.holders: dict[int, list[str]] = {}
        for key, value in dictionary.items():
            self.holders.setdefault(value, []).append(key)

    def holder(self, value: int) -> str:
        """The keys holding ``value`` (at most two named)."""
        keys = self.holders.get(value, [])
        named = " or ".join(repr(key) for key in keys[:2])
        return named + (" and others" if len(keys) > 2 else "")


def _power_of_ten(number: int) -> bool:
    if number <= 0:
        return False
    while number % 10 == 0:
        number //= 10
    return number == 1


def digit_slip(right: int, written: int) -> str | None:
    """How ``written`` is a slip of ``right`` (see the module docstring), or None."""
    if written == right:
        return None
    if written == -right:
        return "the sign of the result flipped"
    if not (right < 0 < written or written < 0 < right):
        a, b = str(abs(right)), str(abs(written))
        width = max(len(a), len(b))
        a, b = a.zfill(width), b.zfill(width)
        differ = [i for i in range(width) if a[i] != b[i]]
        if len(differ) == 1:
            return "one digit changed"
        if len(differ) == 2 and differ[1] == differ[0] + 1:
            i = differ[0]
            if a[i] == b[i + 1] and a[i + 1] == b[i]:
                return "two digits swapped"
    if _power_of_ten(abs(written - right)):
        return f"off by {abs(written - right)} (a carry)"
    return None


def lookup_rule(
    index: DictionaryIndex, keys: Sequence[str], increment: int, expected: int
) -> Iterable[Explanation]:
    """One key's value replaced by another key's, or by its own with the sign flipped."""
    for key in dict.fromkeys(keys):
        right = index.values[key]
        read = increment - expected + right
        if read == right:
            continue
        if read == -right:
            yield Explanation(
                category="lookup", detail=f"{key!r} read as {read}, its value with the sign flipped"
            )
        elif read in index.holders:
            yield Explanation(
                category="lookup",
                detail=f"{key!r} ({right}) read as {read}, the value of {index.holder(read)}",
            )


def arithmetic_rule(running: Sequence[int], answer: int) -> Iterable[Explanation]:
    """A running sum of the turn written wrong, later additions carried on from it."""
    error = answer - running[-1]
    for position, right in enumerate(running, start=1):
        slip = digit_slip(right, right + error)
        if slip is not None:
            where = (
                "the sum" if position == len(running) else f"the running sum after key {position}"
            )
            yield Explanation(
                category="arithmetic", detail=f"{where} {right} written as {right + error}: {slip}"
            )


def stale_rule(
    earlier: Sequence[EarlierTotal], previous: int, answer: int, expected: int
) -> Iterable[Explanation]:
    """The turn's values added to an earlier total instead of the previous one."""
    base = answer - expected
    if base == previous:
        return
    for total in earlier:
        if total.value == base:
            yield Explanation(category="stale", detail=f"continued from {base}, {total.describe()}")
            return


def skip_repeat_rule(
    index: DictionaryIndex, keys: Sequence[str], increment: int, expected: int
) -> Iterable[Explanation]:
    """A key skipped or added twice, or nothing added."""
    if increment == 0:
        yield Explanation(
            category="skip_repeat", detail="nothing added: the previous total repeated"
        )
        return
    for key in dict.fromkeys(keys):
        value = index.values[key]
        if value and increment == expected - value:
            yield Explanation(category="skip_repeat", detail=f"{key!r} skipped")
        elif value and increment == expected + value:
            yield Explanation(category="skip_repeat", detail=f"{key!r} added twice")


class TurnVerdict(BaseModel):
    """What one failed turn is: its category, every rule that holds, and the numbers."""

    category: Category
    candidates: list[Slip] = Field(default_factory=list)
    """The categories whose rule holds (two or more: ``ambiguous``)."""
    details: list[str] = Field(default_factory=list)
    previous: int
    expected: int
    """The right answer given the previous total shown: P + B."""
    answer: int | None = None


def classify_turn(
    index: DictionaryIndex,
    keys: Sequence[str],
    previous: int,
    earlier: Sequence[EarlierTotal],
    answer: ParsedAnswer,
) -> TurnVerdict | None:
    """The verdict on a turn, or None when the turn is right (turn-correct).

    Args:
      index: The dictionary the model was given.
      keys: The turn's keys, in order.
      previous: The total the history showed last before this turn (0 before any).
      earlier: Other totals the model could have continued from (see :class:`EarlierTotal`).
      answer: The parsed answer.
    """
    values = [index.values[key] for key in keys]
    expected = sum(values)
    right = previous + expected
    if not answer.is_int or answer.value is None:
        return TurnVerdict(category="format", previous=previous, expected=right)
    written = answer.value
    if written == right:
        return None
    increment = written - previous
    running = [previous]
    for value in values:
        running.append(running[-1] + value)
    found = [
        *lookup_rule(index, keys, increment, expected),
        *arithmetic_rule(running[1:] or [previous], written),
        *stale_rule(earlier, previous, written, expected),
        *skip_repeat_rule(index, keys, increment, expected),
    ]
    candidates = [slip for slip in SLIPS if any(e.category == slip for e in found)]
    category: Category
    if not candidates:
        category = "other"
    elif len(candidates) == 1:
        category = candidates[0]
    else:
        category = "ambiguous"
    return TurnVerdict(
        category=category,
        candidates=candidates,
        details=[e.detail for e in found],
        previous=previous,
        expected=right,
        answer=written,
    )
