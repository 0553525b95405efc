"""Estimates over samples, as vectorised numpy: horizons and accuracy curves with bootstrap
intervals, means and slopes. The scorer, the report and the benchmarks all
call these; nothing else computes them.

Inputs are matrices of shape (trials, turns) holding 1.0/0.0 per turn and NaN for turns a
trial never reached. A trial is one run of one instance: with several epochs an instance has
several trials, each an independent run in the survival curve, and ``units`` names each
trial's instance so that bootstrap intervals resample instances (all their trials together).
``steps`` gives the cumulative step count at the end of each turn.

The rules for trials that stop early, and H_s itself, are those of
:mod:`long_horizon_execution.scorers.survival`; this module adds the intervals.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from long_horizon_execution.scorers.survival import (
    TOLERANCE,
    first_below,
    horizon_from_curve,
    horizon_positions,
    settle_failures,
    steps_at,
    survival_curve,
    survival_curves,
)

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95
_CHUNK_CELLS = 4_000_000


class HorizonEstimate(BaseModel):
    """H_s in steps with its bootstrap interval. ``censored`` means accuracy never fell
    below s where it is known, so the true horizon is at least ``value`` (the last step at
    which task accuracy is known)."""

    threshold: float
    value: float
    low: float
    high: float
    censored: bool


def resample_weights(count: int, resamples: int, seed: int) -> np.ndarray:
    """How many times each of ``count`` units is drawn in each bootstrap resample (one row
    per resample), so a resampled statistic is a matrix product instead of a loop."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, count, size=(resamples, count))
    weights = np.zeros((resamples, count))
    np.add.at(weights, (np.arange(resamples)[:, None], picks), 1.0)
    return weights


def trial_weights(
    trials: int, units: Sequence[object] | np.ndarray | None, resamples: int, seed: int
) -> np.ndarray:
    """Bootstrap weights of each trial: its unit's draw count. Trials sharing a unit (the
    epochs of one instance) are drawn together; with no units every trial is its own."""
    if units is None:
        return resample_weights(trials, resamples, seed)
    unit = unit_indices(units)
    return resample_weights(int(unit.max()) + 1 if unit.size else 0, resamples, seed)[:, unit]


def unit_indices(units: Sequence[object] | np.ndarray) -> np.ndarray:
    """Each trial's unit number, the units numbered in sorted order of their labels
    (integers numerically, before other labels), so the draws do not depend on the order
    the trials arrive in, and distinct ids 0..N-1 draw as if there were no labels."""
    labels = [label.item() if isinstance(label, np.generic) else label for label in units]
    order = sorted(set(labels), key=_label_key)
    number = {label: i for i, label in enumerate(order)}
    return np.array([number[label] for label in labels], dtype=np.int64)


def _label_key(label: object) -> tuple[int, float, str]:
    if isinstance(label, int | float) and not isinstance(label, bool):
        return (0, float(label), "")
    return (1, 0.0, str(label))


def bootstrap_horizons(
    task: np.ndarray,
    steps: np.ndarray,
    threshold: float = 0.5,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    units: Sequence[object] | np.ndarray | None = None,
) -> np.ndarray:
    """H_s of each bootstrap resample of the instances (censored ones at their last known
    step)."""
    task = settle_failures(task)
    weights = trial_weights(task.shape[0], units, resamples, seed)
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
    fast = None if events is None else _event_positions(weights, events, threshold)
    if fast is None:
        return _matrix_horizons(weights, task, steps, threshold)
    return steps_at(steps, fast)


def _matrix_horizons(
    weights: np.ndarray, task: np.ndarray, steps: np.ndarray, threshold: float
) -> np.ndarray:
    """The general path: every resample's whole survival curve, in chunks of resamples."""
    positions = [
        horizon_positions(curves, threshold)[0] for curves in _resampled_curves(weights, task)
    ]
    return steps_at(steps, np.concatenate(positions))


