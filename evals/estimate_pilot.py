"""A pilot: a few real turns of the run, measured, to calibrate the estimate.

A tokenizer counts the prompts exactly but cannot say how much a model will write: a model
may pad its working, wander on past the answer, or (thinking) reason at length. A pilot
runs ``samples`` samples for ``turns`` turns with the real model and compares what it
billed with what the replay predicts for the same turns. Three scales come out
(:class:`~long_horizon_execution.evals.estimate_replay.Scales`):

- ``fixed``, from each sample's first request (no history yet): the model's tokens per
  counted token of the system message, user turn and template (1 with the model's own
  tokenizer; the characters-per-token correction without one);
- ``output``: tokens written per token of the reply the prompt asks for;
- ``history``: tokens of earlier replies shown per token the replay shows, from the later
  requests once the fixed part is taken out (the output scale when the pilot has none).

Each scale's uncertainty is the standard error of its per-turn ratios, relative to it: the
spread within the pilot, not between samples it did not run.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from typing import Any

import numpy as np
from inspect_ai import eval
from inspect_ai.log import EvalLog
from pydantic import BaseModel

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.estimate_replay import RequestUnits, Scales
from long_horizon_execution.evals.estimate_tokens import Counting
from long_horizon_execution.evals.horizon import horizon

DEFAULT_PILOT_TURNS = 4
DEFAULT_PILOT_SAMPLES = 1


class PilotError(RuntimeError):
    """The pilot run failed (one line)."""


class PilotTurn(BaseModel):
    """What one request of the pilot billed (input counts cached tokens too)."""

    sample: int
    """Position of the sample in the dataset, from 0."""
    turn: int
    """Turn of the sample, from 0."""
    input_tokens: int
    output_tokens: int


class Calibration(BaseModel):
    """A pilot's scales and how sure each is (relative standard errors, NaN when one turn
    cannot tell)."""

    scales: Scales
    turns: int
    fixed_error: float
    history_error: float
    output_error: float


def pilot_arguments(
    task_args: dict[str, Any],
    samples: int = DEFAULT_PILOT_SAMPLES,
    turns: int = DEFAULT_PILOT_TURNS,
) -> dict[str, Any]:
    """The run's settings cut down to a pilot: its first samples and turns, one vote."""
    return {**task_args, "samples": samples, "turns": turns, "steps": None, "votes": 1}


def pilot_turns(log: EvalLog, sample_ids: Sequence[Any]) -> list[PilotTurn]:
    """Every turn with usage in a horizon log, samples placed by their dataset id."""
    position = {sample_id: index for index, sample_id in enumerate(sample_ids)}
    turns: list[PilotTurn] = []
    for sample in log.samples or []:
        for record in TurnLog.of_sample(sample).turns:
            usage = record.usage
            if usage is None or sample.id not in position:
                continue
            cached = (usage.input_tokens_cache_read or 0) + (usage.input_tokens_cache_write or 0)
            turns.append(
                PilotTurn(
                    sample=position[sample.id],
                    turn=record.turn - 1,
                    input_tokens=usage.input_tokens + cached,
                    output_tokens=usage.output_tokens,
                )
            )
    return turns


def run_pilot(
    pilot_args: dict[str, Any], model: str, model_args: dict[str, Any]
) -> list[PilotTurn]:
    """Run the pilot with the real model (logs go to a temporary folder) and read it."""
    task = horizon(**pilot_args)
    with tempfile.TemporaryDirectory(prefix="horizon-pilot-") as log_dir:
        log = eval(task, model=model, model_args=model_args, display="none", log_dir=log_dir)[0]
        if log.status != "success":
            message = log.error.message if log.error else log.status
            raise PilotError(f"pilot run on {model} failed: {message}")
        return pilot_turns(log, [sample.id for sample in task.dataset])  # read before cleanup


def _ratio(actual: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """Sum of actual over sum of predicted, and the relative standard error of the
    per-turn ratios (NaN from fewer than two)."""
    keep = predicted > 0
    if not keep.any():
        return math.nan, math.nan
    scale = float(actual[keep].sum() / predicted[keep].sum())
    ratios = actual[keep] / predicted[keep]
    if len(ratios) < 2 or scale == 0:
        return scale, math.nan
    return scale, float(ratios.std(ddof=1) / math.sqrt(len(ratios)) / abs(scale))


def calibrate(
    units: RequestUnits, counting: Counting, measured: Sequence[PilotTurn], thinking: bool
) -> Calibration:
    """Scales that make the replay of the pilot's turns bill what the pilot billed."""
    if not measured:
        raise ValueError("the pilot recorded no turn with token usage")
    starts = np.flatnonzero(np.r_[True, units.sample[1:] != units.sample[:-1]])
    rows = np.array([starts[t.sample] + t.turn for t in measured])
    rate, loss = counting.tokens_per_unit, counting.rounding_loss
    actual_in = np.array([t.input_tokens for t in measured], float)
    actual_in += loss - counting.request_constant
    texts = 2 if thinking else 1  # an answer, and the reasoning before it
    actual_out = np.array([t.output_tokens for t in measured], float)
    actual_out += texts * (loss - counting.reply_constant)
    fixed = rate * units.fixed[rows]
    history = rate * units.history[rows]
    written = rate * (units.reply[rows] + (units.reasoning[rows] if thinking else 0.0))
    opening = history == 0
    fixed_scale, fixed_error = _ratio(actual_in[opening], fixed[opening])
    if math.isnan(fixed_scale):
        raise ValueError("the pilot recorded no first turn")
    output_scale, output_error = _ratio(actual_out, written)
    history_scale, history_error = _ratio(
        actual_in[~opening] - fixed_scale * fixed[~opening], history[~opening]
    )
    if math.isnan(history_scale):
        history_scale, history_error = output_scale, output_error
    return Calibration(
        scales=Scales(
            fixed=fixed_scale,
            history=max(history_scale, 0.0),
            output=max(output_scale, 0.0),
        ),
        turns=len(measured),
        fixed_error=fixed_error,
        history_error=history_error,
        output_error=output_error,
    )
