"""The report's rows and curves for each experiment, computed by the scorers' own functions
from the score values in the logs, so every number equals what the scorer logged.

A row of ``horizon``, ``self_conditioning`` or ``single_turn`` is one run (its newest
finished log, when it was retried); runs that read alike name their log in a ``run`` column.
Frontier probes are pooled on purpose per model and setting across logs, and the number of
logs pooled is shown: a probe at K is the set of instances observed at K (the newest log
wins for an instance, with a note), passing threshold s when its accuracy is at least s,
which is the search's own verdict once the search stops; H_s is the largest passing K below
the smallest failing K.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from inspect_ai.scorer import SampleScore, Score
from pydantic import BaseModel

from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.frontier_results import Probe
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.report.logs import LogHeader, ScoredSample, mean_over_epochs
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.single_turn import single_turn
from long_horizon_execution.scorers.execution import ExecutionMatrices, summarise
from long_horizon_execution.scorers.metrics import (
    Estimate,
    mean_curve,
    mean_estimate,
    survival_band,
    survival_curve,
)
from long_horizon_execution.scorers.self_conditioning import (
    BASES,
    CLUSTER_FIELD,
    RATE_FIELD,
    rate_slope_summary,
    target_values,
)
from long_horizon_execution.scorers.single_turn import whole_correct

_PLOT_POINTS = 400
"""Curves are drawn from at most this many points (a 50,000-step curve needs no more)."""
_TASKS: dict[str, Callable[..., Any]] = {
    "horizon": horizon,
    "self_conditioning": self_conditioning,
    "single_turn": single_turn,
    "frontier": frontier,
}
_SHOWN_ELSEWHERE = {
    "horizon": {"samples", "turns", "steps", "k", "mode"},
    "self_conditioning": {"samples", "rates", "target_turn", "protocol", "k", "mode", "offsets"},
    "single_turn": {"samples", "steps", "k", "mode"},
    "frontier": {"k", "samples", "mode", "first_sample"},
}


def model_label(header: LogHeader) -> str:
    """The model, with its ``-M`` arguments when it has any (a simulated p, say) and the
    base URL it was given (two endpoints serving one model name)."""
    label = header.model
    if header.model_args:
        args = ", ".join(f"{name}={value}" for name, value in sorted(header.model_args.items()))
        label = f"{label} ({args})"
    return f"{label} @ {header.base_url}" if header.base_url else label


def variant(header: LogHeader) -> str:
    """Task arguments that differ from the task's defaults and have no column of their own
    (``history=full``, ``votes=5``), then the generate options given to the model
    (``temperature=0``), so two rows that look alike say how they differ."""
    experiment = header.experiment
    if experiment is None:
        return ""
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(_TASKS[experiment]).parameters.items()
    }
    changed = [
        f"{name}={value}"
        for name, value in sorted(header.settings.items())
        if name not in _SHOWN_ELSEWHERE[experiment] and name in defaults and value != defaults[name]
    ]
    changed += [f"{name}={value}" for name, value in sorted(header.generate_config.items())]
    return ", ".join(changed)


# --- horizon ------------------------------------------------------------------------------


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
    turn_curve: Curve


def setting_label(model: str, mode: str, k: int, extra: str = "") -> str:
    label = f"{model} · {mode} · K={k}"
    return f"{label} · {extra}" if extra else label


def horizon_label(row: HorizonRow) -> str:
    """Model, mode, K, size and variant: two runs of one model in a figure stay apart."""
    size = f"{row.samples} x {row.steps} steps"
    return setting_label(row.model, row.mode, row.k, ", ".join(filter(None, [size, row.variant])))


def _plot_columns(turns: int) -> np.ndarray:
    if turns <= _PLOT_POINTS:
        return np.arange(turns)
    return np.unique(np.linspace(0, turns - 1, _PLOT_POINTS).round().astype(np.int64))


def _matrices(samples: Sequence[ScoredSample]) -> ExecutionMatrices:
    """Every trial, each tied to its instance, as the execution metrics see them."""
    return ExecutionMatrices.from_values(
        [s.value for s in samples], [s.metadata for s in samples], [s.id for s in samples]
    )


def horizon_result(header: LogHeader, samples: Sequence[ScoredSample]) -> HorizonResult:
    matrices = _matrices(samples)
    summary = summarise(matrices)
    k = matrices.k
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
    )
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
    turn_curve = Curve(
        label=label,
        x=(columns + 1).astype(np.float64).tolist(),
        y=mean_curve(matrices.turn)[columns].tolist(),
    )
    return HorizonResult(row=row, task_curve=task_curve, turn_curve=turn_curve)


# --- self-conditioning --------------------------------------------------------------------


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


# --- single turn --------------------------------------------------------------------------


class SingleTurnRow(BaseModel):
    """One single-turn run: whole-reply and per-block accuracy."""

    model: str
    mode: str
    steps: int
    k: int
    blocks: int
    variant: str
    samples: int
    whole: float
    """Whole-reply accuracy: every block's total right."""
    whole_low: float
    whole_high: float
    block_accuracy: float
    log: str
    run: str = ""
    """The log's file name when another run's row reads alike, else empty."""


