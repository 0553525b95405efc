"""Parallel versus sequential compute: majority voting and a sliding-window history.

Both wrap the ``generate`` a solver receives, so they compose with any turn loop (the
multi-turn loop, the history-rewriting loop, a loop of your own) the way ``elicit`` does:

- :func:`voting` (:func:`voting_generate` underneath): each call samples ``votes`` replies
  (each with its own sampling seed, so caches and deterministic providers still give
  distinct samples), reads each with a parser, groups them by a key (by default the answer
  itself, see :func:`~long_horizon_execution.core.answer_key`) and keeps a reply of the
  largest group. Ties are broken by a seeded draw. A call in which no vote yields a key is
  an error, unless the caller allows it (``unanswered="count"``): then the first reply is
  kept, and the call is recorded with no winner and counted in ``VoteLog.unanswered``.
- :func:`windowed` (:func:`windowed_generate`): before each call, drops all but the last
  ``window`` earlier turns (system messages stay), so the context stops growing with the
  horizon.

:func:`multi_turn_voting` is the multi-turn loop with both.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any, Literal, get_args

from inspect_ai.model import ChatMessage, ChatMessageSystem, ModelOutput
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import store_as

from long_horizon_execution.core import (
    AnswerParser,
    ParsedAnswer,
    VoteLog,
    VoteRecord,
    answer_key,
)
from long_horizon_execution.solvers.history import HistoryPolicy
from long_horizon_execution.solvers.replies import one_request
from long_horizon_execution.solvers.turn_loop import TurnNote, TurnStop, default_parser, multi_turn

VOTE_SEED_STRIDE = 1000
"""Sampling seed of vote i in call c: seed + c * stride + i."""

VoteKey = Callable[[ParsedAnswer], Hashable | None]
"""What makes two votes agree; None for a vote that does not count."""
Unanswered = Literal["error", "count"]
UNANSWERED: tuple[str, ...] = get_args(Unanswered)


class NoVoteAnswered(RuntimeError):
    """Every vote of a call lacked a key, and the caller did not allow that."""


def _tie_order(key: Hashable) -> tuple[int, Any]:
    """Integers in numeric order (so the paper's seeded draws are unchanged), then any other
    key by its text."""
    if isinstance(key, int) and not isinstance(key, bool):
        return (0, key)
    return (1, repr(key))


def majority(keys: list[Hashable | None], rng: random.Random) -> tuple[Hashable | None, bool]:
    """The most frequent key (seeded choice among ties) and whether there was a tie."""
    counts = Counter(key for key in keys if key is not None)
    if not counts:
        return None, False
    top = max(counts.values())
    tied = sorted((key for key, count in counts.items() if count == top), key=_tie_order)
    return (tied[0] if len(tied) == 1 else rng.choice(tied)), len(tied) > 1


def voting_generate(
    generate: Generate,
    state: TaskState,
    n: int,
    seed: int,
    parser: AnswerParser | None = None,
    key: VoteKey = answer_key,
    unanswered: Unanswered = "error",
) -> Generate:
    """A ``generate`` that samples n replies per call, one request each, and keeps one of
    the majority (see the module docstring). ``parser`` reads each reply (None: the paper's
    rule, reasoning blocks left in)."""
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
        answers = [read(output.completion) for output, _ in candidates]
        keys = [key(answer) for answer in answers]
        rng = random.Random(f"vote-{seed}-{state.sample_id}-{calls}")
        winner, tie = majority(keys, rng)
        if winner is None and unanswered == "error":
            raise NoVoteAnswered(
                f"call {calls}: none of the {n} votes yielded a key (replies the parser "
                "could not read, or a key function for another kind of answer); pass "
                "unanswered='count' to record such calls instead"
            )
        chosen = keys.index(winner) if winner is not None else 0
        output, message = candidates[chosen]
        state.messages.append(message)
        state.output = output
        records.append(
            VoteRecord(
                call=calls,
                votes=[answer.answer for answer in answers],
                winner=None if winner is None else answers[chosen].answer,
                tie=tie,
            )
        )
        log = store_as(VoteLog)
        log.records = records
        log.unanswered = sum(record.winner is None for record in records)
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


def check_votes(votes: int, unanswered: str) -> None:
    if votes < 1:
        raise ValueError(f"votes must be at least 1, got {votes}")
    if unanswered not in UNANSWERED:
        raise ValueError(f"unanswered must be one of {', '.join(UNANSWERED)}, got {unanswered!r}")


def check_window(window: int | None) -> None:
    if window is not None and window < 0:
        raise ValueError(f"window must be at least 0, got {window}")


@solver
def voting(
    inner: Solver,
    votes: int = 3,
    vote_seed: int = 0,
    parser: AnswerParser | None = None,
    key: VoteKey = answer_key,
    unanswered: Unanswered = "error",
) -> Solver:
    """Run ``inner`` with every generate call decided by a majority of ``votes`` replies.

    Args:
      inner: Any solver, typically a turn loop (``multi_turn``, ``rewritten_history``).
      votes: Replies sampled per call (1 passes calls through unchanged).
      vote_seed: Seeds the per-vote sampling seeds and the tie-break.
      parser: Reads each vote; give the inner loop's own parser, so votes are read as its
        turns are. None is the paper's rule, reasoning blocks left in.
      key: What makes votes agree (default: the answer itself).
      unanswered: ``error`` (default) fails the sample when no vote of a call yields a
        key; ``count`` keeps the first reply and records the call with no winner.
    """
    check_votes(votes, unanswered)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if votes == 1:
            return await inner(state, generate)
        voted = voting_generate(generate, state, votes, vote_seed, parser, key, unanswered)
        return await inner(state, voted)

    return solve


@solver
def windowed(inner: Solver, window: int) -> Solver:
    """Run ``inner`` showing the model only the last ``window`` earlier turns per call."""
    check_window(window)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        return await inner(state, windowed_generate(generate, window))

    return solve


@solver
def multi_turn_voting(
    votes: int = 1,
    vote_seed: int = 0,
    window: int | None = None,
    history: str | HistoryPolicy = "paper",
    mode: str = "plain",
    replay_reasoning: bool = False,
    parser: AnswerParser | None = None,
    turns_field: str = "turns",
    separator: str = ", ",
    key: VoteKey = answer_key,
    unanswered: Unanswered = "error",
    note: TurnNote | None = None,
    stop: TurnStop | None = None,
    through_turn: int | None = None,
) -> Solver:
    """The multi-turn loop with majority voting over ``votes`` samples per turn and/or a
    sliding window of ``window`` earlier turns (None keeps the whole history): shorthand
    for ``windowed(voting(multi_turn(...)))``.

    Args:
      votes: Replies sampled per turn (1 = no voting).
      vote_seed: Seeds the per-vote sampling seeds and the tie-break.
      window: Earlier turns kept in context; None keeps all.
      history: History policy, as in ``multi_turn``.
      mode: Prompt mode, as in ``multi_turn``.
      replay_reasoning: As in ``multi_turn``.
      parser: Reads each reply, the votes and the kept answer alike; None is the paper's
        rule, stripping reasoning blocks only when ``mode`` is ``thinking``.
      turns_field: Sample metadata field holding the turns, as in ``multi_turn``.
      separator: Joins a turn's items into its user text, as in ``multi_turn``.
      key: What makes votes agree, as in :func:`voting`.
      unanswered: What a call no vote answered does, as in :func:`voting`.
      note: A line for each turn's span, as in ``multi_turn``.
      stop: Ends a conversation after a turn when it names a reason, as in ``multi_turn``.
      through_turn: The last turn generated, as in ``multi_turn``. A voted conversation
        cannot be carried over and extended: its vote seeds and records restart each run.
    """
    check_votes(votes, unanswered)
    check_window(window)
    read = default_parser(mode) if parser is None else parser
    loop: Solver = multi_turn(
        turns_field=turns_field,
        separator=separator,
        history=history,
        mode=mode,
        replay_reasoning=replay_reasoning,
        parser=read,
        note=note,
        stop=stop,
        through_turn=through_turn,
    )
    if votes > 1:
        loop = voting(loop, votes, vote_seed, read, key, unanswered)
    if window is not None:
        loop = windowed(loop, window)
    return loop
