"""History rewriting: what a model sees of its earlier turns, decided by a rule.

Usable by any multi-turn eval whose samples carry their turns in metadata (the convention
of ``multi_turn``). A rule maps a turn to the text later turns see.
Turns before ``synthetic_before`` are never generated: the rule writes them into the
history as assistant messages marked ``metadata={"injected": True}`` (tagged and named by
turn like generated ones, see ``multi_turn``). Later turns are
generated and the rule replaces what is shown of each reply; the raw replies stay in the
``TurnLog`` records and in the log's model events. Every shown
turn is recorded in :class:`RewriteLog`, so a scorer can judge a reply against the history
the model actually saw.

:class:`InducedErrors` is the self-conditioning rule: each shown answer is the true total,
or, at a given rate, a total that is always wrong, reproducible from a seed and a key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol, get_args

import numpy as np
from inspect_ai.model import ChatMessageAssistant
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import span, store_as
from pydantic import JsonValue

from long_horizon_execution.core import (
    AnswerParser,
    RewriteLog,
    ShownTurn,
    TurnRecord,
    format_answer,
)
from long_horizon_execution.solvers.history import HistoryPolicy
from long_horizon_execution.solvers.turn_loop import (
    TURN_METADATA,
    TurnNote,
    multi_turn,
    turn_inputs,
    turn_message_id,
    user_turn,
)

INJECTED = "injected"
REWRITTEN = "rewritten"


def marks(entry: ShownTurn) -> dict[str, JsonValue]:
    """What a reader of the transcript needs of a synthetic or rewritten turn, kept in its
    message's metadata (never sent to the model): whether it carries an induced error,
    and the total it shows against the true one."""
    return {"wrong": entry.induced, "shown_total": entry.value, "true_total": entry.truth}


"""Metadata key marking an assistant message the model never wrote."""

OffsetKind = Literal["uniform", "drift"]
OFFSET_KINDS: tuple[str, ...] = get_args(OffsetKind)
PAPER_MAX_OFFSET = 10
MAX_OFFSET = 2**62 - 1
"""Largest ``max_offset``: offsets are drawn by numpy in int64, from a range twice as wide."""


class ShownRenderer(Protocol):
    """Writes what a turn shows, given the total shown before it and the total it shows
    (e.g. chain-of-thought working that arrives at that total)."""

    def __call__(self, state: TaskState, turn: int, previous: int, value: int) -> str: ...


class RewriteRule(Protocol):
    """Decides what later turns see of ``turn``. ``record`` is the generated turn, or None
    for a synthetic one (then the rule must return a :class:`ShownTurn`); returning None
    keeps what the history policy shows."""

    def __call__(
        self, state: TaskState, turn: int, record: TurnRecord | None
    ) -> ShownTurn | None: ...


@solver
def rewritten_history(
    rule: RewriteRule,
    synthetic_before: int = 1,
    turns_field: str = "turns",
    separator: str = ", ",
    history: str | HistoryPolicy = "paper",
    mode: str = "plain",
    replay_reasoning: bool = False,
    parser: AnswerParser | None = None,
    note: TurnNote | None = None,
) -> Solver:
    """The multi-turn loop with a rule applied to the history.

    Args:
      rule: What each turn shows later turns (see :class:`RewriteRule`).
      synthetic_before: Turns before this one are written by the rule, not generated;
        1 generates every turn.
      turns_field: Sample metadata field holding the turns.
      separator: Joins a turn's items into its user text.
      history: The history policy applied before the rule (see ``multi_turn``).
      mode: The prompting mode.
      replay_reasoning: Keep returned reasoning in later turns' context.
      parser: Reads each generated reply (see ``multi_turn``); None is the paper's rule,
        stripping reasoning blocks only when ``mode`` is ``thinking``.
      note: A line for each generated turn's span (see ``multi_turn``).
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        shown: list[ShownTurn] = []

        def hook(state: TaskState, record: TurnRecord) -> str | None:
            entry = rule(state, record.turn, record)
            if entry is None:
                return None
            shown.append(entry)
            reply = state.messages[-1]
            if isinstance(reply, ChatMessageAssistant) and entry.shown != record.shown:
                reply.metadata = {**(reply.metadata or {}), REWRITTEN: True, **marks(entry)}
            return entry.shown

        try:
            if synthetic_before > 1:
                async with span("synthetic history"):
                    inputs = turn_inputs(state.metadata, turns_field, separator)
                    for number, (text, _) in enumerate(inputs[: synthetic_before - 1], start=1):
                        entry = rule(state, number, None)
                        if entry is None:
                            raise ValueError(f"the rule gave no text for synthetic turn {number}")
                        shown.append(entry)
                        state.messages.append(user_turn(state, number, text))
                        state.messages.append(
                            ChatMessageAssistant(
                                id=turn_message_id(state, number, "assistant"),
                                content=entry.shown,
                                metadata={INJECTED: True, TURN_METADATA: number, **marks(entry)},
                            )
                        )
            loop = multi_turn(
                turns_field=turns_field,
                separator=separator,
                history=history,
                mode=mode,
                replay_reasoning=replay_reasoning,
                rewrite=hook,
                first_turn=synthetic_before,
                parser=parser,
                note=note,
            )
            state = await loop(state, generate)
        finally:
            # Written once: assigning a StoreModel field revalidates everything stored.
            store_as(RewriteLog).turns = shown
        return state

    return solve


