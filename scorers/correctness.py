"""Per-turn correctness of one sample: index, task (prefix) and turn correctness.

Definitions (O_t the parsed output, G_t the true running total after turn t, B_t the true
sum of turn t's keys):
- index correct: O_t is an integer equal to G_t;
- task correct: index correct at every turn up to and including t;
- turn correct: O_t is an integer equal to P + B_t, P being the model's last integer output
  before t (0 if none). A slip followed by correct additions is turn-correct afterwards
  while task-wrong.
Turns the sample never reached (context ran out, a limit hit) are NaN: unobserved, not wrong.
Totals and answers are integers of any size: int64 arithmetic when every number is small
enough that no sum can overflow, exact Python-int arithmetic otherwise, same results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, JsonValue

from long_horizon_execution.core import ParsedAnswer

PER_TURN = "per_turn"
"""``Score.metadata`` key of a sample's per-turn correctness (see
:meth:`TurnCorrectness.as_metadata`)."""

INT64_SAFE = 2**61
"""Largest magnitude of a total or an output on the int64 path. The widest sum computed is
an output plus an increment (a difference of two totals), below 3 * 2**61 < 2**63."""


class TurnCorrectness(BaseModel):
    """Three float arrays over all planned turns: 1.0, 0.0, or NaN where unobserved."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: np.ndarray
    task: np.ndarray
    turn: np.ndarray

    @property
    def observed_turns(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.index)))

    def as_value(self) -> list[float]:
        """The flat list (index, then task, then turn) that logs before suite 0.3 kept in
        ``Score.value``; :meth:`from_value` still reads it."""
        values: list[float] = np.concatenate([self.index, self.task, self.turn]).tolist()
        return values

    def as_metadata(self) -> dict[str, list[float]]:
        """The three per-turn lists, as kept in ``Score.metadata[PER_TURN]``."""
        return {
            "index": self.index.tolist(),
            "task": self.task.tolist(),
            "turn": self.turn.tolist(),
        }

    @classmethod
    def from_value(cls, value: object) -> TurnCorrectness:
        if not isinstance(value, Sequence | np.ndarray) or isinstance(value, str):
            raise ValueError(f"a correctness value is a list, got {type(value).__name__}")
        flat = np.asarray(value, dtype=np.float64)
        if flat.size % 3:
            raise ValueError(f"a correctness value has 3 x turns entries, got {flat.size}")
        index, task, turn = flat.reshape(3, -1)
        return cls(index=index, task=task, turn=turn)

    @classmethod
    def from_score(cls, value: object, metadata: Mapping[str, Any] | None) -> TurnCorrectness:
        """From a score as logged: the per-turn lists in its metadata, or, in logs written
        before they moved there, the flat list in its value."""
        per_turn = (metadata or {}).get(PER_TURN)
        if per_turn is None:
            return cls.from_value(value)
        if not isinstance(per_turn, Mapping) or set(per_turn) != {"index", "task", "turn"}:
            raise ValueError(f"{PER_TURN} holds index, task and turn lists, got {per_turn!r}")
        arrays = {name: np.asarray(per_turn[name], dtype=np.float64) for name in per_turn}
        if len({array.shape for array in arrays.values()}) != 1:
            raise ValueError(f"{PER_TURN} lists differ in length")
        return cls(**arrays)

    def flat(self) -> np.ndarray:
        """The three arrays end to end (index, task, turn), as the report keeps them."""
        return np.concatenate([self.index, self.task, self.turn])


def _int64_or_none(values: Sequence[int]) -> np.ndarray | None:
    """``values`` as int64 when every one lies within +-INT64_SAFE, else None."""
    try:
        array = np.asarray(values, dtype=np.int64)
    except OverflowError:
        return None
    if array.size and (array.min() < -INT64_SAFE or array.max() > INT64_SAFE):
        return None
    return array


def _integer_arrays(*columns: Sequence[int]) -> list[np.ndarray]:
    """The columns as int64 arrays when all are safe for it, else as arrays of Python ints
    (object dtype), which numpy adds and compares exactly, without overflow."""
    fast = [_int64_or_none(column) for column in columns]
    if all(array is not None for array in fast):
        return [array for array in fast if array is not None]
    return [np.array(list(column), dtype=object) for column in columns]


def turn_correctness(
    answers: Sequence[ParsedAnswer], expected_totals: Sequence[int]
) -> TurnCorrectness:
    """Correctness of the observed ``answers`` against all planned turns' true totals."""
    planned = len(expected_totals)
    observed = min(len(answers), planned)
    is_int = np.array([a.is_int for a in answers[:observed]], dtype=bool)
    values = [a.value if a.value is not None else 0 for a in answers[:observed]]
    totals, outputs = _integer_arrays(expected_totals, values)
    increments = np.diff(totals, prepend=0)
    # Last integer output before each turn: carry the previous int forward, 0 before any.
    positions = np.where(is_int, np.arange(observed), -1)
    last_int_at = np.maximum.accumulate(positions) if observed else positions
    previous_at = np.concatenate([[-1], last_int_at[:-1]]) if observed else last_int_at
    previous = np.where(previous_at >= 0, outputs[np.maximum(previous_at, 0)], 0)

    index = np.full(planned, np.nan)
    task = np.full(planned, np.nan)
    turn = np.full(planned, np.nan)
    index_ok = is_int & (outputs == totals[:observed])
    index[:observed] = index_ok
    task[:observed] = np.logical_and.accumulate(index_ok) if observed else index_ok
    turn[:observed] = is_int & (outputs == previous + increments[:observed])
    return TurnCorrectness(index=index, task=task, turn=turn)


StateStep = Callable[[JsonValue, int], JsonValue]
"""The state after turn ``t`` (0-based) applied to a given state before it: what a turn's
answer must be, given the state the model worked from."""


def state_correctness(
    answers: Sequence[ParsedAnswer],
    expected: Sequence[JsonValue],
    step: StateStep,
    initial: JsonValue,
    shown: dict[int, JsonValue] | None = None,
) -> TurnCorrectness:
    """Correctness of ``answers`` of any kind (a list, a string) against all planned turns'
    true states, with the definitions of the integer task (module docstring): index correct
    when the answer equals the true state; task correct up to the first wrong one; turn
    correct when it equals ``step`` applied to the state the model worked from: the last
    answer before the turn (``initial`` before any), or what the history showed for that
    turn when it was rewritten (``shown``, 1-based turns, e.g. an injected error)."""
    planned = len(expected)
    observed = min(len(answers), planned)
    index = np.full(planned, np.nan)
    task = np.full(planned, np.nan)
    turn = np.full(planned, np.nan)
    previous: JsonValue = initial
    alive = True
    for position, answer in enumerate(answers[:observed]):
        value = answer.answer if answer.answered else None
        right = answer.answered and value == expected[position]
        alive = alive and right
        index[position] = right
        task[position] = alive
        turn[position] = answer.answered and value == step(previous, position)
        number = position + 1
        if shown is not None and number in shown:
            previous = shown[number]
        elif answer.answered:
            previous = value
    return TurnCorrectness(index=index, task=task, turn=turn)
