"""The error-attribution scorer: what kind of slip each failed turn is, and each kind's
share of the failed turns with a bootstrap interval.

``Score.value`` holds the sample's counts (every key always present: the categories of
:mod:`~long_horizon_execution.scorers.attribution`, ``failed`` and ``turns`` attempted, and
``maybe_<slip>``: ambiguous turns that slip is a candidate for). ``Score.metadata`` holds
every failed turn's attribution (``turns``), in turn order.

A category's share (the metric named after it: ``lookup``, ``lookup_low``, ``lookup_high``)
is its failed turns over all failed turns, pooled over samples; its interval resamples
samples (every epoch of an instance together), as the horizon intervals do. For a slip,
``_max`` is the share it would have if every ambiguous turn it is a
candidate for were one: the true share of a slip the rules always recognise lies between
the share and the max.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState
from inspect_ai.util import store_as

from long_horizon_execution.core import RewriteLog, TurnLog
from long_horizon_execution.scorers.attribution import CATEGORIES, SLIPS
from long_horizon_execution.scorers.attribution_sample import (
    COUNT_KEYS,
    TurnAttribution,
    attribute_sample,
    sample_counts,
)
from long_horizon_execution.scorers.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    CONFIDENCE,
    Estimate,
    trial_weights,
)

COT_MODE = "cot"


def share_names() -> list[str]:
    """Every metric :func:`attribution_metrics` reports."""
    names = ["failed_turns"]
    for category in CATEGORIES:
        names += [category, f"{category}_low", f"{category}_high"]
        if category in SLIPS:
            names += [f"{category}_max", f"{category}_max_high"]
    return names


def count_matrix(values: Sequence[object]) -> np.ndarray:
    """Score values -> a (trials, :data:`COUNT_KEYS`) matrix (a missing key counts 0)."""
    rows = []
    for value in values:
        if not isinstance(value, Mapping):
            raise ValueError(f"an attribution value is a dict, got {type(value).__name__}")
        rows.append([float(value.get(key, 0.0)) for key in COUNT_KEYS])
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(COUNT_KEYS))


def share_estimates(
    counts: np.ndarray,
    failed: np.ndarray,
    units: Sequence[object] | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> list[Estimate]:
    """Each column of ``counts`` (trials, labels) as a share of the failed turns, pooled
    over trials, with a 95% percentile interval from resampling trials (those sharing a
    unit together); NaN where no turn failed (an interval from the resamples with any)."""
    total = float(failed.sum())
    weights = trial_weights(counts.shape[0], units, resamples, seed)
    resampled = weights @ counts
    denominator = weights @ failed
    kept = denominator > 0
    tail = (1.0 - CONFIDENCE) / 2 * 100
    estimates = []
    for label in range(counts.shape[1]):
        value = float(counts[:, label].sum() / total) if total > 0 else math.nan
        low = high = math.nan
        if kept.any():
            ratios = resampled[kept, label] / denominator[kept]
            low, high = (float(end) for end in np.percentile(ratios, [tail, 100 - tail]))
        estimates.append(Estimate(value=value, low=low, high=high))
    return estimates


def attribution_shares(
    counts: np.ndarray,
    units: Sequence[object] | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, float]:
    """Each category's share of the failed turns with its 95% bootstrap interval, and each
    slip's max (see the module docstring), from a :func:`count_matrix`."""
    column = {key: i for i, key in enumerate(COUNT_KEYS)}
    failed = counts[:, column["failed"]]
    own = [counts[:, column[category]] for category in CATEGORIES]
    most = [counts[:, column[slip]] + counts[:, column[f"maybe_{slip}"]] for slip in SLIPS]
    table = np.stack([*own, *most], axis=1) if counts.size else np.zeros((0, len(own) + len(most)))
    estimates = share_estimates(table, failed, units, resamples, seed)
    result: dict[str, float] = {"failed_turns": float(failed.sum())}
    for category, estimate in zip(CATEGORIES, estimates, strict=False):
        result |= {
            category: estimate.value,
            f"{category}_low": estimate.low,
            f"{category}_high": estimate.high,
        }
    for slip, estimate in zip(SLIPS, estimates[len(CATEGORIES) :], strict=True):
        result[f"{slip}_max"] = estimate.value
        result[f"{slip}_max_high"] = estimate.high
    return result


@metric(scores="unreduced")
def attribution_metrics() -> Metric:
    """Each category's share of failed turns, with 95% bootstrap intervals over samples,
    and each slip's share were every ambiguous turn it may be counted as one."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        if not scores:
            return {name: math.nan for name in share_names()}
        counts = count_matrix([s.score.value for s in scores])
        return attribution_shares(counts, [s.sample_id for s in scores])

    return compute


def _explain(attributions: Sequence[TurnAttribution], attempted: int) -> str:
    if not attributions:
        return f"no failed turn in {attempted} attempted"
    tally: dict[str, int] = {}
    for found in attributions:
        name: str = found.category
        if found.category == "ambiguous":
            name = f"ambiguous ({'/'.join(found.candidates)})"
        tally[name] = tally.get(name, 0) + 1
    parts = ", ".join(f"{name} {count}" for name, count in tally.items())
    return f"{len(attributions)} of {attempted} turns failed: {parts}"


@scorer(metrics=[attribution_metrics()])
def error_attribution(
    dictionary: Mapping[str, int] | None = None, mode: str | None = None
) -> Scorer:
    """Name the kind of slip of every failed turn (see ``scorers.attribution``).

    Args:
      dictionary: The dictionary the model was given; by default the sample metadata's
        ``dictionary``.
      mode: The task's mode (``cot`` reads each failed reply's working); by default the
        sample metadata's ``mode``.
    """

    async def score(state: TaskState, target: Target) -> Score:
        words = dictionary if dictionary is not None else state.metadata.get("dictionary")
        if not isinstance(words, Mapping):
            raise ValueError("error_attribution needs the dictionary (an argument or metadata)")
        log = store_as(TurnLog)
        rewrites = store_as(RewriteLog)
        shown = {
            turn: value if isinstance(value, int) and not isinstance(value, bool) else None
            for turn, value in rewrites.shown_values().items()
        }
        cot = (mode if mode is not None else state.metadata.get("mode")) == COT_MODE
        attributions, attempted = attribute_sample(
            words, state.metadata["turns"], log.turns, shown, cot
        )
        return Score(
            value=sample_counts(attributions, attempted),
            explanation=_explain(attributions, attempted),
            metadata={
                "cot": cot,
                "turns": [found.model_dump(exclude_defaults=True) for found in attributions],
            },
        )

    return score
