"""The rows of a ``self_conditioning`` run: target-turn accuracy per rate of induced errors,
and its change per unit rate, each on the shown and the true basis."""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.scorer import SampleScore, Score
from pydantic import BaseModel

from long_horizon_execution.evals.report.logs import LogHeader, ScoredSample, mean_over_epochs
from long_horizon_execution.evals.report.runs import model_label, variant
from long_horizon_execution.scorers.metrics import Estimate, mean_estimate
from long_horizon_execution.scorers.self_conditioning import (
    BASES,
    CLUSTER_FIELD,
    RATE_FIELD,
    rate_slope_summary,
    target_values,
)


class ConditioningSetting(BaseModel):
    """What identifies a self-conditioning run in its rows."""

    model: str
    mode: str
    k: int
    target_turn: int
    protocol: str
    offsets: str
    variant: str
    log: str
    run: str = ""
    """The log's file name when another run's rows read alike, else empty."""


class RateRow(ConditioningSetting):
    """Accuracy at the target turn for one rate of induced errors."""

    rate: float
    samples: int
    shown: float
    shown_low: float
    shown_high: float
    true: float
    true_low: float
    true_high: float


class SlopeRow(ConditioningSetting):
    """How target-turn accuracy changes per unit rate, on both bases."""

    instances: int
    slope_shown: float
    slope_shown_low: float
    slope_shown_high: float
    slope_true: float
    slope_true_low: float
    slope_true_high: float


class SelfConditioningResult(BaseModel):
    rates: list[RateRow]
    slope: SlopeRow


def _sample_scores(samples: Sequence[ScoredSample]) -> list[SampleScore]:
    return [
        SampleScore(
            score=Score(value=s.value.tolist(), metadata=s.metadata),
            sample_id=s.id,
            sample_metadata=s.sample_metadata,
        )
        for s in samples
    ]


def self_conditioning_result(
    header: LogHeader, samples: Sequence[ScoredSample]
) -> SelfConditioningResult:
    scores = _sample_scores(mean_over_epochs(samples))
    setting = ConditioningSetting(
        model=model_label(header),
        mode=str(header.argument("mode", "plain")),
        k=int(header.argument("k", 1)),
        target_turn=int(header.argument("target_turn", 0)),
        protocol=str(header.argument("protocol", "target")),
        offsets=str(header.argument("offsets", "uniform")),
        variant=variant(header),
        log=header.path,
    )
    # Grouped as Inspect's grouped() metric groups them: by the rate, in order of appearance.
    groups: dict[float, list[SampleScore]] = {}
    for score in scores:
        groups.setdefault(float((score.sample_metadata or {})[RATE_FIELD]), []).append(score)
    rates = []
    for rate in sorted(groups):
        estimates: dict[str, Estimate] = {
            basis: mean_estimate(target_values(groups[rate], basis)) for basis in BASES
        }
        rates.append(
            RateRow(
                **setting.model_dump(),
                rate=rate,
                samples=len(groups[rate]),
                shown=estimates["shown"].value,
                shown_low=estimates["shown"].low,
                shown_high=estimates["shown"].high,
                true=estimates["true"].value,
                true_low=estimates["true"].low,
                true_high=estimates["true"].high,
            )
        )
    instances = {str((s.sample_metadata or {}).get(CLUSTER_FIELD, s.sample_id)) for s in scores}
    slope = SlopeRow.model_validate(
        setting.model_dump() | {"instances": len(instances)} | rate_slope_summary(scores)
    )
    return SelfConditioningResult(rates=rates, slope=slope)
