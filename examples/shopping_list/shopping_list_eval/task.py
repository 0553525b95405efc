"""The shopping list task: the dataset, the turn loop with its options, and the scorer.

    inspect eval shopping_list_eval/shopping_list --model openai/gpt-4.1-mini
    inspect eval shopping_list_eval/shopping_list --model openai/gpt-4.1-mini -T votes=3

The turn loop, the history rewriting, voting and the window are the suite's solvers; the
parser, the voting key, the error rule and the scorer are this package's own.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.solver import Solver
from long_horizon_execution.solvers import multi_turn, rewritten_history, voting, windowed

from shopping_list_eval.answers import read_shopping_list, same_items
from shopping_list_eval.dataset import shopping_dataset
from shopping_list_eval.errors import DropOneItem
from shopping_list_eval.scoring import shopping_list_scorer


def shopping_loop(votes: int, window: int | None, error_rate: float, seed: int) -> Solver:
    """The turn loop (rewriting the history when errors are injected), with voting and the
    window wrapped around it when asked for. Later turns see whole replies."""
    rule = DropOneItem(error_rate, seed)
    loop: Solver = (
        rewritten_history(rule, history="full", parser=read_shopping_list)
        if error_rate > 0
        else multi_turn(history="full", parser=read_shopping_list)
    )
    if votes > 1:
        loop = voting(loop, votes, seed, read_shopping_list, key=same_items, unanswered="count")
    if window is not None:
        loop = windowed(loop, window)
    return loop


@task
def shopping_list(
    samples: int = 5,
    turns: int = 4,
    votes: int = 1,
    window: int | None = None,
    error_rate: float = 0.0,
    seed: int = 0,
) -> Task:
    """Keep a shopping list over several turns of edits.

    Args:
      samples: Conversations.
      turns: Turns per conversation.
      votes: Replies sampled per turn, the majority (by items, in any order) kept; 1 is
        no voting.
      window: Earlier turns the model sees (None: all).
      error_rate: At this rate a turn shows later turns its true list less one item; at 0
        the model sees its own replies.
      seed: Seeds the dataset, the injected errors and the votes.
    """
    if votes < 1:
        raise ValueError(f"votes must be at least 1, got {votes}")
    return Task(
        dataset=shopping_dataset(samples, turns, seed),
        solver=shopping_loop(votes, window, error_rate, seed),
        scorer=shopping_list_scorer(),
        version=1,
    )
