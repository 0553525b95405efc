"""What every experiment's rows share: how a run is named (its model, the arguments that set
it apart from the task's defaults) and its scored samples as the execution metrics see them.

A row of ``horizon``, ``self_conditioning`` or ``single_turn`` is one run (its newest
finished log, when it was retried); runs that read alike name their log in a ``run`` column.
Every number is computed by the scorers' own functions from the score values in the logs, so
it equals what the scorer logged.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from long_horizon_execution.evals.adaptive_config import ROUND_METADATA
from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.report.logs import LogHeader, ScoredSample
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.single_turn import single_turn
from long_horizon_execution.scorers.execution import ExecutionMatrices

_TASKS: dict[str, Callable[..., Any]] = {
    "horizon": horizon,
    "self_conditioning": self_conditioning,
    "single_turn": single_turn,
    "frontier": frontier,
}
_SHOWN_ELSEWHERE = {
    "horizon": {"samples", "turns", "steps", "k", "mode", "through_turn", "continue_from"},
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
    through = header.settings.get("through_turn")
    if experiment == "horizon" and through is not None:
        adaptive = ROUND_METADATA in header.metadata
        changed.append(f"{'adaptive, ' if adaptive else ''}through turn {through}")
    return ", ".join(changed)


def setting_label(model: str, mode: str, k: int, extra: str = "") -> str:
    label = f"{model} · {mode} · K={k}"
    return f"{label} · {extra}" if extra else label


def execution_matrices(samples: Sequence[ScoredSample]) -> ExecutionMatrices:
    """Every trial, each tied to its instance, as the execution metrics see them."""
    return ExecutionMatrices.from_values(
        [s.value for s in samples], [s.metadata for s in samples], [s.id for s in samples]
    )
