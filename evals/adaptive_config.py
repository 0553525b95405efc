"""An adaptive horizon run's settings, checked before any model call, and its rounds'
schedule."""

from __future__ import annotations

import hashlib
import inspect
import json
import math
from typing import Annotated, Any

from inspect_ai import eval as inspect_eval
from inspect_ai.model import GenerateConfig
from pydantic import BaseModel, ConfigDict, Field, model_validator

from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import HorizonParams, validate_params
from long_horizon_execution.scorers.settling import Settle

SET_BY_RUN = {
    "through_turn": "--first-round and --growth",
    "continue_from": "--log-dir (rounds found there are continued)",
}
"""Task parameters the run sets itself, and what to use instead of ``-T``."""
MAX_GROWTH = 16.0
ROUND_METADATA = "adaptive_round"
"""Eval metadata key of a round's log (see :class:`RoundTag`)."""
TAG_PREFIX = "adaptive-"

Threshold = Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]
"""An accuracy whose horizon the run settles: in (0, 1)."""

EVAL_OPTIONS = set(inspect.signature(inspect_eval).parameters) | set(GenerateConfig.model_fields)
"""What ``-E`` may give: ``inspect_ai.eval``'s parameters and generate options (``max_tokens``),
less those the run sets."""
SET_BY_RUN_EVAL = {
    "tasks": "-T",
    "model": "--model",
    "model_args": "-M",
    "task_args": "-T",
    "log_dir": "--log-dir",
    "epochs": "--epochs",
    "metadata": "nothing (the run records its rounds there)",
}

TASK_DEFAULTS: dict[str, Any] = {
    name: parameter.default for name, parameter in inspect.signature(horizon).parameters.items()
}


class AdaptiveConfig(BaseModel):
    """Everything that defines an adaptive run. Rounds in the log dir are continued only
    when the model, model args, task args and epochs match (:meth:`signature`); the
    thresholds and the schedule may change between invocations."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    log_dir: str = Field(min_length=1)
    model_args: dict[str, Any] = Field(default_factory=dict)
    task_args: dict[str, Any] = Field(default_factory=dict)
    """Arguments of the ``horizon`` task; ``turns`` (or ``steps``) is the cap."""
    thresholds: list[Threshold] = Field(default_factory=lambda: [0.5, 0.8], min_length=1)
    settle: Settle = "interval"
    first_round: int = Field(default=10, ge=1)
    """Turns of the first round (at most the cap)."""
    growth: float = Field(default=2.0, gt=1.0, le=MAX_GROWTH, allow_inf_nan=False)
    """Each later round goes this many times further (at least one turn further)."""
    epochs: int = Field(default=1, ge=1)
    max_connections: int | None = Field(default=None, ge=1)
    max_retries: int | None = Field(default=None, ge=0)
    timeout: int | None = Field(default=None, ge=1)
    eval_args: dict[str, Any] = Field(default_factory=dict)
    """Extra arguments to ``inspect_ai.eval``."""

    @model_validator(mode="after")
    def _check_task_args(self) -> AdaptiveConfig:
        for name, instead in SET_BY_RUN.items():
            if name in self.task_args:
                raise ValueError(f"-T {name} is set by the run itself; use {instead}")
        for name in self.eval_args:
            if name in SET_BY_RUN_EVAL:
                raise ValueError(f"-E {name} is set by the run; use {SET_BY_RUN_EVAL[name]}")
            if name not in EVAL_OPTIONS:
                raise ValueError(f"-E {name}: not an option of inspect_ai.eval")
        return self

    def params(self) -> HorizonParams:
        """The ``horizon`` parameters of every round, checked as the task checks them."""
        unknown = sorted(set(self.task_args) - set(TASK_DEFAULTS))
        if unknown:
            raise ValueError(f"-T {unknown[0]}: not a parameter of the horizon task")
        arguments = TASK_DEFAULTS | self.task_args
        params: HorizonParams = validate_params("horizon", HorizonParams, arguments)
        return params

    @property
    def cap(self) -> int:
        """The turns planned: no conversation goes further."""
        return self.params().total_turns

    def signature(self) -> str:
        """What a logged round must match to be continued: model, model args, every task
        argument (defaults included) and the epochs."""
        args = self.params().model_dump(exclude=set(SET_BY_RUN))
        return json.dumps(
            {
                "model": self.model,
                "model_args": self.model_args,
                "task_args": args,
                "epochs": self.epochs,
            },
            sort_keys=True,
            default=str,
        )

    def run_id(self) -> str:
        return hashlib.sha256(self.signature().encode()).hexdigest()[:10]

    def tags(self) -> list[str]:
        """The tags of every round's log: the run (the same settings give the same tag, so
        a resumed run keeps it) and the role."""
        return [f"{TAG_PREFIX}{self.run_id()}", "adaptive-round"]

    def next_turn(self, through: int | None) -> int:
        """The last turn of the round after one that went ``through`` turns (None: the
        first round)."""
        if through is None:
            return min(self.first_round, self.cap)
        return min(self.cap, max(through + 1, math.ceil(through * self.growth)))

    def round_bound(self) -> int:
        """The most rounds the schedule can take to reach the cap."""
        rounds, through = 1, self.next_turn(None)
        while through < self.cap:
            through = self.next_turn(through)
            rounds += 1
        return rounds


class RoundTag(BaseModel):
    """What a round's log records of its run (eval metadata :data:`ROUND_METADATA`)."""

    signature: str
    run_id: str
    round: int
    through_turn: int
    cap: int
    continued_from: str | None = None
    """The file name of the round it continued (in the same log dir)."""
    fixed_input_tokens: int
    """Input tokens the fixed protocol (every planned turn of every sample) would spend,
    as ``horizon-estimate`` counts them."""
    fixed_output_tokens: int
