"""The simulated executor's planted behaviour and the reply it gives with it.

Each step is right with probability p; a wrong step adds a nonzero offset within +-10. With
``self_conditioning`` c, the per-step error probability rises by c times the fraction of
wrong totals visible in its own history. With ``format_error`` f, a reply has no tag or an
unreadable one with probability f. With ``hazard_baseline`` (and ``hazard_decay``,
``hazard_conditioning``) turn errors follow the hazard fit's logistic scale instead of ``p``
(see ``simulated_hazard``).

With ``single_turn_capacity`` C, one reply executes about C steps: each reply draws its
capacity C * exp(spread * z), z standard normal, and every step beyond it drifts by a
nonzero offset of one sign, so at p = 1 accuracy at K steps is Phi(ln(C / K) / spread):
near 1 below C, 0.5 at C, near 0 above. A single-turn reply answers a list of block totals
or one sum, as the prompt asks. In cot mode the working is written as the layout's example
does. With the ``*_slip`` rates, replies carry planted slips of known kinds instead
(``simulated_slips``).
"""

from __future__ import annotations

import math
import random
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from long_horizon_execution.core import format_answer, format_answer_list
from long_horizon_execution.evals.params import ParameterError, validate_params
from long_horizon_execution.evals.params import shown as shown_value
from long_horizon_execution.evals.prompts_paper import working_sentence
from long_horizon_execution.evals.prompts_suite import working_lines
from long_horizon_execution.evals.simulated_hazard import MAX_LOGIT, check_hazard, planted_hazard
from long_horizon_execution.evals.simulated_reading import Conversation
from long_horizon_execution.evals.simulated_slips import SlipRates, plant_slip

MAX_OFFSET = 10
MAX_SPREAD = 10.0
"""Largest ``capacity_spread``: exp(spread * z) stays finite for any normal draw z."""
SEED_BOUND = 2**63


