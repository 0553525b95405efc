"""Parallel versus sequential compute: majority voting and a sliding-window history.

Both wrap the ``generate`` a solver receives, so the multi-turn loop (or any solver) runs
unchanged:

- :func:`voting_generate`: each call samples ``n`` replies (each with its own sampling
  seed, so caches and deterministic providers still give distinct samples), votes on the
  integers the loop's parser reads, and keeps the winning reply as the turn's answer. Ties
  are broken by a seeded draw; replies without an integer never win unless no reply has
  one.
- :func:`windowed_generate`: before each call, drops all but the last ``window`` earlier
  turns (system messages stay), so the context stops growing with the horizon.

:func:`multi_turn_voting` composes them with :func:`solvers.turn_loop.multi_turn`.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any, Literal

from inspect_ai.model import ChatMessage, ChatMessageSystem, ModelOutput
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import store_as

from long_horizon_execution.core import AnswerParser, VoteLog, VoteRecord
from long_horizon_execution.solvers.history import HistoryPolicy
from long_horizon_execution.solvers.replies import one_request
from long_horizon_execution.solvers.turn_loop import default_parser, multi_turn

VOTE_SEED_STRIDE = 1000
"""Sampling seed of vote i in call c: seed + c * stride + i."""


def majority(values: list[int | None], rng: random.Random) -> tuple[int | None, bool]:
    """The most frequent integer (seeded choice among ties) and whether there was a tie."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None, False
    top = max(counts.values())
    tied = sorted(v for v, c in counts.items() if c == top)
    return (tied[0] if len(tied) == 1 else rng.choice(tied)), len(tied) > 1


def voting_generate(
    generate: Generate,
    state: TaskState,
    n: int,
    seed: int,
    parser: AnswerParser | None = None,
) -> Generate:
    """A ``generate`` that samples n replies per call, one request each
    (:func:`~solvers.replies.one_request`), and keeps the majority answer, each reply read
    by ``parser`` (None: the paper's rule, reasoning blocks left in)."""
    read = default_parser("plain") if parser is None else parser
    ask = one_request(generate)
    calls = 0
    records: list[VoteRecord] = []

    async def voted(
        state: TaskState,
        tool_calls: Literal["loop", "single", "none"] = "loop",
        **kwargs: Any,
    ) -> TaskState:
        nonlocal calls
        calls += 1
        candidates: list[tuple[ModelOutput, ChatMessage]] = []
        for i in range(n):
            kwargs["seed"] = seed + calls * VOTE_SEED_STRIDE + i
            state = await ask(state, **kwargs)
            candidates.append((state.output, state.messages.pop()))
        values = [read(output.completion).value for output, _ in candidates]
        rng = random.Random(f"vote-{seed}-{state.sample_id}-{calls}")
        winner, tie = majority(values, rng)
        chosen = values.index(winner) if winner is not None else 0
        output, message = candidates[chosen]
        state.messages.append(message)
        state.output = output
        records.append(VoteRecord(call=calls, votes=values, winner=winner, tie=tie))
        store_as(VoteLog).records = records
        return state

    return voted


def trim_history(messages: list[ChatMessage], window: int) -> list[ChatMessage]:
    """System messages, the last ``window`` (user, reply) pairs and the current message."""
    system = [m for m in messages if isinstance(m, ChatMessageSystem)]
    rest = [m for m in messages if not isinstance(m, ChatMessageSystem)]
    keep = 2 * window + 1
    return system + rest[-keep:]


def windowed_generate(generate: Generate, window: int) -> Generate:
    """A ``generate`` that only shows the model the last ``window`` earlier turns."""

    async def windowed(
        state: TaskState,
        tool_calls: Literal["loop", "single", "none"] = "loop",
        **kwargs: Any,
    ) -> TaskState:
        state.messages = trim_history(state.messages, window)
        return await generate(state, tool_calls=tool_calls, **kwargs)

    return windowed


@solver
def multi_turn_voting(
    votes: int = 1,
    vote_seed: int = 0,
    window: int | None = None,
    history: str | HistoryPolicy = "paper",
    mode: str = "plain",
    replay_reasoning: bool = False,
    parser: AnswerParser | None = None,
) -> Solver:
    """The multi-turn loop with majority voting over ``votes`` samples per turn and/or a
    sliding window of ``window`` earlier turns (None keeps the whole history).

    Args:
      votes: Replies sampled per turn (1 = no voting).
      vote_seed: Seeds the per-vote sampling seeds and the tie-break.
      window: Earlier turns kept in context; None keeps all.
      history: History policy, as in ``multi_turn``.
      mode: Prompt mode, as in ``multi_turn``.
      replay_reasoning: As in ``multi_turn``.
      parser: Reads each reply, the votes and the kept answer alike; None is the paper's
        rule, stripping reasoning blocks only when ``mode`` is ``thinking``.
    """
    if votes < 1:
        raise ValueError(f"votes must be at least 1, got {votes}")
    if window is not None and window < 0:
        raise ValueError(f"window must be at least 0, got {window}")
    read = default_parser(mode) if parser is None else parser
    loop = multi_turn(history=history, mode=mode, replay_reasoning=replay_reasoning, parser=read)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        wrapped = generate
        if window is not None:
            wrapped = windowed_generate(wrapped, window)
        if votes > 1:
            wrapped = voting_generate(wrapped, state, votes, vote_seed, read)
        return await loop(state, wrapped)

    return solve