def _unit_entropy(seed: int, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}\x00{key}".encode()).digest()[:16], "big")


@lru_cache(maxsize=4096)
def error_draws(seed: int, key: str, turns: int, max_offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Per turn, a uniform number in [0, 1) and a nonzero offset uniform on
    [-max_offset, max_offset] without 0. They depend on (seed, key) only, not on the rate,
    so units sharing a key see nested error sets (those at rate 0.25 are among those at
    0.5) with equal offsets, and a longer plan extends a shorter one."""
    uniform_seq, offset_seq = np.random.SeedSequence(_unit_entropy(seed, key)).spawn(2)
    uniforms = np.random.default_rng(uniform_seq).random(turns)
    raw = np.random.default_rng(offset_seq).integers(0, 2 * max_offset, size=turns)
    offsets = np.where(raw < max_offset, raw - max_offset, raw - max_offset + 1)
    uniforms.flags.writeable = False
    offsets.flags.writeable = False
    return uniforms, offsets


def shown_totals(
    truths: np.ndarray, induced: np.ndarray, offsets: np.ndarray, kind: str
) -> np.ndarray:
    """The totals a history shows. ``uniform``: an induced turn shows its true total plus
    its offset, later turns are true again (the paper's corruption). ``drift``: an induced
    turn adds its offset to the state, and later totals follow the wrong one. Python ints
    (object dtype), so a total of any size is shown exactly, never wrapped."""
    exact = np.asarray(truths).astype(object)
    errors = np.where(induced, offsets, 0).astype(object)
    if kind == "uniform":
        return np.asarray(exact + errors)
    if kind == "drift":
        return np.asarray(exact + np.cumsum(errors))
    raise ValueError(f"offsets must be one of {', '.join(OFFSET_KINDS)}, got {kind!r}")


def target_totals(state: TaskState) -> list[int]:
    """Per-turn true totals from the sample's target (one integer per turn)."""
    return [int(total) for total in state.target.target]


@lru_cache(maxsize=1024)
def _induced_plan(
    seed: int, key: str, rate: float, truths: tuple[int, ...], max_offset: int, kind: str
) -> tuple[np.ndarray, ...]:
    """(shown totals, true totals, induced mask, offsets) per turn; cached because a
    sample asks for it once per turn."""
    totals = np.array(truths, dtype=object)
    uniforms, offsets = error_draws(seed, key, totals.size, max_offset)
    induced = uniforms < rate
    arrays = (shown_totals(totals, induced, offsets, kind), totals, induced, offsets)
    for array in arrays:
        array.flags.writeable = False
    return arrays


@dataclass(frozen=True)
class InducedErrors:
    """Show the true total of every turn, except that each turn independently, with
    probability ``rate``, shows an induced error that is never the true total (uniform) or
    never the correct step from the previous shown total (drift). At rate 0 the history is
    healed: the model sees only true totals, never its own slips."""

    rate: float | None = None
    """A fixed rate; None reads it from sample metadata ``rate_field``."""
    rate_field: str = "rate"
    offsets: OffsetKind = "uniform"
    max_offset: int = PAPER_MAX_OFFSET
    seed: int = 0
    key_field: str | None = None
    """Metadata field keying the draws (e.g. an instance shared by several rates); None
    keys them by sample id."""
    truths: Callable[[TaskState], Sequence[int]] = target_totals
    render: ShownRenderer | None = None
    """Writes a shown turn; None shows the answer tag alone."""

    def __post_init__(self) -> None:
        if self.offsets not in OFFSET_KINDS:
            raise ValueError(f"offsets must be one of {', '.join(OFFSET_KINDS)}")
        if not 1 <= self.max_offset <= MAX_OFFSET:
            raise ValueError(
                f"max_offset must lie in [1, {MAX_OFFSET}] (at least 1, so an error is never 0)"
            )
        if self.rate is not None and not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must lie in [0, 1], got {self.rate}")

    def sample_rate(self, state: TaskState) -> float:
        return float(self.rate if self.rate is not None else state.metadata[self.rate_field])

    def key(self, state: TaskState) -> str:
        return str(state.sample_id if self.key_field is None else state.metadata[self.key_field])

    def _arrays(self, state: TaskState) -> tuple[np.ndarray, ...]:
        return _induced_plan(
            self.seed,
            self.key(state),
            self.sample_rate(state),
            tuple(self.truths(state)),
            self.max_offset,
            self.offsets,
        )

    def _entry(
        self, state: TaskState, arrays: tuple[np.ndarray, ...], turn: int, synthetic: bool
    ) -> ShownTurn:
        values, truths, induced, offsets = (array[turn - 1] for array in arrays)
        previous = int(arrays[0][turn - 2]) if turn > 1 else 0
        shown = (
            format_answer(int(values))
            if self.render is None
            else self.render(state, turn, previous, int(values))
        )
        return ShownTurn(
            turn=turn,
            shown=shown,
            synthetic=synthetic,
            value=int(values),
            truth=int(truths),
            induced=bool(induced),
            offset=int(offsets) if induced else 0,
        )

    def plan(self, state: TaskState) -> list[ShownTurn]:
        """Every turn's shown answer for this sample."""
        arrays = self._arrays(state)
        return [self._entry(state, arrays, turn, False) for turn in range(1, arrays[0].size + 1)]

    def __call__(self, state: TaskState, turn: int, record: TurnRecord | None) -> ShownTurn:
        return self._entry(state, self._arrays(state), turn, synthetic=record is None)
