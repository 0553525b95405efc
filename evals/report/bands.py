"""Bootstrap intervals on turn accuracy: over the whole run (the table's ``turn acc``) and
turn by turn (the band of the turn-accuracy curve).

Turn accuracy is a mean over observed turns, never a survival curve, so these are
resampled means; they draw the same instance resamples as the horizon intervals and the
task-accuracy band (:func:`~long_horizon_execution.scorers.metrics.trial_weights` with the
same seed), so every interval of one run rests on the same draws.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from long_horizon_execution.scorers.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    CONFIDENCE,
    trial_weights,
)


def _ratio_percentiles(sums: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise percentile interval of sums / counts over resamples (rows); NaN where no
    resample observed anything."""
    means = np.divide(sums, counts, out=np.full(sums.shape, np.nan), where=counts > 0)
    tail = (1.0 - CONFIDENCE) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        low, high = np.nanpercentile(means, [tail, 100 - tail], axis=0)
    return low, high


def turn_band(
    turn: np.ndarray,
    columns: np.ndarray | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    units: Sequence[object] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95% bootstrap band of per-turn accuracy (the mean over the trials observed
    at each turn) at the turn indices ``columns`` (all turns by default), resampling
    instances with all their trials."""
    picked = turn[:, np.arange(turn.shape[1]) if columns is None else np.asarray(columns)]
    observed = ~np.isnan(picked)
    weights = trial_weights(turn.shape[0], units, resamples, seed)
    return _ratio_percentiles(
        weights @ np.where(observed, picked, 0.0), weights @ observed.astype(np.float64)
    )


def turn_accuracy_interval(
    turn: np.ndarray,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    units: Sequence[object] | np.ndarray | None = None,
) -> tuple[float, float]:
    """95% bootstrap interval of turn accuracy over all observed turns (NaN when none is
    observed), resampling instances with all their trials."""
    observed = ~np.isnan(turn)
    if not observed.any():
        return math.nan, math.nan
    weights = trial_weights(turn.shape[0], units, resamples, seed)
    sums = weights @ np.where(observed, turn, 0.0).sum(axis=1)
    counts = weights @ observed.sum(axis=1).astype(np.float64)
    low, high = _ratio_percentiles(sums[:, None], counts[:, None])
    return float(low[0]), float(high[0])
