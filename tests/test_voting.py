"""Majority voting and the sliding-window history around the multi-turn loop."""

from __future__ import annotations

import random
from typing import Any

import pytest
from inspect_ai.event import ModelEvent
from inspect_ai.model import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    ModelOutput,
    ModelUsage,
    get_model,
)

from long_horizon_execution.core import TurnLog, VoteLog
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.solvers.voting import majority, multi_turn_voting, trim_history


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for name, m in log.results.scores[0].metrics.items()}


def test_majority_any_n_and_seeded_ties() -> None:
    assert majority([5], random.Random(0)) == (5, False)
    assert majority([5, 7, 5, None], random.Random(0)) == (5, False)
    assert majority([None, None], random.Random(0)) == (None, False)
    winners = {majority([1, 2, 3, 4], random.Random(seed))[0] for seed in range(40)}
    assert winners == {1, 2, 3, 4}  # the tie-break really draws
    assert majority([1, 2], random.Random(3)) == majority([2, 1], random.Random(3))


def test_trim_history_keeps_system_and_last_turns() -> None:
    messages = [ChatMessageSystem(content="s")]
    for turn in range(4):
        messages += [ChatMessageUser(content=f"u{turn}"), ChatMessageAssistant(content=f"a{turn}")]
    messages.append(ChatMessageUser(content="now"))
    assert [m.text for m in trim_history(messages, 1)] == ["s", "u3", "a3", "now"]
    assert [m.text for m in trim_history(messages, 0)] == ["s", "now"]
    assert len(trim_history(messages, 10)) == len(messages)


def reply(value: int) -> ModelOutput:
    output = ModelOutput.from_content("mockllm/model", f"<answer>{value}</answer>")
    output.usage = ModelUsage(input_tokens=5, output_tokens=3, total_tokens=8)
    return output


def test_votes_pick_the_majority_answer_each_turn(run_eval: Any) -> None:
    turns = horizon(samples=1, turns=2, k=1)
    truth = [int(t) for t in next(iter(turns.dataset)).target]
    wrong = truth[0] + 3
    outputs = [reply(wrong), reply(truth[0]), reply(truth[0])]
    outputs += [reply(truth[1]), reply(truth[1] + 1), reply(truth[1] + 2)]
    model = get_model("mockllm/model", custom_outputs=outputs)
    log = run_eval(turns, model=model, solver=multi_turn_voting(votes=3))
    sample = log.samples[0]
    records = VoteLog.of_sample(sample).records
    assert [r.votes for r in records] == [
        [wrong, truth[0], truth[0]],
        [truth[1], truth[1] + 1, truth[1] + 2],
    ]
    assert records[0].winner == truth[0] and not records[0].tie
    assert records[1].tie  # three different answers: a seeded draw decides
    answers = [t.answer.value for t in TurnLog.of_sample(sample).turns]
    assert answers[0] == truth[0] and answers[1] == records[1].winner
    # every vote was a real call, each with its own sampling seed
    calls = [e for e in sample.events if isinstance(e, ModelEvent)]
    assert len(calls) == 6 and len({e.config.seed for e in calls}) == 6


def test_voting_lifts_turn_accuracy_on_the_simulated_executor(run_eval: Any) -> None:
    task_args = {"samples": 6, "turns": 8, "k": 2}
    single = run_eval(horizon(**task_args), model_args={"p": 0.85})
    voted = run_eval(
        horizon(**task_args), model_args={"p": 0.85}, solver=multi_turn_voting(votes=5)
    )
    assert metrics(voted)["turn_accuracy"] > metrics(single)["turn_accuracy"] + 0.1


@pytest.mark.parametrize("window", [0, 1, 2])
def test_sliding_window_bounds_the_context(run_eval: Any, window: int) -> None:
    log = run_eval(
        horizon(samples=2, turns=5, k=1),
        model_args={"p": 1.0},
        solver=multi_turn_voting(window=window),
    )
    for sample in log.samples:
        calls = [e for e in sample.events if isinstance(e, ModelEvent)]
        assert len(calls) == 5
        assert max(len(e.input) for e in calls) == 2 * window + 2  # system + turns + now
    # the running total lives in the last answer: one earlier turn is enough, none is not
    assert (metrics(log)["task_accuracy"] == 1.0) == (window >= 1)
