"""The horizon task end to end on the real offline model, in plain and cot mode.

This is the path a user's OpenAI run takes (Inspect's OpenAI-compatible provider talking to
an HTTP server); it asserts that replies came back, were parsed and were scored, not how
accurate a 1.5B model is.
"""

from __future__ import annotations

import importlib.util
import math
from typing import Any

import numpy as np
import pytest

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.scorers.correctness import TurnCorrectness
from long_horizon_execution.scorers.survival import cumulative_steps, settle_failures
from long_horizon_execution.scorers.survival import horizon as horizon_of

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(
        importlib.util.find_spec("xllamacpp") is None, reason="needs the [local] extra"
    ),
]


@pytest.mark.parametrize("mode", ["plain", "cot"])
def test_horizon_runs_on_the_local_model(run_eval: Any, mode: str) -> None:
    log = run_eval(
        horizon(samples=2, turns=3, mode=mode),
        model="local/qwen2.5-coder-1.5b",
        model_args={"n_ctx": 4096},
        max_tokens=200,
    )
    parsed = 0
    rows = []
    for sample in log.samples:
        record = TurnLog.of_sample(sample)
        assert record.ended in ("completed", "reply_cut")
        assert record.turns and all(r.reply for r in record.turns)
        assert all(r.usage is not None and r.usage.input_tokens > 0 for r in record.turns)
        parsed += sum(r.answer.status == "int" for r in record.turns)
        score = sample.scores["execution_scorer"]
        correctness = TurnCorrectness.from_score(score.value, score.metadata)
        assert len(correctness.task) == 3 and not math.isnan(correctness.index[0])
        rows.append(correctness.task)
    assert parsed > 0, "no reply held a readable answer"
    metrics = log.results.scores[0].metrics
    assert 0.0 <= metrics["turn_accuracy"].value <= 1.0
    # How accurate a 1.5B model is differs between machines (its arithmetic is not
    # bit-identical across CPUs), so the check is that the metric agrees with the samples.
    expected, _ = horizon_of(settle_failures(np.stack(rows)), cumulative_steps(3, 1))
    assert metrics["horizon_50"].value == expected
