"""The horizon task end to end on the simulated executor, offline."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.model import ChatMessageAssistant, ContentReasoning, ModelOutput, ModelUsage

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError
from tests.score_reading import per_turn_flat


def turn_log(sample: Any) -> TurnLog:
    return TurnLog.of_sample(sample)


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for name, m in log.results.scores[0].metrics.items()}


@pytest.mark.parametrize("mode", ["plain", "cot", "thinking"])
def test_every_mode_runs_and_scores(run_eval: Any, mode: str) -> None:
    log = run_eval(horizon(samples=3, turns=6, k=2, mode=mode), model_args={"p": 1.0})
    assert metrics(log)["task_accuracy"] == 1.0
    assert metrics(log)["horizon_50_censored"] == 1.0
    assert metrics(log)["horizon_50"] == 12.0
    for sample in log.samples:
        records = turn_log(sample).turns
        assert [r.turn for r in records] == list(range(1, 7))
        assert all(len(r.keys or []) == 2 and r.answer.status == "int" for r in records)
        assert all(r.usage is not None and r.usage.input_tokens > 0 for r in records)
        assert turn_log(sample).ended == "completed"
        assistants = [m for m in sample.messages if isinstance(m, ChatMessageAssistant)]
        if mode == "cot":
            # the paper policy keeps cot working
            assert ", so " in assistants[0].text and assistants[0].text.endswith("</answer>")
        else:
            assert all(m.text.startswith("<answer>") for m in assistants)
        if mode == "thinking":
            assert all(r.reasoning_returned for r in records)
            assert all((r.usage.reasoning_tokens or 0) > 0 for r in records if r.usage)
            # reasoning is not replayed into the history by default
            assert not any(
                isinstance(c, ContentReasoning)
                for m in assistants
                if not isinstance(m.content, str)
                for c in m.content
            )


def test_sample_ids_are_instances_and_targets_are_running_totals(run_eval: Any) -> None:
    log = run_eval(horizon(samples=2, turns=3, k=1), model_args={"p": 1.0})
    assert [s.id for s in log.samples] == [0, 1]
    assert log.samples[0].target == ["88", "57", "-7"]  # alarm, coach, doubt


def test_answer_history_policy_hides_working(run_eval: Any) -> None:
    log = run_eval(horizon(samples=1, turns=3, mode="cot", history="answer"), model_args={"p": 1.0})
    sample = log.samples[0]
    assistants = [m.text for m in sample.messages if isinstance(m, ChatMessageAssistant)]
    assert all(text.startswith("<answer>") for text in assistants)
    assert all(", so " in r.reply for r in turn_log(sample).turns)  # raw reply kept


def test_context_exhaustion_ends_one_sample_cleanly(run_eval: Any) -> None:
    # the window leaves room for a few turns only; the overflowing turn is not scored
    log = run_eval(horizon(samples=2, turns=40), model_args={"p": 1.0, "context_window": 620})
    answered_most = 0
    for sample in log.samples:
        record = turn_log(sample)
        assert record.ended == "context_exhausted"
        assert record.turns[-1].stop_reason == "model_length"
        answered = len(record.turns) - 1
        assert 0 < answered < 40
        answered_most = max(answered_most, answered)
        task = per_turn_flat(sample.scores["execution_scorer"])[40:80]
        assert task[:answered] == [1.0] * answered
        assert all(math.isnan(v) for v in task[answered:])
    # unknown past the last turn answered, and the horizon at least that, never 40
    assert math.isnan(metrics(log)["task_accuracy"])
    assert metrics(log)["known_steps"] == answered_most
    assert metrics(log)["horizon_50"] == answered_most
    assert metrics(log)["horizon_50_censored"] == 1.0


def test_cut_reply_ends_the_sample_with_the_reason(run_eval: Any) -> None:
    outputs = [
        ModelOutput.from_content("mockllm", "<answer>88</answer>"),
        ModelOutput.from_content("mockllm", "<answer>5", stop_reason="max_tokens"),
    ]
    for output in outputs:
        output.usage = ModelUsage(input_tokens=10, output_tokens=3, total_tokens=13)
    log = run_eval(
        horizon(samples=1, turns=5), model="mockllm/model", model_args={"custom_outputs": outputs}
    )
    record = turn_log(log.samples[0])
    assert record.ended == "reply_cut"
    assert [r.stop_reason for r in record.turns] == ["stop", "max_tokens"]
    assert record.turns[1].answer.status == "no_answer"


def test_epochs_are_scored_one_by_one(run_eval: Any) -> None:
    log = run_eval(horizon(samples=2, turns=4), model_args={"p": 0.7}, epochs=2)
    assert len(log.samples) == 4
    value = per_turn_flat(log.samples[0].scores["execution_scorer"])
    assert len(value) == 12 and set(value) <= {0.0, 1.0}
    assert metrics(log)["planned_turns"] == 16.0


@pytest.mark.parametrize(
    "arguments,named",
    [
        ({"samples": 0}, "samples"),
        ({"samples": "ten"}, "samples"),
        ({"turns": 0}, "turns"),
        ({"turns": None, "steps": None}, "give turns or steps"),
        ({"steps": -3}, "steps"),
        ({"k": 0}, "'k'"),
        ({"k": 1.5}, "'k'"),
        ({"mode": "fancy"}, "mode"),
        ({"history": "everything"}, "history"),
        ({"dict_size": 0}, "dict_size"),
        ({"value_min": 5, "value_max": 1}, "value_min"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort"),
        ({"reasoning_tokens": 0}, "reasoning_tokens"),
        ({"replay_reasoning": "yes"}, "replay_reasoning"),
        ({"dataset_file": "/no/such/file.json"}, "dataset_file"),
        ({"k": -2}, "'k'"),
        ({"dict_size": 10**6}, "'dict_size'"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_invalid_parameters_fail_with_one_line_naming_them(
    arguments: dict[str, Any], named: str
) -> None:
    with pytest.raises(ParameterError) as error:
        horizon(**arguments)
    message = str(error.value)
    assert named in message and "\n" not in message and message.startswith("horizon:")


def test_command_line_and_entry_point_form(tmp_path: Path) -> None:
    # the console script, run outside the checkout: ``python -m`` from the repository root
    # would put the source tree's egg-info ahead of the installed distribution
    base = [str(Path(sys.executable).parent / "inspect"), "eval"]
    common = [
        "--model",
        "simulated/executor",
        "-M",
        "p=1.0",
        "--log-dir",
        str(tmp_path),
        "--display",
        "plain",
    ]
    for target in (
        "long_horizon_execution/horizon",
        str(Path(__file__).parents[1] / "evals" / "horizon.py") + "@horizon",
    ):
        done = subprocess.run(
            [*base, target, "-T", "samples=2", "-T", "turns=3", *common],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "task_accuracy" in done.stdout
    bad = subprocess.run(
        [*base, "long_horizon_execution/horizon", "-T", "k=0", *common],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    combined = bad.stdout + bad.stderr
    assert "horizon: invalid parameter 'k'" in combined
    assert "Traceback" not in combined


def test_votes_and_window_are_task_parameters(run_eval: Any) -> None:
    voted = run_eval(horizon(samples=2, turns=4, votes=3), model_args={"p": 0.8})
    assert any(key.startswith("VoteLog:") for key in voted.samples[0].store)
    windowed = run_eval(horizon(samples=1, turns=6, window=1), model_args={"p": 1.0})
    assert metrics(windowed)["task_accuracy"] == 1.0  # one earlier turn is enough
