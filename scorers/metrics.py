"""Metrics over samples, as vectorised numpy: accuracy curves, horizons, bootstrap
intervals and the Proposition-1 comparison. The scorer, the report and the benchmarks all
call these; nothing else computes them.

Inputs are matrices of shape (samples, turns) holding 1.0/0.0 per turn, fractions when
epochs were averaged, and NaN for turns a sample never reached (right-censored).
``steps`` gives the cumulative step count at the end of each turn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95
_TOLERANCE = 1e-9
_CHUNK_CELLS = 4_000_000


class HorizonEstimate(BaseModel):
    """H_s in steps with its bootstrap interval. ``censored`` means the curve never fell
    below s, so the true horizon is at least ``value`` (the last step observed)."""

    threshold: float
    value: float
    low: float
    high: float
    censored: bool


def cumulative_steps(turns: int, k: int, total_steps: int | None = None) -> np.ndarray:
    """Steps completed at the end of each turn; the last turn may hold fewer than k keys."""
    steps = np.arange(1, turns + 1, dtype=np.int64) * k
    return steps if total_steps is None else np.minimum(steps, total_steps)


def survival_curve(task: np.ndarray) -> np.ndarray:
    """Task accuracy after each turn. Without censoring this is the plain mean over
    samples; with censoring it is the Kaplan-Meier product over the samples still observed
    at each turn (fractional values from averaged epochs are handled alike)."""
    return _survival_curves(np.ones((1, task.shape[0])), task)[0]


def _survival_curves(weights: np.ndarray, task: np.ndarray) -> np.ndarray:
    """Survival curves for many weightings of the samples at once (rows of ``weights``)."""
    observed = ~np.isnan(task)
    if observed.all():
        return (weights @ task) / weights.sum(axis=1, keepdims=True)
    alive = np.where(observed, task, 0.0)
    before = np.concatenate([np.ones((task.shape[0], 1)), alive[:, :-1]], axis=1)
    at_risk = weights @ np.where(observed, before, 0.0)
    surviving = weights @ alive
    ratio = np.divide(surviving, at_risk, out=np.ones_like(surviving), where=at_risk > 0)
    return np.cumprod(ratio, axis=1)


def mean_curve(values: np.ndarray) -> np.ndarray:
    """Mean over the samples observed at each turn (NaN where none is)."""
    counts = np.count_nonzero(~np.isnan(values), axis=0)
    sums = np.nansum(values, axis=0)
    return np.divide(sums, counts, out=np.full(values.shape[1], np.nan), where=counts > 0)


def _first_below(curves: np.ndarray, threshold: float) -> np.ndarray:
    """Index of the first turn whose value is below the threshold, -1 if none (per row)."""
    below = curves < threshold - _TOLERANCE
    first = below.argmax(axis=1)
    return np.where(below.any(axis=1), first, -1)


def horizon(task: np.ndarray, steps: np.ndarray, threshold: float = 0.5) -> tuple[float, bool]:
    """H_s: the first step count at which task accuracy falls below ``threshold``.
    Returns (steps, censored); censored horizons are the last step observed."""
    first = int(_first_below(survival_curve(task)[None, :], threshold)[0])
    if first < 0:
        return float(steps[-1]), True
    return float(steps[first]), False


def bootstrap_horizons(
    task: np.ndarray,
    steps: np.ndarray,
    threshold: float = 0.5,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> np.ndarray:
    """H_s of each bootstrap resample of the samples (censored ones at the last step)."""
    samples, turns = task.shape
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, samples, size=(resamples, samples))
    weights = np.zeros((resamples, samples))
    np.add.at(weights, (np.arange(resamples)[:, None], picks), 1.0)
    chunk = max(1, _CHUNK_CELLS // max(turns, 1))
    firsts = np.concatenate(
        [
            _first_below(_survival_curves(weights[i : i + chunk], task), threshold)
            for i in range(0, resamples, chunk)
        ]
    )
    return np.where(firsts >= 0, steps[np.maximum(firsts, 0)], steps[-1]).astype(np.float64)


def horizon_estimate(
    task: np.ndarray,
    steps: np.ndarray,
    threshold: float = 0.5,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> HorizonEstimate:
    """H_s with a seeded percentile bootstrap interval (95%)."""
    value, censored = horizon(task, steps, threshold)
    replicates = bootstrap_horizons(task, steps, threshold, resamples, seed)
    tail = (1.0 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(replicates, [tail, 100 - tail])
    return HorizonEstimate(
        threshold=threshold, value=value, low=float(low), high=float(high), censored=censored
    )


def step_accuracy_from_turns(turn_accuracy: float, k: int) -> float:
    """Per-step accuracy p implied by turn accuracy when a turn needs k independent steps."""
    if math.isnan(turn_accuracy):
        return math.nan
    return float(max(turn_accuracy, 0.0) ** (1.0 / k))


def theoretical_horizon(p: float, threshold: float = 0.5) -> float:
    """Proposition 1: with constant per-step accuracy p, success after H steps is p^H, so
    H_s = ln(s) / ln(p). Infinite at p = 1, zero at p = 0."""
    if math.isnan(p):
        return math.nan
    if p >= 1.0:
        return math.inf
    if p <= 0.0:
        return 0.0
    return math.log(threshold) / math.log(p)


def stack(rows: Sequence[np.ndarray]) -> np.ndarray:
    """Samples' per-turn arrays as one matrix, padding shorter rows with NaN."""
    turns = max((len(r) for r in rows), default=0)
    matrix = np.full((len(rows), turns), np.nan)
    for i, row in enumerate(rows):
        matrix[i, : len(row)] = row
    return matrix