def single_turn_result(header: LogHeader, samples: Sequence[ScoredSample]) -> SingleTurnRow:
    matrices = _matrices(samples)
    summary = summarise(matrices)
    whole = mean_estimate(np.array([float(whole_correct(s.value)) for s in samples]))
    return SingleTurnRow(
        model=model_label(header),
        mode=str(header.argument("mode", "plain")),
        steps=int(header.argument("steps", 0)),
        k=matrices.k,
        blocks=matrices.task.shape[1],
        variant=variant(header),
        samples=len({s.id for s in samples}),
        whole=whole.value,
        whole_low=whole.low,
        whole_high=whole.high,
        block_accuracy=summary["turn_accuracy"],
        log=header.path,
    )


# --- frontier -----------------------------------------------------------------------------


class ProbeRow(BaseModel):
    """Everything observed at one K of one model's frontier."""

    model: str
    mode: str
    k: int
    samples: int
    correct: int
    accuracy: float
    accuracy_low: float
    accuracy_high: float
    tokens: int
    reasoning_tokens: int


class FrontierRow(BaseModel):
    """The largest K executed in one turn with accuracy >= s, for s = 0.5 and 0.8.
    ``*_upper`` is the smallest failing K above it (None: censored, every probe passed)."""

    model: str
    mode: str
    variant: str
    probes: int
    samples: int
    horizon_50: int
    horizon_50_upper: int | None
    horizon_80: int
    horizon_80_upper: int | None
    tokens: int
    reasoning_tokens: int
    logs: int
    """Logs pooled into this row."""


class FrontierProbes:
    """Probe outcomes of one model and setting, pooled over logs (newest first wins)."""

    def __init__(self, header: LogHeader) -> None:
        self.model = model_label(header)
        self.mode = str(header.argument("mode", "thinking"))
        self.variant = variant(header)
        self.probes: dict[int, Probe] = {}
        self.logs = 0
        self.repeated: dict[int, int] = {}
        """Per K, observations of an instance already seen in a newer log (not used)."""

    def add(self, header: LogHeader, samples: Sequence[ScoredSample]) -> None:
        """A probe log's outcomes; an instance already seen (in a newer log) is kept."""
        k = int(header.argument("k", 0))
        probe = self.probes.setdefault(k, Probe(k=k))
        seen = set(probe.outcomes)
        repeated = len({int(sample.id) for sample in samples} & seen)
        if repeated:
            self.repeated[k] = self.repeated.get(k, 0) + repeated
        for sample in samples:
            probe.outcomes.setdefault(int(sample.id), whole_correct(sample.value))
        probe.tokens = probe.tokens + header.tokens
        probe.logs.append(header.path)
        self.logs += 1

    def notes(self) -> list[str]:
        """Observations the pool did not use, so none is dropped unsaid."""
        return [
            f"frontier {self.model} · {self.mode}: at K={k}, {count} observations of "
            "instances also observed in a newer log were not used (the newest is)"
            for k, count in sorted(self.repeated.items())
        ]

    def probe_rows(self) -> list[ProbeRow]:
        rows = []
        for k in sorted(self.probes):
            probe = self.probes[k]
            accuracy, low, high = probe.accuracy_interval()
            rows.append(
                ProbeRow(
                    model=self.model,
                    mode=self.mode,
                    k=k,
                    samples=probe.n,
                    correct=probe.successes,
                    accuracy=accuracy,
                    accuracy_low=low,
                    accuracy_high=high,
                    tokens=probe.tokens.total,
                    reasoning_tokens=probe.tokens.reasoning,
                )
            )
        return rows

    def row(self) -> FrontierRow:
        probes = self.probe_rows()
        h50, up50 = frontier_horizon(probes, 0.5)
        h80, up80 = frontier_horizon(probes, 0.8)
        return FrontierRow(
            model=self.model,
            mode=self.mode,
            variant=self.variant,
            probes=len(probes),
            samples=max((p.samples for p in probes), default=0),
            horizon_50=h50,
            horizon_50_upper=up50,
            horizon_80=h80,
            horizon_80_upper=up80,
            tokens=sum(p.tokens for p in probes),
            reasoning_tokens=sum(p.reasoning_tokens for p in probes),
            logs=self.logs,
        )


def frontier_horizon(probes: Sequence[ProbeRow], threshold: float) -> tuple[int, int | None]:
    """(largest passing K below the smallest failing K or 0, that failing K or None)."""
    failing = [p.k for p in probes if p.samples and p.accuracy < threshold - 1e-9]
    upper = min(failing) if failing else None
    passing = [
        p.k
        for p in probes
        if p.samples and p.accuracy >= threshold - 1e-9 and (upper is None or p.k < upper)
    ]
    return max(passing, default=0), upper
