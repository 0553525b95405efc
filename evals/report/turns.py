"""``turns_df``: one row per turn of every logged conversation, for analysis in pandas.

Built on ``inspect_ai.analysis.samples_df`` (one row per sample and epoch, with the run's
task and model); each sample's turn records and per-turn correctness are read from the log
and spread into one row per turn. Works on every multi-turn task scored by the execution
scorer, whatever its answers (integers, lists).

    from long_horizon_execution.evals.report.turns import turns_df
    turns = turns_df("logs/")
    turns.groupby("turn")["turn_correct"].mean()
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from inspect_ai.analysis import EvalModel, EvalTask, SampleColumn, SampleSummary, samples_df
from inspect_ai.log import EvalSample

from long_horizon_execution.core import TurnLog
from long_horizon_execution.scorers import TurnCorrectness

if TYPE_CHECKING:
    import pandas as pd

SCORER = "execution_scorer"
COLUMNS = [
    "eval_id",
    "task_name",
    "model",
    "sample_id",
    "id",
    "epoch",
    "turn",
    "keys",
    "prompt",
    "reply",
    "answer_status",
    "answer",
    "expected",
    "index_correct",
    "task_correct",
    "turn_correct",
    "stop_reason",
    "ended",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
]
"""The columns of :func:`turns_df`, in order."""


def _records(sample: EvalSample) -> str:
    """The sample's turn records, its correctness and its targets, as one JSON text (a
    column value must be a scalar)."""
    log = TurnLog.of_sample(sample)
    score = (sample.scores or {}).get(SCORER)
    targets = sample.target if isinstance(sample.target, list) else [sample.target]
    return json.dumps(
        {
            "turns": [record.model_dump(mode="json") for record in log.turns],
            "ended": log.ended,
            "value": None if score is None else score.value,
            "score_metadata": None if score is None else score.metadata,
            "targets": targets,
        }
    )


def _flag(values: list[float], turn: int) -> bool | None:
    """A correctness flag of a 1-based turn; None where the turn was never observed."""
    if turn > len(values) or values[turn - 1] != values[turn - 1]:  # NaN
        return None
    return bool(values[turn - 1])


def _rows(sample: dict[str, Any]) -> list[dict[str, Any]]:
    data = json.loads(sample["turn_data"])
    correctness = (
        None
        if data["value"] is None
        else TurnCorrectness.from_score(data["value"], data.get("score_metadata"))
    )
    rows = []
    for record in data["turns"]:
        turn = record["turn"]
        answer = record["answer"]
        usage = record.get("usage") or {}
        targets = data["targets"]
        rows.append(
            {
                **{name: sample[name] for name in COLUMNS[:6]},
                "turn": turn,
                "keys": record.get("keys"),
                "prompt": record.get("prompt"),
                "reply": record["reply"],
                "answer_status": answer["status"],
                "answer": answer.get("value", answer.get("data")),
                "expected": targets[turn - 1] if turn <= len(targets) else None,
                "index_correct": None
                if correctness is None
                else _flag(correctness.index.tolist(), turn),
                "task_correct": None
                if correctness is None
                else _flag(correctness.task.tolist(), turn),
                "turn_correct": None
                if correctness is None
                else _flag(correctness.turn.tolist(), turn),
                "stop_reason": record["stop_reason"],
                "ended": data["ended"],
                "input_tokens": usage.get("input_tokens"),
                "cached_input_tokens": usage.get("input_tokens_cache_read"),
                "output_tokens": usage.get("output_tokens"),
            }
        )
    return rows


def turns_df(logs: Any) -> pd.DataFrame:
    """One row per (run, sample, epoch, turn) of the logs (paths, a folder, or EvalLogs):
    the turn's keys (or prompt), the raw reply, the answer read and its status, the expected
    answer, index, task and turn correctness (None where unobserved or unscored), the stop
    reason, how the conversation ended, and the turn's tokens. Columns: :data:`COLUMNS`."""
    import pandas as pd

    columns = [*EvalTask, *EvalModel, *SampleSummary]
    columns.append(SampleColumn("turn_data", path=_records, full=True))
    samples = samples_df(logs, columns=columns, quiet=True)
    rows = [row for sample in samples.to_dict("records") for row in _rows(sample)]
    return pd.DataFrame(rows, columns=COLUMNS)
