"""Scorers and metrics other evals reuse: per-turn correctness (integers, or any state with
``state_correctness``), the execution scorer with horizons and intervals, the
self-conditioning scorer, the single-turn scorer, error attribution, and the numeric
helpers behind them."""

from long_horizon_execution.scorers.attribution_scorer import (
    attribution_metrics,
    attribution_shares,
    error_attribution,
)
from long_horizon_execution.scorers.continuation import stopped_at_first_error
from long_horizon_execution.scorers.correctness import (
    StateStep,
    TurnCorrectness,
    state_correctness,
    turn_correctness,
)
from long_horizon_execution.scorers.execution import (
    THRESHOLDS,
    ExecutionMatrices,
    TurnJudge,
    execution_metrics,
    execution_scorer,
    integer_totals,
    metric_names,
)
from long_horizon_execution.scorers.metrics import horizon_estimate, horizon_estimates
from long_horizon_execution.scorers.self_conditioning import (
    conditioned_correctness,
    self_conditioning_scorer,
)
from long_horizon_execution.scorers.settling import settled_horizons
from long_horizon_execution.scorers.single_turn import single_turn_scorer
from long_horizon_execution.scorers.survival import horizon, survival_curve
from long_horizon_execution.scorers.theory import theoretical_horizon

__all__ = [
    "THRESHOLDS",
    "ExecutionMatrices",
    "StateStep",
    "TurnCorrectness",
    "TurnJudge",
    "attribution_metrics",
    "attribution_shares",
    "conditioned_correctness",
    "error_attribution",
    "execution_metrics",
    "execution_scorer",
    "horizon",
    "horizon_estimate",
    "horizon_estimates",
    "integer_totals",
    "metric_names",
    "self_conditioning_scorer",
    "settled_horizons",
    "single_turn_scorer",
    "state_correctness",
    "stopped_at_first_error",
    "survival_curve",
    "theoretical_horizon",
    "turn_correctness",
]
