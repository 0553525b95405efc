"""The simulated executor behaves as planted, reading only the conversation."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    ModelOutput,
)

from evals.dataset import DatasetConfig, generate_dataset
from evals.prompts import system_prompt, user_text
from evals.simulated import SimulatedExecutor
from scorers.correctness import turn_correctness
from scorers.metrics import cumulative_steps, horizon_estimate, theoretical_horizon
from scorers.parsing import parse_answer
from solvers.history import answer_only


def executor(**behaviour: object) -> SimulatedExecutor:
    return SimulatedExecutor("executor", **behaviour)


def reply(model: SimulatedExecutor, messages: list[ChatMessage], **config: object) -> ModelOutput:
    return asyncio.run(model.generate(messages, [], "none", GenerateConfig(**config)))  # type: ignore[arg-type]


def run_conversation(model: SimulatedExecutor, keys: list[str], system: str) -> list[ChatMessage]:
    messages: list[ChatMessage] = [ChatMessageSystem(content=system)]
    for key in keys:
        messages.append(ChatMessageUser(content=key))
        output = reply(model, messages)
        text = output.completion
        messages.append(ChatMessageAssistant(content=answer_only(text, parse_answer(text))))
    return messages


def test_perfect_executor_follows_the_dictionary_from_the_prompt() -> None:
    data = generate_dataset(DatasetConfig(instances=1, steps=30))
    messages = run_conversation(
        executor(p=1.0), data.instances[0].keys, system_prompt(data.dictionary, 1, "plain")
    )
    shown = [parse_answer(m.text).value for m in messages if m.role == "assistant"]
    assert shown == data.instances[0].running_sums


def test_it_reads_the_prompt_not_the_truth() -> None:
    """A dictionary edited in the prompt changes its answers: it has nothing else to go on."""
    model = executor(p=1.0)
    prompt = system_prompt({"alpha": 3, "bravo": -4}, 1, "plain")
    output = reply(
        model, [ChatMessageSystem(content=prompt), ChatMessageUser(content="alpha, bravo, alpha")]
    )
    assert parse_answer(output.completion).value == 2
    # continues from the total its history shows, right or wrong
    history: list[ChatMessage] = [
        ChatMessageSystem(content=prompt),
        ChatMessageUser(content="alpha"),
        ChatMessageAssistant(content="<answer>100</answer>"),
        ChatMessageUser(content="bravo"),
    ]
    assert parse_answer(reply(model, history).completion).value == 96


def test_replies_are_deterministic_for_seed_and_conversation() -> None:
    prompt = system_prompt({"alpha": 3, "bravo": -4}, 2, "plain")
    messages: list[ChatMessage] = [
        ChatMessageSystem(content=prompt),
        ChatMessageUser(content="alpha, bravo"),
    ]
    texts = {reply(executor(p=0.5, seed=1), messages).completion for _ in range(5)}
    assert len(texts) == 1
    seeds = {reply(executor(p=0.5, seed=s), messages).completion for s in range(30)}
    assert len(seeds) > 1


def test_modes_cot_and_thinking() -> None:
    dictionary = {"alpha": 3, "bravo": -4}
    cot = reply(
        executor(p=1.0),
        [
            ChatMessageSystem(content=system_prompt(dictionary, 2, "cot", "suite")),
            ChatMessageUser(content="alpha, bravo"),
        ],
    )
    assert "alpha = 3; 0 + 3 = 3" in cot.completion and parse_answer(cot.completion).value == -1
    paper = reply(
        executor(p=1.0),
        [
            ChatMessageSystem(content=system_prompt(dictionary, 2, "cot", "paper")),
            ChatMessageUser(content=user_text(["alpha", "bravo"], "cot", "paper")),
        ],
    )
    assert paper.completion == "alpha is 3 and bravo is -4, so 0 + 3 - 4 = -1. <answer>-1</answer>"
    thinking = reply(
        executor(p=1.0),
        [
            ChatMessageSystem(content=system_prompt(dictionary, 2, "thinking")),
            ChatMessageUser(content="alpha, bravo"),
        ],
        reasoning_effort="medium",
    )
    assert thinking.completion.strip() == "<answer>-1</answer>"
    assert thinking.usage is not None and (thinking.usage.reasoning_tokens or 0) > 0


def test_format_errors_and_context_window() -> None:
    prompt = system_prompt({"alpha": 3}, 1, "plain")
    statuses = {
        parse_answer(
            reply(
                executor(format_error=1.0, seed=s),
                [ChatMessageSystem(content=prompt), ChatMessageUser(content="alpha")],
            ).completion
        ).status
        for s in range(20)
    }
    assert statuses == {"no_answer", "invalid"}
    full = reply(
        executor(context_window=10),
        [ChatMessageSystem(content=prompt), ChatMessageUser(content="alpha")],
    )
    assert full.stop_reason == "model_length"


def test_bad_model_arguments_fail_clearly() -> None:
    with pytest.raises(ValueError, match="simulated model argument p"):
        executor(p=1.5)
    with pytest.raises(ValueError, match="nonsense"):
        executor(nonsense=1)


def measured_horizon(p: float, samples: int, turns: int) -> tuple[float, float, float]:
    data = generate_dataset(DatasetConfig(instances=samples, steps=turns))
    system = system_prompt(data.dictionary, 1, "plain")
    rows = []
    for instance in data.instances:
        model = executor(p=p, seed=instance.id)
        messages = run_conversation(model, instance.keys, system)
        answers = [parse_answer(m.text) for m in messages if m.role == "assistant"]
        rows.append(turn_correctness(answers, instance.running_sums).task)
    estimate = horizon_estimate(np.array(rows), cumulative_steps(turns, 1), 0.5)
    return estimate.value, estimate.low, estimate.high


def test_measured_horizon_interval_contains_proposition_one_at_p_099() -> None:
    value, low, high = measured_horizon(0.99, samples=150, turns=140)
    expected = theoretical_horizon(0.99)
    assert math.isclose(expected, 69.0, abs_tol=0.1)
    assert low <= expected <= high, (value, low, high)
