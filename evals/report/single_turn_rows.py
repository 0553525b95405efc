"""The row of a ``single_turn`` run: whole-reply accuracy (every block's total right) and
per-block accuracy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from long_horizon_execution.evals.report.logs import LogHeader, ScoredSample
from long_horizon_execution.evals.report.runs import execution_matrices, model_label, variant
from long_horizon_execution.scorers.execution import summarise
from long_horizon_execution.scorers.metrics import mean_estimate
from long_horizon_execution.scorers.single_turn import whole_correct


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
    matrices = execution_matrices(samples)
    summary = summarise(matrices)
    whole = mean_estimate(np.array([float(whole_correct(s.value, s.metadata)) for s in samples]))
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
