"""Reading a logged score as the tests need it, whatever shape the log keeps it in."""

from __future__ import annotations

from inspect_ai.scorer import Score

from long_horizon_execution.scorers import TurnCorrectness


def per_turn_flat(score: Score) -> list[float]:
    """An execution or single-turn score's per-turn correctness end to end (index, task,
    turn)."""
    flat: list[float] = TurnCorrectness.from_score(score.value, score.metadata).flat().tolist()
    return flat
