"""Error injection for the shopping list: the rule that decides what later turns see.

Given to the history-rewriting loop, it shows later turns the true list of each turn,
except that at a seeded rate a turn shows the list with one item dropped. What the model
actually replied stays in its turn record; what it was shown is recorded in the rewrite
log, with the truth and whether an error was injected.
"""

from __future__ import annotations

import random

from inspect_ai.solver import TaskState
from long_horizon_execution.core import ShownTurn, TurnRecord
from pydantic import JsonValue

from shopping_list_eval.answers import tagged


class DropOneItem:
    """Shows each turn's true list, or, with probability ``rate``, that list less one item
    (an empty list has none to drop, and is shown as it is). The same seed and sample id
    give the same errors."""

    def __init__(self, rate: float, seed: int = 0) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"error_rate must lie in [0, 1], got {rate}")
        self.rate = rate
        self.seed = seed

    def __call__(self, state: TaskState, turn: int, record: TurnRecord | None) -> ShownTurn:
        truth = [str(item) for item in state.metadata["lists"][turn - 1]]
        rng = random.Random(f"drop-{self.seed}-{state.sample_id}-{turn}")
        induced = bool(truth) and rng.random() < self.rate
        shown = list(truth)
        if induced:
            del shown[rng.randrange(len(shown))]
        return ShownTurn(
            turn=turn,
            shown=tagged(shown),
            synthetic=record is None,
            value=list[JsonValue](shown),
            truth=list[JsonValue](truth),
            induced=induced,
        )
