"""What the fixed protocol would have spent, calibrated on the adaptive run's own first round.

Four characters a token is exact for the simulated executor and about half of what a real
tokenizer bills (see ``docs/estimate.md``). Round 1 asks every sample's first turns, so it
is a pilot the run has already paid for: its billed usage scales the estimate exactly as
``horizon-estimate --method pilot`` would, at no extra cost.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.log import read_eval_log

from long_horizon_execution.evals.estimate_method import (
    MAX_PILOT_SAMPLES,
    MAX_PILOT_TURNS,
    EstimateOptions,
    calibrated_estimate,
)
from long_horizon_execution.evals.estimate_pilot import pilot_arguments, pilot_turns
from long_horizon_execution.evals.estimate_totals import TokenEstimate
from long_horizon_execution.evals.horizon import horizon


def estimate_from_round(
    task_args: dict[str, Any], model: str, first_round_log: str, first_round_turns: int
) -> TokenEstimate | None:
    """The fixed protocol's tokens (``until=last_turn``, every planned turn) calibrated on
    the usage round 1 recorded for its first samples; None when it recorded none (a model
    that reports no usage), so the caller keeps the character count."""
    fixed_args = task_args | {"until": "last_turn", "through_turn": None, "continue_from": None}
    samples = int(task_args.get("samples") or 1)
    options = EstimateOptions(
        method="pilot",
        model=model,
        pilot_samples=min(samples, MAX_PILOT_SAMPLES),
        pilot_turns=min(first_round_turns, MAX_PILOT_TURNS),
    )
    pilot_task = horizon(**pilot_arguments(fixed_args, options.pilot_samples, options.pilot_turns))
    log = read_eval_log(first_round_log)
    measured = [
        turn
        for turn in pilot_turns(log, [sample.id for sample in pilot_task.dataset])
        if turn.turn < options.pilot_turns
    ]
    if not measured:
        return None
    try:
        estimate = calibrated_estimate(fixed_args, options, pilot=measured)
    except ValueError:  # no first turn with usage: nothing to calibrate on
        return None
    return estimate.model_copy(update={"detail": f"{estimate.detail} (round 1's)"})
