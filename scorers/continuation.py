"""What a run that did not ask every planned turn can still report, and what it cannot.

Two ways of asking fewer turns leave different gaps:

- **Stopped at the first error** (``until=first_error``): a conversation ends after its
  first wrong total. Horizons are unaffected: after a first wrong total the task is failed
  whatever follows (``survival.settle_failures``). But the turns a run observed are then
  only turns with a clean history, so its turn accuracy is *conditional on no earlier
  error*: it is reported as ``turn_accuracy_conditional`` and ``turn_accuracy`` is NaN
  (unavailable, never a biased number). Anything that needs turns after an error (turn
  accuracy after an error, self-conditioning, attributing errors to their kinds across a
  conversation) must check :func:`stopped_at_first_error` and say it is unavailable.
- **Paused** (a round of an adaptive run, ``through_turn``): a conversation still open at
  the round's last turn is censored there like one whose context ran out. The survival
  curve is unknown past that turn (NaN, ``known_steps``), and whether a trial still right
  would have got every planned turn right (``full_correct``) is unknown too: NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from long_horizon_execution.core import ENDED_FIRST_ERROR, ENDED_PAUSED

UNTIL = "until"
"""``Score.metadata`` key naming the run's stopping rule; present only when it is not the
default (every planned turn asked)."""
UNTIL_LAST_TURN = "last_turn"
UNTIL_FIRST_ERROR = ENDED_FIRST_ERROR
UNTIL_RULES = (UNTIL_LAST_TURN, UNTIL_FIRST_ERROR)
CONDITIONAL_TURN_ACCURACY = "turn_accuracy_conditional"
"""The name turn accuracy takes (as a metric and in a sample's value) in a run stopped at
the first error: turn accuracy over turns with no earlier error."""


def check_until(until: str) -> str:
    if until not in UNTIL_RULES:
        raise ValueError(f"until must be one of {', '.join(UNTIL_RULES)}, got {until!r}")
    return until


def stopped_at_first_error(metadata: Sequence[Mapping[str, object]]) -> bool:
    """True when the scores (their ``Score.metadata``) come from a run that stopped each
    conversation at its first error: its turns after an error were never observed."""
    return any(meta.get(UNTIL) == UNTIL_FIRST_ERROR for meta in metadata)


def paused(metadata: Sequence[Mapping[str, object]]) -> np.ndarray:
    """Per trial, whether its conversation was paused before its last planned turn."""
    return np.array([meta.get("ended") == ENDED_PAUSED for meta in metadata], dtype=bool)


def full_correct_known(task: np.ndarray, paused_trials: np.ndarray) -> bool:
    """Whether ``full_correct`` is known: no trial was paused while still entirely right.
    ``task`` is settled (a failed trial is 0 to its last planned turn), so a trial paused
    after failing is known not to be full-correct."""
    if not paused_trials.any() or not task.shape[1]:
        return True
    return not bool((paused_trials & (task[:, -1] != 0.0)).any())
