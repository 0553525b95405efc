"""The conversations a ``horizon`` run will hold, replayed with every answer right, and the
tokens each request of them bills.

Each sample is the same system message, user turns (with the layout's reminder, if any)
and history policy the task uses, replies written as the prompt asks (the answer tag; in
cot the working too, in the style of the layout's example). A request's tokens are split
into a *fixed* part (system message, user turns, the chat template's markers) and a
*history* part (earlier replies as the policy shows them), so a pilot can scale the two
apart: a model that writes more than asked lengthens only the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from inspect_ai.model import ChatMessageSystem
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from long_horizon_execution.core import format_answer, parse_answer
from long_horizon_execution.evals.estimate_tokens import Counting, TextCounter
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.prompts import cot_working, user_text
from long_horizon_execution.evals.prompts_format import DEFAULT_LAYOUT, cot_reply
from long_horizon_execution.evals.simulated_reading import read_conversation
from long_horizon_execution.solvers.history import history_policy

Counts = NDArray[np.float64]


class TurnText(BaseModel):
    """One turn of a replayed conversation."""

    user: str
    reply: str
    """What the model is billed for writing (thinking: the answer only)."""
    shown: str
    """The reply as later turns see it (the history policy applied)."""
    reasoning: str = ""
    """Thinking mode: the working the model reasons through before answering."""


class SampleText(BaseModel):
    system: str
    turns: list[TurnText]


class RunShape(BaseModel):
    """The settings of a run that shape its requests beyond the texts."""

    mode: str
    votes: int = 1
    window: int | None = None


def horizon_texts(**task_args: Any) -> tuple[list[SampleText], RunShape]:
    """Every sample of ``horizon(**task_args)`` replayed; invalid arguments fail as the task
    does."""
    task = horizon(**task_args)
    metadata = task.metadata or {}
    mode = str(metadata.get("mode", "plain"))
    layout = str(metadata.get("layout", DEFAULT_LAYOUT))
    policy = history_policy(str(metadata.get("history", "paper")), mode, layout)
    samples: list[SampleText] = []
    for sample in task.dataset:
        assert not isinstance(sample.input, str)
        system = sample.input[0].text
        dictionary = read_conversation([ChatMessageSystem(content=system)]).dictionary
        turns: list[TurnText] = []
        total = 0
        for keys in (sample.metadata or {}).get("turns", []):
            work = cot_working(keys, dictionary, total, layout)
            total += sum(dictionary[key] for key in keys)
            answer = format_answer(total)
            written = cot_reply(work, answer, layout) if mode == "cot" else answer
            turns.append(
                TurnText(
                    user=user_text(keys, mode, layout),
                    reply=written,
                    shown=policy(written, parse_answer(written)),
                    reasoning="\n".join(work) if mode == "thinking" else "",
                )
            )
        samples.append(SampleText(system=system, turns=turns))
    shape = RunShape(
        mode=mode,
        votes=int(task_args.get("votes") or 1),
        window=task_args.get("window"),
    )
    return samples, shape


class RequestUnits(BaseModel):
    """Per request (one per turn, samples in order), in the counter's units."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    sample: NDArray[np.int64]
    fixed: Counts
    history: Counts
    system: Counts
    """The system message and the first request's template markers: what stays cached
    when a window drops earlier turns."""
    window_start: NDArray[np.int64]
    """The first turn a request still holds (0 without a window)."""
    reply: Counts
    reasoning: Counts


def request_units(
    samples: Sequence[SampleText], counter: TextCounter, window: int | None = None
) -> RequestUnits:
    """Units of every request: the texts counted once each, summed per request."""
    counting = counter.counting
    texts = [text for s in samples for text in [s.system, *_turn_texts(s)]]
    counted = np.array(counter.units(texts), dtype=np.float64)
    parts: dict[str, list[NDArray[Any]]] = {name: [] for name in RequestUnits.model_fields}
    offset = 0
    for index, sample in enumerate(samples):
        n = len(sample.turns)
        system = counted[offset] + counting.first_request
        # per turn: user, reply, shown, reasoning
        users, replies, shown, reasoning = counted[offset + 1 : offset + 1 + 4 * n].reshape(n, 4).T
        offset += 1 + 4 * n
        turns = np.arange(n)
        start = np.zeros(n, dtype=np.int64) if window is None else np.maximum(0, turns - window)
        user_sums = np.concatenate([[0.0], np.cumsum(users)])
        shown_sums = np.concatenate([[0.0], np.cumsum(shown)])
        parts["sample"].append(np.full(n, index, dtype=np.int64))
        parts["window_start"].append(start)
        parts["system"].append(np.full(n, system))
        held_users = user_sums[turns + 1] - user_sums[start]
        parts["fixed"].append(system + counting.per_turn * (turns - start) + held_users)
        parts["history"].append(shown_sums[turns] - shown_sums[start])
        parts["reply"].append(replies)
        parts["reasoning"].append(reasoning)
    return RequestUnits.model_validate({name: np.concatenate(p) for name, p in parts.items()})


def _turn_texts(sample: SampleText) -> list[str]:
    return [text for t in sample.turns for text in (t.user, t.reply, t.shown, t.reasoning)]


class Scales(BaseModel):
    """Multipliers a pilot measured (1 when none ran): ``fixed`` on the system message,
    user turns and template, ``history`` on the replies shown, ``output`` on replies."""

    fixed: float = 1.0
    history: float = 1.0
    output: float = 1.0


class BilledTokens(BaseModel):
    """Tokens per request, as the provider would bill them."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    input: Counts
    cacheable: Counts
    output: Counts
    reasoning: Counts


def billed_tokens(
    units: RequestUnits, counting: Counting, scales: Scales | None = None, thinking: bool = False
) -> BilledTokens:
    """Counted units as tokens, scaled by a pilot's scales. "Cacheable" is the part of a
    request that repeats the previous request of its sample word for word."""
    rate = counting.tokens_per_unit

    def tokens(counted: Counts, constant: int) -> Counts:
        if scales is None:  # exactly as counted
            return np.floor(rate * counted) + constant
        return rate * counted + constant - counting.rounding_loss  # as fitted (on average)

    s = scales or Scales()
    request = tokens(s.fixed * units.fixed + s.history * units.history, counting.request_constant)
    first = np.ones(len(request), dtype=bool)
    first[1:] = units.sample[1:] != units.sample[:-1]
    previous = np.concatenate([[0.0], request[:-1]])
    cacheable = np.where(first, 0.0, np.minimum(previous, request))
    slid = np.zeros(len(request), dtype=bool)
    slid[1:] = units.window_start[1:] != units.window_start[:-1]
    system = tokens(s.fixed * units.system, 0)
    cacheable = np.where(slid & ~first, np.minimum(system, cacheable), cacheable)
    output = tokens(s.output * units.reply, counting.reply_constant)
    reasoning = np.zeros(len(request))
    if thinking:
        reasoning = tokens(s.output * units.reasoning, counting.reply_constant)
    return BilledTokens(
        input=request, cacheable=cacheable, output=output + reasoning, reasoning=reasoning
    )