def _resampled_curves(weights: np.ndarray, task: np.ndarray) -> Iterator[np.ndarray]:
    """Every resample's whole survival curve, a chunk of resamples at a time so memory
    stays bounded however long the curves are."""
    chunk = max(1, _CHUNK_CELLS // max(task.shape[1], 1))
    for i in range(0, weights.shape[0], chunk):
        yield survival_curves(weights[i : i + chunk], task)


def survival_band(
    task: np.ndarray,
    columns: np.ndarray | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    units: Sequence[object] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95% bootstrap band of the survival curve at the turn indices ``columns``
    (all turns by default): the same resamples as the horizon intervals, so a band and
    an interval drawn together agree. NaN where no resample knows the curve."""
    task = settle_failures(task)
    picked = np.arange(task.shape[1]) if columns is None else np.asarray(columns)
    weights = trial_weights(task.shape[0], units, resamples, seed)
    curves = np.concatenate([chunk[:, picked] for chunk in _resampled_curves(weights, task)])
    tail = (1.0 - CONFIDENCE) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        low, high = np.nanpercentile(curves, [tail, 100 - tail], axis=0)
    return low, high


class SurvivalEvents(BaseModel):
    """A settled 0/1 task matrix reduced to its events: each trial's first failed turn and
    the number of turns it was observed. Holds only when every row is 1s, then 0s to the
    end, or 1s then NaN (alive, censored)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    first_failure: np.ndarray
    """Index of each trial's first failed turn; equal to ``observed`` when none failed."""
    observed: np.ndarray
    censored: bool
    """Some live trial was not observed to the last turn (the Kaplan-Meier case)."""

    @property
    def last_known(self) -> np.ndarray:
        """The last turn at which each trial is in the risk set (its failure, or its last
        observed turn)."""
        return np.minimum(self.observed - 1, self.first_failure)


def survival_events(task: np.ndarray) -> SurvivalEvents | None:
    """The events of a settled ``task``, or None when some row is not a binary survival
    prefix (a fraction, a 1 after a 0, or a gap before the end)."""
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


def _event_positions(
    weights: np.ndarray, events: SurvivalEvents, threshold: float
) -> np.ndarray | None:
    """The turns each weighting's horizon spans (see :func:`horizon_positions`), from the
    failure events alone, or None when the general path is needed.

    A survival curve of binary prefix rows only moves at turns where some trial first
    fails, so its first crossing is at one of those (at most one per trial), and a turn at
    which a trial fails is always known. Without a crossing the horizon ends at the last
    turn some drawn trial was in the risk set. Each value is computed with the same
    floating-point operations as :func:`survival_curves` (integer sums are exact,
    multiplying by the 1.0 of an event-free turn changes nothing), so both paths give
    identical horizons; the tests hold them to that.
    """
    if not TOLERANCE < threshold < 1.0 + TOLERANCE:
        # s <= 0 never crosses, so the curve's zeros after every failure (known to the end)
        # decide; s > 1 crosses at once. The general path covers both.
        return None
    drawn = weights > 0
    last_known = np.where(drawn, events.last_known[None, :], -1).max(axis=1)
    failed = events.first_failure < events.observed
    times = np.unique(events.first_failure[failed])
    if not times.size:
        return last_known + 1
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
    first = first_below(curves, threshold)
    return np.where(first >= 0, times[np.maximum(first, 0)], last_known + 1)


def horizon_estimate(
    task: np.ndarray,
    steps: np.ndarray,
    threshold: float = 0.5,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    units: Sequence[object] | np.ndarray | None = None,
) -> HorizonEstimate:
    """H_s with a seeded percentile bootstrap interval (95%)."""
    return horizon_estimates(task, steps, [threshold], resamples, seed, units=units)[0]


def horizon_estimates(
    task: np.ndarray,
    steps: np.ndarray,
    thresholds: Sequence[float],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    curve: np.ndarray | None = None,
    units: Sequence[object] | np.ndarray | None = None,
) -> list[HorizonEstimate]:
    """:func:`horizon_estimate` for several thresholds, reading the matrix once (the
    resamples are the same for every threshold, as separate calls with one seed draw)."""
    task = settle_failures(task)
    curve = survival_curve(task) if curve is None else curve
    weights = trial_weights(task.shape[0], units, resamples, seed)
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
    defined = spread > TOLERANCE * np.maximum(total * sxx, 1.0)
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
