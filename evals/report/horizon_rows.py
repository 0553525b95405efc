"""The rows and curves of a multi-turn ``horizon`` run: the paper's headline numbers, task
accuracy against steps and turn accuracy against turns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from long_horizon_execution.evals.adaptive_config import ROUND_METADATA
from long_horizon_execution.evals.report.bands import turn_accuracy_interval, turn_band
from long_horizon_execution.evals.report.logs import LogHeader, ScoredSample
from long_horizon_execution.evals.report.runs import (
    execution_matrices,
    model_label,
    setting_label,
    variant,
)
from long_horizon_execution.scorers.continuation import CONDITIONAL_TURN_ACCURACY
from long_horizon_execution.scorers.execution import summarise
from long_horizon_execution.scorers.metrics import survival_band
from long_horizon_execution.scorers.survival import mean_curve, survival_curve

_PLOT_POINTS = 400
"""Curves are drawn from at most this many points (a 50,000-step curve needs no more)."""


class HorizonRow(BaseModel):
    """One multi-turn run: the paper's headline numbers."""

    model: str
    mode: str
    k: int
    samples: int
    trials: int
    """Samples x epochs: each epoch is a trial of its instance."""
    turns: int
    steps: int
    variant: str
    turn1_accuracy: float
    turn_accuracy: float
    turn_accuracy_low: float
    turn_accuracy_high: float
    task_accuracy: float
    known_steps: float
    """Task accuracy is known up to this step (NaN beyond: every live trial had stopped)."""
    observed_turns: int
    planned_turns: int
    p_step: float
    horizon_50: float
    horizon_50_low: float
    horizon_50_high: float
    horizon_50_censored: bool
    horizon_80: float
    horizon_80_low: float
    horizon_80_high: float
    horizon_80_censored: bool
    theory_horizon_50: float
    theory_horizon_80: float
    cached_input_share: float
    log: str
    run: str = ""
    """The log's file name when another run's row reads alike, else empty."""
    turn_accuracy_conditional: float | None = None
    """Turn accuracy over turns with no earlier error: only in a run stopped at the first
    error, whose ``turn_accuracy`` is then unknown (NaN)."""
    input_tokens: int | None = None
    """An adaptive run's input tokens over all its rounds (None for other runs)."""
    fixed_input_tokens: int | None = None
    """What the fixed protocol would have spent on the same samples, as ``horizon-estimate``
    counts it (an adaptive run's only)."""


class Curve(BaseModel):
    """A curve to draw: y (with an optional band) against x."""

    label: str
    x: list[float]
    y: list[float]
    low: list[float] | None = None
    high: list[float] | None = None


class HorizonResult(BaseModel):
    row: HorizonRow
    task_curve: Curve
    turn_curve: Curve | None
    """None when the run stopped conversations at their first error: its later turns are
    only those of trials still right, so turn accuracy against the turn is unavailable."""
    task: str = ""
    """The task's name, so runs of two tasks are never compared as one setting."""
    model_name: str = ""
    """The model as named to Inspect (with its base URL), without its ``-M`` arguments:
    runs of one model made with other operational arguments (threads) compare in a figure."""
    votes: int = 1
    """Replies sampled per turn (majority vote)."""


def horizon_label(row: HorizonRow) -> str:
    """Model, mode, K, size and variant: two runs of one model in a figure stay apart."""
    size = f"{row.samples} x {row.steps} steps"
    return setting_label(row.model, row.mode, row.k, ", ".join(filter(None, [size, row.variant])))


def _plot_columns(turns: int) -> np.ndarray:
    if turns <= _PLOT_POINTS:
        return np.arange(turns)
    return np.unique(np.linspace(0, turns - 1, _PLOT_POINTS).round().astype(np.int64))


def horizon_result(header: LogHeader, samples: Sequence[ScoredSample]) -> HorizonResult:
    matrices = execution_matrices(samples)
    summary = summarise(matrices)
    k = matrices.k
    turn_interval = turn_accuracy_interval(matrices.turn, units=matrices.units)
    row = HorizonRow(
        model=model_label(header),
        mode=str(header.argument("mode", "plain")),
        k=k,
        samples=len({s.id for s in samples}),
        trials=len(samples),
        turns=matrices.task.shape[1],
        steps=int(matrices.steps[-1]) if matrices.steps.size else 0,
        variant=variant(header),
        turn1_accuracy=summary["turn1_accuracy"],
        turn_accuracy=summary["turn_accuracy"],
        turn_accuracy_low=turn_interval[0],
        turn_accuracy_high=turn_interval[1],
        task_accuracy=summary["task_accuracy"],
        known_steps=summary["known_steps"],
        observed_turns=int(summary["observed_turns"]),
        planned_turns=int(summary["planned_turns"]),
        p_step=summary["p_step"],
        horizon_50=summary["horizon_50"],
        horizon_50_low=summary["horizon_50_low"],
        horizon_50_high=summary["horizon_50_high"],
        horizon_50_censored=bool(summary["horizon_50_censored"]),
        horizon_80=summary["horizon_80"],
        horizon_80_low=summary["horizon_80_low"],
        horizon_80_high=summary["horizon_80_high"],
        horizon_80_censored=bool(summary["horizon_80_censored"]),
        theory_horizon_50=summary["theory_horizon_50"],
        theory_horizon_80=summary["theory_horizon_80"],
        cached_input_share=summary["cached_input_share"],
        log=header.path,
        turn_accuracy_conditional=summary.get(CONDITIONAL_TURN_ACCURACY),
    )
    row.input_tokens, row.fixed_input_tokens = _adaptive_tokens(header, matrices.tokens)
    label = horizon_label(row)
    columns = _plot_columns(matrices.task.shape[1])
    steps = matrices.steps[columns].astype(np.float64).tolist()
    low, high = survival_band(matrices.task, columns, units=matrices.units)
    task_curve = Curve(
        label=label,
        x=steps,
        y=survival_curve(matrices.task)[columns].tolist(),
        low=low.tolist(),
        high=high.tolist(),
    )
    turn_low, turn_high = turn_band(matrices.turn, columns, units=matrices.units)
    turn_curve = Curve(
        label=label,
        x=(columns + 1).astype(np.float64).tolist(),
        y=mean_curve(matrices.turn)[columns].tolist(),
        low=turn_low.tolist(),
        high=turn_high.tolist(),
    )
    name = f"{header.model} @ {header.base_url}" if header.base_url else header.model
    return HorizonResult(
        row=row,
        task_curve=task_curve,
        turn_curve=None if matrices.conditional else turn_curve,
        task=header.task.rsplit("/", 1)[-1],
        model_name=name,
        votes=int(header.argument("votes", 1) or 1),
    )


def _adaptive_tokens(header: LogHeader, tokens: np.ndarray) -> tuple[int | None, int | None]:
    """An adaptive round's input tokens over the whole run (each sample's records keep
    the usage of every turn, carried ones included) and the fixed protocol's estimate;
    (None, None) for any other log."""
    tag = header.metadata.get(ROUND_METADATA)
    if not isinstance(tag, dict) or "fixed_input_tokens" not in tag:
        return None, None
    fixed = int(tag["fixed_input_tokens"]) * max(1, header.epochs)
    return int(np.nansum(tokens[:, 0])), fixed
