"""When a run may stop: H_s is settled once more turns could not change it.

The survival curve at a turn depends only on what every trial did up to that turn. So once
all conversations still going have been observed through turn T, the curve through T is
the curve a run of any longer length would give, on the same replies. H_s is the steps
before the first turn at which the curve falls below s, so:

- **point settled** when the curve has fallen below s by turn T: the horizon is the one a
  longer run would report, exactly;
- **interval settled** when, besides, the 95% interval's upper end is a resample whose
  curve fell below s by turn T too. A resample whose curve has not fallen by T is censored
  at T's step count, above every resample that has, so the percentile interval is exact as
  soon as fewer resamples than its upper tail stay above s. The lower end is then exact as
  well: it is a smaller resample.

Neither decision is a statistical bet against the longer run: on the same replies the
stopped run reports the same horizons and intervals (the simulated executor, whose replies
depend only on the conversation, checks this: ``benchmarks/adaptive_horizon.py``). The
error that remains is the interval's own: its coverage of the true horizon, the same as a
run of every planned turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel

from long_horizon_execution.scorers.metrics import HorizonEstimate, horizon_estimates
from long_horizon_execution.scorers.survival import last_known_turn, steps_at, survival_curve

Settle = Literal["interval", "point"]
SETTLE_RULES: tuple[Settle, ...] = ("interval", "point")


class SettledHorizon(BaseModel):
    """H_s as observed so far, and whether more turns could still change it."""

    estimate: HorizonEstimate
    known_steps: float
    """The step through which the survival curve is known."""
    point_settled: bool
    interval_settled: bool

    def settled(self, rule: Settle) -> bool:
        return self.interval_settled if rule == "interval" else self.point_settled


def settled_horizons(
    task: np.ndarray,
    steps: np.ndarray,
    thresholds: Sequence[float],
    units: Sequence[object] | np.ndarray | None = None,
) -> list[SettledHorizon]:
    """Each threshold's horizon and whether it is settled (module docstring), from a task
    matrix whose open conversations were all observed through the same turn (and NaN
    after it)."""
    curve = survival_curve(task)
    known_turns = last_known_turn(curve) + 1
    known = float(steps_at(steps, np.array([known_turns]))[0])
    estimates = horizon_estimates(task, steps, thresholds, curve=curve, units=units)
    return [
        SettledHorizon(
            estimate=estimate,
            known_steps=known,
            point_settled=not estimate.censored,
            # Uncensored resamples end before the last known turn; censored ones at it.
            interval_settled=not estimate.censored and estimate.high < known,
        )
        for estimate in estimates
    ]


def all_settled(horizons: Sequence[SettledHorizon], rule: Settle) -> bool:
    return all(horizon.settled(rule) for horizon in horizons)
