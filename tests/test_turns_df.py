"""turns_df: one row per (run, sample, epoch, turn), equal to what the scorer logged."""

from __future__ import annotations

from typing import Any

import numpy as np

from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.list_edits import list_edits
from long_horizon_execution.evals.report.turns import COLUMNS, turns_df


def test_one_row_per_turn_with_the_logged_correctness(run_eval: Any) -> None:
    log = run_eval(horizon(samples=2, turns=4), model_args={"p": 0.8}, epochs=2)
    turns = turns_df(log.location)
    assert list(turns.columns) == COLUMNS
    assert len(turns) == 2 * 2 * 4
    logged = {(str(sample.id), sample.epoch) for sample in log.samples}
    assert set(zip(turns["id"], turns["epoch"], strict=True)) == logged and len(logged) == 4
    for sample in log.samples:
        rows = turns[(turns["id"] == str(sample.id)) & (turns["epoch"] == sample.epoch)]
        per_turn = sample.scores["execution_scorer"].metadata["per_turn"]
        index, task, turn = (np.asarray(per_turn[name]) for name in ("index", "task", "turn"))
        assert rows["index_correct"].tolist() == [bool(v) for v in index]
        assert rows["task_correct"].tolist() == [bool(v) for v in task]
        assert rows["turn_correct"].tolist() == [bool(v) for v in turn]
        assert rows["expected"].tolist() == sample.target
        assert rows["turn"].tolist() == [1, 2, 3, 4]
        assert all(len(keys) == 1 for keys in rows["keys"])
    assert turns["answer_status"].eq("int").all() and turns["ended"].eq("completed").all()
    assert (turns["input_tokens"] > 0).all()


def test_a_conversation_that_stopped_early_has_only_its_turns(run_eval: Any) -> None:
    log = run_eval(horizon(samples=1, turns=6), model_args={"p": 1.0, "context_window": 300})
    turns = turns_df(log.location)
    assert 0 < len(turns) < 6
    assert turns["ended"].eq("context_exhausted").all()


def test_list_answers_come_through_as_lists(run_eval: Any) -> None:
    log = run_eval(list_edits(samples=1, turns=3), model_args={"p": 1.0})
    turns = turns_df(log.location)
    assert turns["answer_status"].eq("value").all()
    assert all(isinstance(answer, list) for answer in turns["answer"])
    assert turns["turn_correct"].all() and turns["task_correct"].all()
