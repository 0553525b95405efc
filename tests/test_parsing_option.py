"""The tasks' ``parsing`` option reaches every reader of replies: the turn loop, the
single-turn scorer and the self-conditioning scorer (paper by default, lenient on request)."""

from __future__ import annotations

from typing import Any

from scripted import scripted_outputs

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.single_turn import single_turn


def metric(log: Any, name: str) -> float:
    return float(log.results.scores[0].metrics[name].value)


def test_horizon_reads_replies_by_its_parsing_rule(run_eval: Any) -> None:
    # instance 0: alarm 88, coach -31 -> totals 88, 57; both replies in bold
    texts = ("<answer>**88**</answer>", "<answer>**57**</answer>")
    paper = run_eval(
        horizon(samples=1, turns=2),
        model="mockllm/model",
        model_args={"custom_outputs": scripted_outputs(*texts)},
    )
    assert [r.answer.status for r in TurnLog.of_sample(paper.samples[0]).turns] == ["invalid"] * 2
    assert metric(paper, "turn_accuracy") == 0.0
    lenient = run_eval(
        horizon(samples=1, turns=2, parsing="lenient"),
        model="mockllm/model",
        model_args={"custom_outputs": scripted_outputs(*texts)},
    )
    assert [r.answer.value for r in TurnLog.of_sample(lenient.samples[0]).turns] == [88, 57]
    assert metric(lenient, "task_accuracy") == 1.0


def test_single_turn_scores_items_by_its_parsing_rule(run_eval: Any) -> None:
    # instance 0 in blocks of 2: alarm, coach | doubt, cable -> totals 57, -39
    text = "<answer>57, **-39**</answer>"
    paper = run_eval(
        single_turn(samples=1, steps=4, k=2),
        model="mockllm/model",
        model_args={"custom_outputs": scripted_outputs(text)},
    )
    assert metric(paper, "block_accuracy") == 0.5  # the first item stands on its own
    lenient = run_eval(
        single_turn(samples=1, steps=4, k=2, parsing="lenient"),
        model="mockllm/model",
        model_args={"custom_outputs": scripted_outputs(text)},
    )
    assert metric(lenient, "block_accuracy") == 1.0
