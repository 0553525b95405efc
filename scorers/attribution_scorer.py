"""The error-attribution scorer: what kind of slip each failed turn is, and each kind's
share of the failed turns with a bootstrap interval.

``Score.value`` holds the sample's counts (every key always present: the categories of
:mod:`~long_horizon_execution.scorers.attribution`, ``failed`` and ``turns`` attempted, and
``maybe_<slip>``: ambiguous turns that slip is a candidate for). ``Score.metadata`` holds
every failed turn's attribution (``turns``), in turn order.

A category's share is its failed turns over all failed turns, pooled over samples; its
interval resamples samples (every epoch of an instance together), as the horizon intervals
do. For a slip, ``_max`` is the share it would have if every ambiguous turn it is a
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
    trial_weights,
)

COT_MODE = "cot"


def share_names() -> list[str]:
    """Every metric :func:`attribution_metrics` reports."""
    names = ["failed_turns"]
    for category in CATEGORIES:
        names += [f"{category}_share", f"{category}_share_low", f"{category}_share_high"]
        if category in SLIPS:
            names += [f"{category}_share_max", f"{category}_share_max_high"]
    return names


def count_matrix(values: Sequence[object]) -> np.ndarray:
    """Score values -> a (trials, :data:`COUNT_KEYS`) matrix (a missing key counts 0)."""
    rows = []
    for value in values:
        if not isinstance(value, Mapping):
            raise ValueError(f"an attribution value is a dict, got {type(value).__name__}")
        rows.append([float(value.get(key, 0.0)) for key in COUNT_KEYS])
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(COUNT_KEYS))


def _ratio_interval(numerator: np.ndarray, denominator: np.ndarray) -> tuple[float, float]:
    """Percentile interval of numerator / denominator over resamples whose denominator is
    not 0 (NaN when none is)."""
    kept = denominator > 0
    if not kept.any():
        return math.nan, math.nan
    ratios = numerator[kept] / denominator[kept]
    tail = (1.0 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return float(low), float(high)


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
    total = float(failed.sum())
    result: dict[str, float] = {"failed_turns": total}
    weights = trial_weights(counts.shape[0], units, resamples, seed)
    resampled = weights @ counts
    denominator = resampled[:, column["failed"]]

    def share(numerator: np.ndarray) -> float:
        return float(numerator.sum() / total) if total > 0 else math.nan

    for category in CATEGORIES:
        own = counts[:, column[category]]
        low, high = _ratio_interval(resampled[:, column[category]], denominator)
        result |= {
            f"{category}_share": share(own),
            f"{category}_share_low": low,
            f"{category}_share_high": high,
        }
        if category in SLIPS:
            maybe = column[f"maybe_{category}"]
            result[f"{category}_share_max"] = share(own + counts[:, maybe])
            upper = resampled[:, column[category]] + resampled[:, maybe]
            result[f"{category}_share_max_high"] = _ratio_interval(upper, denominator)[1]
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
