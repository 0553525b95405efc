"""Metrics over samples, as vectorised numpy: accuracy curves, horizons, bootstrap
intervals and the Proposition-1 comparison. The scorer, the report and the benchmarks all
call these; nothing else computes them.

Inputs are matrices of shape (samples, turns) holding 1.0/0.0 per turn, fractions when
epochs were averaged, and NaN for turns a sample never reached (right-censored).
``steps`` gives the cumulative step count at the end of each turn.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

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
    return horizon_from_curve(survival_curve(task), steps, threshold)


def horizon_from_curve(
    curve: np.ndarray, steps: np.ndarray, threshold: float = 0.5
) -> tuple[float, bool]:
    """:func:`horizon` of an already computed survival curve."""
    first = int(_first_below(curve[None, :], threshold)[0])
    if first < 0:
        return float(steps[-1]), True
    return float(steps[first]), False


def resample_weights(count: int, resamples: int, seed: int) -> np.ndarray:
    """How many times each of ``count`` units is drawn in each bootstrap resample (one row
    per resample), so a resampled statistic is a matrix product instead of a loop."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, count, size=(resamples, count))
    weights = np.zeros((resamples, count))
    np.add.at(weights, (np.arange(resamples)[:, None], picks), 1.0)
    return weights


def bootstrap_horizons(
    task: np.ndarray,
    steps: np.ndarray,
    threshold: float = 0.5,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> np.ndarray:
    """H_s of each bootstrap resample of the samples (censored ones at the last step)."""
    weights = resample_weights(task.shape[0], resamples, seed)
    return _resampled_horizons(weights, task, steps, threshold, survival_events(task))


def _resampled_horizons(
    weights: np.ndarray,
    task: np.ndarray,
    steps: np.ndarray,
    threshold: float,
    events: SurvivalEvents | None,
) -> np.ndarray:
    """The event path when the rows allow it (same numbers, far less work), else the
    general one."""
    fast = None if events is None else _event_horizons(weights, events, threshold)
    if fast is None:
        return _matrix_horizons(weights, task, steps, threshold)
    return np.where(fast >= 0, steps[np.maximum(fast, 0)], steps[-1]).astype(np.float64)


def _resampled_curves(weights: np.ndarray, task: np.ndarray) -> Iterator[np.ndarray]:
    """Every resample's whole survival curve, a chunk of resamples at a time so memory
    stays bounded however long the curves are."""
    chunk = max(1, _CHUNK_CELLS // max(task.shape[1], 1))
    for i in range(0, weights.shape[0], chunk):
        yield _survival_curves(weights[i : i + chunk], task)


def _matrix_horizons(
    weights: np.ndarray, task: np.ndarray, steps: np.ndarray, threshold: float
) -> np.ndarray:
    """The general path: every resample's whole survival curve, in chunks of resamples."""
    firsts = np.concatenate(
        [_first_below(curves, threshold) for curves in _resampled_curves(weights, task)]
    )
    return np.where(firsts >= 0, steps[np.maximum(firsts, 0)], steps[-1]).astype(np.float64)


def survival_band(
    task: np.ndarray,
    columns: np.ndarray | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95% bootstrap band of the survival curve at the turn indices ``columns``
    (all turns by default): the same resamples as the horizon intervals, so a band and
    an interval drawn together agree."""
    picked = np.arange(task.shape[1]) if columns is None else np.asarray(columns)
    weights = resample_weights(task.shape[0], resamples, seed)
    curves = np.concatenate([chunk[:, picked] for chunk in _resampled_curves(weights, task)])
    tail = (1.0 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(curves, [tail, 100 - tail], axis=0)
    return low, high


class SurvivalEvents(BaseModel):
    """A 0/1 task matrix reduced to its events: each sample's first failed turn and the
    number of turns it was observed. Holds only when every row is 1s, then 0s, then NaN."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    first_failure: np.ndarray
    """Index of each sample's first failed turn; equal to ``observed`` when none failed."""
    observed: np.ndarray
    censored: bool
    """Some sample was not observed to the last turn (the Kaplan-Meier case)."""


def survival_events(task: np.ndarray) -> SurvivalEvents | None:
    """The events of ``task``, or None when some row is not a binary survival prefix
    (fractional values from epoch averaging, a 1 after a 0, or a gap before the end)."""
    if task.ndim != 2 or task.shape[1] == 0:
        return None
    turn_index = np.arange(task.shape[1])
    missing = np.isnan(task)
    censored = bool(missing.any())
    observed = task.shape[1] - np.count_nonzero(missing, axis=1)
    if censored and not np.array_equal(missing, turn_index >= observed[:, None]):
        return None
    values = np.where(missing, 0.0, task) if censored else task
    # Binary and never rising again is the same as equal to its leading run of 1s.
    first_failure = np.count_nonzero(values, axis=1)
    if not np.array_equal(values, turn_index < first_failure[:, None]):
        return None
    return SurvivalEvents(first_failure=first_failure, observed=observed, censored=censored)


def _event_horizons(
    weights: np.ndarray, events: SurvivalEvents, threshold: float
) -> np.ndarray | None:
    """First turn below ``threshold`` for each weighting, from the failure events alone
    (-1 when none), or None when the general path is needed.

    A survival curve of binary prefix rows only moves at turns where some sample first
    fails, so its first crossing is at one of those (at most one per sample). Each value
    is computed with the same floating-point operations as :func:`_survival_curves`
    (integer sums are exact, multiplying by the 1.0 of an event-free turn changes nothing),
    so both paths give identical horizons; the tests hold them to that.
    """
    if threshold - _TOLERANCE >= 1.0:
        return None
    failed = events.first_failure < events.observed
    times = np.unique(events.first_failure[failed])
    if not times.size:
        return np.full(weights.shape[0], -1, dtype=np.int64)
    if events.censored:
        # Kaplan-Meier: at risk = observed at t and alive before t; deaths fail at t.
        at_risk_rows = (events.observed[:, None] > times) & (events.first_failure[:, None] >= times)
        dying_rows = (events.first_failure[:, None] == times) & failed[:, None]
        at_risk = weights @ at_risk_rows.astype(np.float64)
        surviving = weights @ (at_risk_rows & ~dying_rows).astype(np.float64)
        ratio = np.divide(surviving, at_risk, out=np.ones_like(surviving), where=at_risk > 0)
        curves = np.cumprod(ratio, axis=1)
    else:
        alive_rows = events.first_failure[:, None] > times
        curves = (weights @ alive_rows.astype(np.float64)) / weights.sum(axis=1, keepdims=True)
    first = _first_below(curves, threshold)
    return np.where(first >= 0, times[np.maximum(first, 0)], -1)


def horizon_estimate(
    task: np.ndarray,
    steps: np.ndarray,
    threshold: float = 0.5,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> HorizonEstimate:
    """H_s with a seeded percentile bootstrap interval (95%)."""
    return horizon_estimates(task, steps, [threshold], resamples, seed)[0]


def horizon_estimates(
    task: np.ndarray,
    steps: np.ndarray,
    thresholds: Sequence[float],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    curve: np.ndarray | None = None,
) -> list[HorizonEstimate]:
    """:func:`horizon_estimate` for several thresholds, reading the matrix once (the
    resamples are the same for every threshold, as separate calls with one seed draw)."""
    curve = survival_curve(task) if curve is None else curve
    weights = resample_weights(task.shape[0], resamples, seed)
    events = survival_events(task)
    tail = (1.0 - CONFIDENCE) / 2 * 100
    estimates = []
    for threshold in thresholds:
        value, censored = horizon_from_curve(curve, steps, threshold)
        replicates = _resampled_horizons(weights, task, steps, threshold, events)
        # Horizons are step counts: the interval ends are resampled horizons, not
        # interpolations between two of them.
        low, high = np.percentile(replicates, [tail, 100 - tail], method="inverted_cdf")
        estimates.append(
            HorizonEstimate(
                threshold=threshold,
                value=value,
                low=float(low),
                high=float(high),
                censored=censored,
            )
        )
    return estimates


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
    if rows and all(len(row) == turns for row in rows):
        return np.array(rows, dtype=np.float64).reshape(len(rows), turns)
    matrix = np.full((len(rows), turns), np.nan)
    for i, row in enumerate(rows):
        matrix[i, : len(row)] = row
    return matrix


class Estimate(BaseModel):
    """A statistic with its seeded 95% percentile bootstrap interval (NaN when undefined)."""

    value: float
    low: float
    high: float


_UNDEFINED = Estimate(value=math.nan, low=math.nan, high=math.nan)


def _percentile_interval(replicates: np.ndarray) -> tuple[float, float]:
    finite = replicates[np.isfinite(replicates)]
    if not finite.size:
        return math.nan, math.nan
    tail = (1.0 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def mean_estimate(
    values: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> Estimate:
    """Mean of the observed values (NaN ones dropped) with a bootstrap interval."""
    kept = values[~np.isnan(values)]
    if not kept.size:
        return _UNDEFINED
    weights = resample_weights(kept.size, resamples, seed)
    low, high = _percentile_interval(weights @ kept / kept.size)
    return Estimate(value=float(kept.mean()), low=low, high=high)


def _weighted_slopes(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slope of y on x for each row of weights (NaN where x does not vary)."""
    total, sx, sy, sxx = weights.sum(axis=1), weights @ x, weights @ y, weights @ (x * x)
    spread = total * sxx - sx * sx
    covariance = total * (weights @ (x * y)) - sx * sy
    defined = spread > _TOLERANCE * np.maximum(total * sxx, 1.0)
    return np.divide(covariance, spread, out=np.full(total.shape, np.nan), where=defined)


def slope_estimate(
    x: np.ndarray,
    y: np.ndarray,
    clusters: np.ndarray | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Estimate:
    """Least-squares slope of y on x with a bootstrap interval. Rows sharing a cluster
    label (the same instance seen under several conditions) are resampled together, which
    keeps a paired design paired. Rows with NaN y are dropped."""
    kept = ~np.isnan(y)
    x, y = x[kept].astype(np.float64), y[kept].astype(np.float64)
    if not y.size:
        return _UNDEFINED
    labels = np.arange(y.size) if clusters is None else np.asarray(clusters)[kept]
    _, unit = np.unique(labels, return_inverse=True)
    value = float(_weighted_slopes(np.ones((1, y.size)), x, y)[0])
    if math.isnan(value):
        return _UNDEFINED
    weights = resample_weights(int(unit.max()) + 1, resamples, seed)[:, unit]
    low, high = _percentile_interval(_weighted_slopes(weights, x, y))
    return Estimate(value=value, low=low, high=high)
