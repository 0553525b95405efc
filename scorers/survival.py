"""Survival of trials over turns: settled task matrices, Kaplan-Meier task accuracy, and
H_s read off a curve. Inputs are matrices of shape (trials, turns) holding 1.0/0.0 per turn
and NaN for turns a trial never reached; ``steps`` gives the cumulative step count at the
end of each turn.

The rules for trials that stop early (context exhausted, a reply cut, a limit hit):
The rules for trials that stop early (context exhausted, a reply cut, a limit hit):
- a trial that has failed stays failed at every later turn, observed or not
  (:func:`settle_failures`); only trials still alive are censored;
- task accuracy is a Kaplan-Meier estimate, unknown (NaN) past the last turn at which some
  live trial was still observed;
- H_s is the largest task length, in steps, at which task accuracy is still at least s (0
  when the first turn is already below s); when accuracy never falls below s where it is
  known, H_s is censored: at least the last step at which it is known.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TOLERANCE = 1e-9
"""Slack for floating-point error when a curve or a ratio is compared with a threshold."""


def cumulative_steps(turns: int, k: int, total_steps: int | None = None) -> np.ndarray:
    """Steps completed at the end of each turn; the last turn may hold fewer than k keys."""
    steps = np.arange(1, turns + 1, dtype=np.int64) * k
    return steps if total_steps is None else np.minimum(steps, total_steps)


def settle_failures(task: np.ndarray) -> np.ndarray:
    """``task`` with every turn after a trial's first failure set to 0, observed or not: a
    trial that has failed can never be right again, so it must not be censored (leaving
    its later turns unknown would let it drop out of the curve, or let another epoch's
    success stand in for it)."""
    failed = np.logical_or.accumulate(task == 0.0, axis=1) if task.size else task == 0.0
    return np.where(failed, 0.0, task) if failed.any() else task


def survival_curve(task: np.ndarray) -> np.ndarray:
    """Task accuracy after each turn (call on a settled matrix, see
    :func:`settle_failures`). Without censoring this is the plain mean over trials; with
    censoring it is the Kaplan-Meier product over the trials still observed at each turn,
    NaN from the first turn at which no live trial was observed any more."""
    return survival_curves(np.ones((1, task.shape[0])), task)[0]


def survival_curves(weights: np.ndarray, task: np.ndarray) -> np.ndarray:
    """Survival curves for many weightings of the trials at once (rows of ``weights``)."""
    observed = ~np.isnan(task)
    if observed.all():
        return (weights @ task) / weights.sum(axis=1, keepdims=True)
    alive = np.where(observed, task, 0.0)
    before = np.concatenate([np.ones((task.shape[0], 1)), alive[:, :-1]], axis=1)
    at_risk = weights @ np.where(observed, before, 0.0)
    surviving = weights @ alive
    ratio = np.divide(surviving, at_risk, out=np.ones_like(surviving), where=at_risk > 0)
    curves = np.cumprod(ratio, axis=1)
    # Nobody at risk while the curve is above 0: every live trial was censored before this
    # turn, so accuracy here is unknown, not carried forward.
    curves[(at_risk <= 0) & (curves > 0)] = np.nan
    return curves


def mean_curve(values: np.ndarray) -> np.ndarray:
    """Mean over the trials observed at each turn (NaN where none is)."""
    counts = np.count_nonzero(~np.isnan(values), axis=0)
    sums = np.nansum(values, axis=0)
    return np.divide(sums, counts, out=np.full(values.shape[1], np.nan), where=counts > 0)


def first_below(curves: np.ndarray, threshold: float) -> np.ndarray:
    """Index of the first turn whose value is below the threshold, -1 if none (per row;
    unknown values are never below)."""
    below = curves < threshold - TOLERANCE
    first = below.argmax(axis=1)
    return np.where(below.any(axis=1), first, -1)


def _last_known(curves: np.ndarray) -> np.ndarray:
    """Index of the last turn whose value is known, -1 if none (per row)."""
    known = ~np.isnan(curves)
    last = curves.shape[1] - 1 - known[:, ::-1].argmax(axis=1)
    return np.where(known.any(axis=1), last, -1)


def last_known_turn(curve: np.ndarray) -> int:
    """Index of the last turn at which a survival curve is known, -1 if none."""
    return int(_last_known(curve[None, :])[0]) if curve.size else -1


def horizon_positions(curves: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row, (how many turns the horizon spans, censored): the turns before the first
    one below ``threshold``, else every turn up to the last known one (censored)."""
    first = first_below(curves, threshold)
    censored = first < 0
    return np.where(censored, _last_known(curves) + 1, first), censored


def steps_at(steps: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Step counts after ``positions`` turns (0 turns: 0 steps)."""
    before = np.concatenate([[0], steps]).astype(np.float64)
    return before[positions]


def horizon(task: np.ndarray, steps: np.ndarray, threshold: float = 0.5) -> tuple[float, bool]:
    """H_s of a settled task matrix: the largest step count at which task accuracy is still
    at least ``threshold``. Returns (steps, censored)."""
    return horizon_from_curve(survival_curve(task), steps, threshold)


def horizon_from_curve(
    curve: np.ndarray, steps: np.ndarray, threshold: float = 0.5
) -> tuple[float, bool]:
    """:func:`horizon` of an already computed survival curve."""
    positions, censored = horizon_positions(curve[None, :], threshold)
    return float(steps_at(steps, positions)[0]), bool(censored[0])


def stack(rows: Sequence[np.ndarray]) -> np.ndarray:
    """Trials' per-turn arrays as one matrix, padding shorter rows with NaN."""
    turns = max((len(r) for r in rows), default=0)
    if rows and all(len(row) == turns for row in rows):
        return np.array(rows, dtype=np.float64).reshape(len(rows), turns)
    matrix = np.full((len(rows), turns), np.nan)
    for i, row in enumerate(rows):
        matrix[i, : len(row)] = row
    return matrix
