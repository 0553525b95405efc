"""Per-turn correctness of one sample: index, task (prefix) and turn correctness.

Definitions (O_t the parsed output, G_t the true running total after turn t, B_t the true
sum of turn t's keys):
- index correct: O_t is an integer equal to G_t;
- task correct: index correct at every turn up to and including t;
- turn correct: O_t is an integer equal to P + B_t, P being the model's last integer output
  before t (0 if none). A slip followed by correct additions is turn-correct afterwards
  while task-wrong.
Turns the sample never reached (context ran out, a limit hit) are NaN: unobserved, not wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from scorers.parsing import ParsedAnswer


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
        """The flat list kept in ``Score.value`` (index, then task, then turn), which
        Inspect reduces position by position across epochs."""
        values: list[float] = np.concatenate([self.index, self.task, self.turn]).tolist()
        return values

    @classmethod
    def from_value(cls, value: object) -> TurnCorrectness:
        if not isinstance(value, Sequence | np.ndarray) or isinstance(value, str):
            raise ValueError(f"a correctness value is a list, got {type(value).__name__}")
        flat = np.asarray(value, dtype=np.float64)
        if flat.size % 3:
            raise ValueError(f"a correctness value has 3 x turns entries, got {flat.size}")
        index, task, turn = flat.reshape(3, -1)
        return cls(index=index, task=task, turn=turn)


def turn_correctness(
    answers: Sequence[ParsedAnswer], expected_totals: Sequence[int]
) -> TurnCorrectness:
    """Correctness of the observed ``answers`` against all planned turns' true totals."""
    planned = len(expected_totals)
    observed = min(len(answers), planned)
    totals = np.asarray(expected_totals, dtype=np.int64)
    increments = np.diff(totals, prepend=0)
    is_int = np.array([a.is_int for a in answers[:observed]], dtype=bool)
    outputs = np.array(
        [a.value if a.value is not None else 0 for a in answers[:observed]], dtype=np.int64
    )
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
