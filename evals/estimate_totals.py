"""A run's estimated tokens: the replayed requests summed, with how they were counted and
how sure the count is."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel

from long_horizon_execution.evals.estimate_pilot import Calibration
from long_horizon_execution.evals.estimate_replay import (
    RunShape,
    SampleText,
    billed_tokens,
    request_units,
)
from long_horizon_execution.evals.estimate_tokens import Method, TextCounter

PER_MILLION = 1_000_000
SPREAD = 2.0
"""Standard errors in a stated uncertainty (about 95 % if the pilot's turns are typical)."""
REPLIES_AS_ASKED = 0.15
"""Allowance for replies counted as the prompt asks (no pilot): an allowance, not a
measurement; the local model's logged runs came within 10 % of it (docs/estimate.md)."""
BETWEEN_SAMPLES = 0.10
"""Allowance for what a pilot's few samples cannot show of the others: in the local
model's logged cot run, one sample in twenty wandered on past its answers for its whole
run and added 10 % to the output (docs/estimate.md)."""


class TokenEstimate(BaseModel):
    """Tokens one run spends, summed over its samples and turns."""

    samples: int
    requests: int
    input_tokens: int
    cacheable_input_tokens: int
    """Input that repeats the previous request of the same sample (a prefix-cache hit)."""
    output_tokens: int
    reasoning_tokens: int
    """Part of ``output_tokens``; thinking mode only."""
    method: Method = "characters"
    detail: str = ""
    """What counted: the rule, the tokenizer's model, the pilot's size."""
    input_uncertainty: float | None = None
    """Relative uncertainty of ``input_tokens`` (0.1: within about 10 %); None: unknown."""
    output_uncertainty: float | None = None

    @property
    def cacheable_share(self) -> float:
        return self.cacheable_input_tokens / self.input_tokens if self.input_tokens else 0.0

    def cost(self, input_price: float, output_price: float, cached_price: float | None) -> float:
        """Dollars at prices per million tokens (cached input at ``cached_price``, or at
        the full input price when None)."""
        cached = input_price if cached_price is None else cached_price
        fresh = self.input_tokens - self.cacheable_input_tokens
        return (
            fresh * input_price
            + self.cacheable_input_tokens * cached
            + self.output_tokens * output_price
        ) / PER_MILLION


def _band(standard_error: float, allowance: float) -> float:
    """A relative uncertainty: two standard errors (0 when one turn cannot tell) and an
    allowance for what was not measured, added in quadrature."""
    measured = 0.0 if math.isnan(standard_error) else SPREAD * standard_error
    return math.hypot(measured, allowance)


def _uncertainty(
    history_share: float, calibration: Calibration | None, method: Method
) -> tuple[float | None, float | None]:
    """(input, output) relative uncertainties. Characters: unknown. The tokenizer counts
    the prompts exactly, so only the replies (as output, and as history in the input)
    are uncertain: by :data:`REPLIES_AS_ASKED` without a pilot, by the pilot's spread and
    :data:`BETWEEN_SAMPLES` with one."""
    if calibration is None:
        if method == "characters":
            return None, None
        return history_share * REPLIES_AS_ASKED, REPLIES_AS_ASKED
    fixed = _band(calibration.fixed_error, 0.0)
    history = _band(calibration.history_error, BETWEEN_SAMPLES)
    output = _band(calibration.output_error, BETWEEN_SAMPLES)
    return math.hypot((1 - history_share) * fixed, history_share * history), output


def estimate_texts(
    samples: Sequence[SampleText],
    shape: RunShape,
    counter: TextCounter,
    calibration: Calibration | None = None,
) -> TokenEstimate:
    """Tokens of the replayed samples. Each of ``votes`` requests of a turn sends the same
    prompt, so all but the first repeat it whole (cacheable)."""
    counting = counter.counting
    units = request_units(samples, counter, shape.window)
    scales = calibration.scales if calibration else None
    billed = billed_tokens(units, counting, scales, thinking=shape.mode == "thinking")
    votes = shape.votes
    input_tokens = float(billed.input.sum())
    detail = counting.detail
    if calibration is not None:
        detail = f"{detail}; scaled by a pilot of {calibration.turns} turns"
    history_scale = calibration.scales.history if calibration else 1.0
    history = float(counting.tokens_per_unit * history_scale * units.history.sum())
    share = history / input_tokens if input_tokens else 0.0
    input_error, output_error = _uncertainty(share, calibration, counting.method)
    return TokenEstimate(
        samples=len(samples),
        requests=len(units.sample) * votes,
        input_tokens=round(input_tokens * votes),
        cacheable_input_tokens=round(billed.cacheable.sum() + (votes - 1) * input_tokens),
        output_tokens=round(billed.output.sum() * votes),
        reasoning_tokens=round(billed.reasoning.sum() * votes),
        method="pilot" if calibration is not None else counting.method,
        detail=detail,
        input_uncertainty=input_error,
        output_uncertainty=output_error,
    )