class SimulatedBehaviour(SlipRates):
    """The planted behaviour; every field is a ``-M`` model argument (the ``*_slip`` rates
    are :class:`~long_horizon_execution.evals.simulated_slips.SlipRates`). A value must be
    a finite number (the command line may give it as text: ``-M p=1e-3`` arrives as a
    string), never a boolean, so a bad one is refused when the model is built, before any
    request."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    p: float = Field(default=0.99, ge=0.0, le=1.0)
    """Per-step accuracy with a clean history."""
    self_conditioning: float = Field(default=0.0, ge=0.0)
    """Added to the per-step error probability per unit fraction of wrong visible totals."""
    format_error: float = Field(default=0.0, ge=0.0, le=1.0)
    """Probability that a reply has no tag or an unreadable one."""
    seed: int = Field(default=0, ge=-SEED_BOUND, lt=SEED_BOUND)
    context_window: int | None = Field(default=None, ge=1)
    """Approximate tokens (4 characters each) beyond which it stops with model_length."""
    single_turn_capacity: float | None = Field(default=None, gt=0)
    """Median steps one reply executes correctly; later steps in the reply go wrong."""
    capacity_spread: float = Field(default=0.05, ge=0.0, le=MAX_SPREAD)
    """Log-scale spread of each reply's capacity around ``single_turn_capacity``."""
    hazard_baseline: float | None = Field(default=None, ge=-MAX_LOGIT, le=MAX_LOGIT)
    """Plants turn errors on the hazard fit's scale (see ``simulated_hazard``): log-odds of
    a turn error at turn 1 with a clean history. Replaces ``p`` and ``self_conditioning``."""
    hazard_decay: float | None = Field(default=None, ge=-MAX_LOGIT, le=MAX_LOGIT)
    """Planted context decay: change in the log-odds of a turn error per ten turns."""
    hazard_conditioning: float | None = Field(default=None, ge=-MAX_LOGIT, le=MAX_LOGIT)
    """Planted self-conditioning: change in the log-odds of a turn error from no wrong total
    in the history to all wrong."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("a boolean is not a number")
        return value

    @model_validator(mode="after")
    def _one_error_model(self) -> SimulatedBehaviour:
        check_hazard(self)
        return self


def simulated_behaviour(model_args: dict[str, Any]) -> SimulatedBehaviour:
    """The ``-M`` arguments checked: a bad one is refused in one line naming it and its
    value (an unknown name with the names it could be)."""
    # the slip rates (inherited, so first in the model) are named last
    known = sorted(SimulatedBehaviour.model_fields, key=lambda n: n in SlipRates.model_fields)
    for name, value in model_args.items():
        if name not in known:
            raise ParameterError(
                f"simulated model: unknown parameter {name!r} (got {shown_value(value)}); "
                f"known: {', '.join(known)}"
            )
    behaviour: SimulatedBehaviour = validate_params(
        "simulated model", SimulatedBehaviour, model_args
    )
    return behaviour


def visible_error_fraction(conversation: Conversation) -> float:
    """Share of earlier turns whose shown total differs from the true running total."""
    if not conversation.shown_answers:
        return 0.0
    total, wrong = 0, 0
    for keys, shown in zip(conversation.turns, conversation.shown_answers, strict=False):
        total += sum(conversation.dictionary.get(key, 0) for key in keys)
        wrong += shown != total
    return wrong / len(conversation.shown_answers)


class SimulatedReply(BaseModel):
    text: str
    working: list[str]
    slip: str | None = None
    """The kind of slip planted in the reply (``simulated_slips``), if any."""


def answer_reply(
    total: int, working: list[str], behaviour: SimulatedBehaviour, rng: random.Random
) -> SimulatedReply:
    """The reply with its answer: tagged, or, with probability ``format_error``, not
    readable (then that is the slip it reports, whatever else was planted)."""
    if rng.random() < behaviour.format_error:
        text = rng.choice([f"The running total is now {total}.", f"<answer>{total}?</answer>"])
        return SimulatedReply(text=text, working=working, slip="format")
    return SimulatedReply(text=format_answer(total), working=working)


def simulate_reply(
    conversation: Conversation,
    behaviour: SimulatedBehaviour,
    rng: random.Random,
    capacity_rng: random.Random | None = None,
) -> SimulatedReply:
    """The executor's reply to the last user turn (``capacity_rng`` draws this reply's
    single-turn capacity, kept apart so other behaviour is unchanged by it)."""
    previous = next((a for a in reversed(conversation.shown_answers) if a is not None), 0)
    planted = plant_slip(conversation, behaviour, previous, rng)
    if planted is not None:
        reply = answer_reply(planted.total, planted.working, behaviour, rng)
        return reply if reply.slip else reply.model_copy(update={"slip": planted.kind})
    error = (1.0 - behaviour.p) + behaviour.self_conditioning * visible_error_fraction(conversation)
    believed: dict[str, int] = {}
    total = previous
    working: list[str] = []
    keys = conversation.turns[-1] if conversation.turns else []
    hazard, slip = planted_hazard(behaviour), None
    if hazard is not None:  # one slip per turn error, drawn on the hazard's scale
        share = visible_error_fraction(conversation)
        error, slip = 0.0, hazard.slip(len(conversation.turns), share, len(keys), rng)
    capacity, drift = math.inf, 1
    if behaviour.single_turn_capacity is not None:
        draw = capacity_rng or random.Random(rng.random())
        capacity = behaviour.single_turn_capacity * math.exp(
            behaviour.capacity_spread * draw.gauss(0.0, 1.0)
        )
        drift = draw.choice([-1, 1])
    totals: list[int] = []
    read: list[int] = []
    for step, key in enumerate(keys, start=1):
        value = conversation.dictionary.get(key, 0)
        if step > capacity:
            value += drift * rng.randint(1, MAX_OFFSET)
        elif step == slip or rng.random() < error:
            value += rng.choice([o for o in range(-MAX_OFFSET, MAX_OFFSET + 1) if o != 0])
        believed[key] = value
        read.append(value)
        working.extend(working_lines([key], believed, total))
        total += value
        totals.append(total)
    if conversation.layout == "paper" and keys:
        working = [working_sentence(keys, read, previous)]
    block = conversation.block if conversation.single_turn else None
    if block is not None and block < len(totals):
        ends = [*range(block - 1, len(totals) - 1, block), len(totals) - 1]
        reported = [totals[end] for end in ends]
        return SimulatedReply(text=format_answer_list(reported), working=working)
    return answer_reply(total, working, behaviour, rng)
