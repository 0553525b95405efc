"""Metrics over samples, as vectorised numpy: accuracy curves, horizons, bootstrap
intervals and the Proposition-1 comparison. The scorer, the report and the benchmarks all
call these; nothing else computes them.

Inputs are matrices of shape (trials, turns) holding 1.0/0.0 per turn and NaN for turns a
trial never reached. A trial is one run of one instance: with several epochs an instance has
several trials, each an independent run in the survival curve, and ``units`` names each
trial's instance so that bootstrap intervals resample instances (all their trials together).
``steps`` gives the cumulative step count at the end of each turn.

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

import math
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95
_TOLERANCE = 1e-9
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
    return _survival_curves(np.ones((1, task.shape[0])), task)[0]


def _survival_curves(weights: np.ndarray, task: np.ndarray) -> np.ndarray:
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


def _first_below(curves: np.ndarray, threshold: float) -> np.ndarray:
    """Index of the first turn whose value is below the threshold, -1 if none (per row;
    unknown values are never below)."""
    below = curves < threshold - _TOLERANCE
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


def _horizon_positions(curves: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row, (how many turns the horizon spans, censored): the turns before the first
    one below ``threshold``, else every turn up to the last known one (censored)."""
    first = _first_below(curves, threshold)
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
    positions, censored = _horizon_positions(curve[None, :], threshold)
    return float(steps_at(steps, positions)[0]), bool(censored[0])


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
        _horizon_positions(curves, threshold)[0] for curves in _resampled_curves(weights, task)
    ]
    return steps_at(steps, np.concatenate(positions))


def _resampled_curves(weights: np.ndarray, task: np.ndarray) -> Iterator[np.ndarray]:
    """Every resample's whole survival curve, a chunk of resamples at a time so memory
    stays bounded however long the curves are."""
    chunk = max(1, _CHUNK_CELLS // max(task.shape[1], 1))
    for i in range(0, weights.shape[0], chunk):
        yield _survival_curves(weights[i : i + chunk], task)


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
    """The turns each weighting's horizon spans (see :func:`_horizon_positions`), from the
    failure events alone, or None when the general path is needed.

    A survival curve of binary prefix rows only moves at turns where some trial first
    fails, so its first crossing is at one of those (at most one per trial), and a turn at
    which a trial fails is always known. Without a crossing the horizon ends at the last
    turn some drawn trial was in the risk set. Each value is computed with the same
    floating-point operations as :func:`_survival_curves` (integer sums are exact,
    multiplying by the 1.0 of an event-free turn changes nothing), so both paths give
    identical horizons; the tests hold them to that.
    """
    if not _TOLERANCE < threshold < 1.0 + _TOLERANCE:
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
    first = _first_below(curves, threshold)
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


def step_accuracy_from_turns(turn_accuracy: float, k: int) -> float:
    """Per-step accuracy p implied by turn accuracy when a turn needs k independent steps."""
    if math.isnan(turn_accuracy):
        return math.nan
    return float(max(turn_accuracy, 0.0) ** (1.0 / k))


def theoretical_horizon(p: float, threshold: float = 0.5) -> float:
    """Proposition 1: with constant per-step accuracy p, success after H steps is p^H, so
    success stays at least s up to H_s = ln(s) / ln(p) steps. Infinite at p = 1, zero at
    p = 0."""
    if math.isnan(p):
        return math.nan
    if p >= 1.0:
        return math.inf
    if p <= 0.0:
        return 0.0
    return math.log(threshold) / math.log(p)


def theoretical_grid_horizon(p: float, threshold: float = 0.5, k: int = 1) -> float:
    """Proposition 1 on the footing of a measured H_s: the largest whole number of turns of
    k steps after which p^steps is still at least s, in steps, i.e.
    k * floor(ln(s) / (k ln(p))); floor(ln(s) / ln(p)) when k = 1."""
    turns = theoretical_horizon(p, threshold) / k
    if math.isnan(turns) or math.isinf(turns):
        return turns
    return float(k * math.floor(turns + _TOLERANCE))


def stack(rows: Sequence[np.ndarray]) -> np.ndarray:
    """Trials' per-turn arrays as one matrix, padding shorter rows with NaN."""
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
