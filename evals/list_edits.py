"""The list-edit family's task: keep an ordered list of words under K edits per turn.

    inspect eval evals/list_edits.py --model simulated/executor -M p=0.99 -T turns=100
    inspect eval evals/list_edits.py --model openai/gpt-4.1-mini -T votes=3 -T window=5

Scored like the paper's task (turn, task and per-step accuracy, horizons H_0.5 and H_0.8
in steps, with intervals); ``error_rate`` shows later turns a history with injected errors
(at 0, a healed history of true lists), and a turn is then judged from what it was shown.
"""

from __future__ import annotations

from typing import Literal

from inspect_ai import Task, task
from inspect_ai.solver import Solver

from long_horizon_execution.core import SUITE_VERSION
from long_horizon_execution.evals.list_family import (
    FAMILY,
    ListErrors,
    list_dataset,
    list_judge,
    list_plan,
    read_list_answer,
)
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.task_common import HEADLINE_METRIC
from long_horizon_execution.scorers import execution_scorer
from long_horizon_execution.solvers import (
    history_policy,
    multi_turn,
    rewritten_history,
    voting,
    windowed,
)

ListMode = Literal["plain", "cot"]


def list_loop(
    mode: str, votes: int, window: int | None, error_rate: float | None, seed: int
) -> Solver:
    """The turn loop (rewriting the history when errors are injected), with voting and the
    window wrapped around it when asked for."""
    policy = history_policy("paper", mode)
    loop = (
        multi_turn(history=policy, mode=mode, parser=read_list_answer)
        if error_rate is None
        else rewritten_history(
            ListErrors(error_rate, seed), history=policy, mode=mode, parser=read_list_answer
        )
    )
    if votes != 1:  # voting refuses fewer than one vote, as windowed a negative window
        loop = voting(loop, votes, seed, read_list_answer, unanswered="count")
    if window is not None:
        loop = windowed(loop, window)
    return loop


@task
def list_edits(
    samples: int = 20,
    turns: int = 50,
    k: int = 1,
    max_items: int = 6,
    start_items: int = 3,
    mode: ListMode = "plain",
    votes: int = 1,
    window: int | None = None,
    error_rate: float | None = None,
    seed: int = 42,
) -> Task:
    """An ordered list under per-turn edits.

    Args:
      samples: Conversations.
      turns: Turns per conversation.
      k: Edits per turn (steps per turn).
      max_items: Longest the list gets (at most 24, the vocabulary).
      start_items: Words in each conversation's starting list (at most ``max_items``).
      mode: ``plain`` (the answer only) or ``cot`` (the list after each edit first).
      votes: Replies sampled per turn, majority vote on the list (1 = none).
      window: Earlier turns kept in context (None: all).
      error_rate: Inject errors into the history at this rate (None: the model sees its
        own answers).
      seed: Seeds the dataset, the injected errors and the votes.
    """
    try:
        return _list_task(
            samples, turns, k, max_items, start_items, mode, votes, window, error_rate, seed
        )
    except ValueError as error:  # printed in one line, before any model call
        message = str(error).removeprefix(f"{FAMILY}: ")
        raise ParameterError(f"{FAMILY}: {message}") from None


def _list_task(
    samples: int,
    turns: int,
    k: int,
    max_items: int,
    start_items: int,
    mode: str,
    votes: int,
    window: int | None,
    error_rate: float | None,
    seed: int,
) -> Task:
    if mode not in ("plain", "cot"):
        raise ValueError(f"mode must be plain or cot, got {mode!r}")
    plan = list_plan(
        samples=samples,
        turns=turns,
        k=k,
        max_items=max_items,
        start_items=start_items,
        seed=seed,
    )
    return Task(
        dataset=list_dataset(plan, mode),
        solver=list_loop(mode, votes, window, error_rate, seed),
        scorer=execution_scorer(judge=list_judge),
        headline_metric=HEADLINE_METRIC,
        metadata={
            "family": FAMILY,
            "k": k,
            "turns": turns,
            "mode": mode,
            "suite_version": SUITE_VERSION,
        },
        version="2-A",
    )
