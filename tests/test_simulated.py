"""The simulated executor behaves as planted, reading only the conversation."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import numpy as np
import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    ContentImage,
    GenerateConfig,
    ModelOutput,
)
from inspect_ai.tool import ToolInfo, ToolParams

from long_horizon_execution.core import parse_answer
from long_horizon_execution.evals.dataset import DatasetConfig, generate_dataset
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.prompts import single_turn_prompt, system_prompt, user_text
from long_horizon_execution.evals.prompts_paper import PAPER_DICTIONARY_HEADER
from long_horizon_execution.evals.simulated import UNREADABLE_REPLY, SimulatedExecutor
from long_horizon_execution.evals.simulated_reading import _turn_keys
from long_horizon_execution.scorers.correctness import turn_correctness
from long_horizon_execution.scorers.metrics import horizon_estimate
from long_horizon_execution.scorers.survival import cumulative_steps
from long_horizon_execution.scorers.theory import theoretical_horizon
from long_horizon_execution.solvers.history import answer_only

PNG = "data:image/png;base64,iVBORw0KGgo="


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


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"p": 2}, "parameter 'p': Input should be less than or equal to 1 (got 2)"),
        ({"p": "abc"}, "parameter 'p': Input should be a valid number"),
        ({"p": True}, "parameter 'p': a boolean is not a number (got True)"),
        ({"p": float("nan")}, "parameter 'p': Input should be a finite number (got nan)"),
        ({"self_conditioning": float("inf")}, "'self_conditioning': Input should be a finite"),
        ({"self_conditioning": -0.1}, "'self_conditioning': Input should be greater than"),
        ({"format_error": 1.5}, "'format_error': Input should be less than or equal to 1"),
        ({"seed": 1.5}, "'seed': Input should be a valid integer"),
        ({"seed": 10**40}, "'seed': Input should be less than 9223372036854775808 (got an"),
        ({"seed": [1]}, "'seed': Input should be a valid integer (got [1])"),
        ({"context_window": 0}, "'context_window': Input should be greater than or equal to 1"),
        ({"single_turn_capacity": 0}, "'single_turn_capacity': Input should be greater than 0"),
        ({"capacity_spread": "1e308"}, "'capacity_spread': Input should be less than or equal"),
        ({"nonsense": 1}, "unknown parameter 'nonsense' (got 1); known: p, self_conditioning"),
    ],
)
def test_bad_model_arguments_are_refused_in_one_line(
    args: dict[str, object], expected: str
) -> None:
    with pytest.raises(ParameterError) as error:
        executor(**args)
    message = str(error.value)
    assert message.startswith("simulated model: ") and expected in message
    assert "\n" not in message


def test_model_arguments_given_as_text_are_read() -> None:
    # the command line gives -M self_conditioning=1e-3 as text (YAML 1.1 has no 1e-3 float)
    behaviour = executor(self_conditioning="1e-3", seed="7", p=1).behaviour
    assert (behaviour.self_conditioning, behaviour.seed, behaviour.p) == (0.001, 7, 1.0)


def test_a_bad_model_argument_stops_the_eval_before_any_request(tmp_path: Path) -> None:
    from long_horizon_execution.evals.horizon import horizon

    with pytest.raises(ParameterError, match="'p'"):
        inspect_eval(
            horizon(samples=1, turns=2),
            model="simulated/executor",
            model_args={"p": 2},
            log_dir=str(tmp_path),
            display="none",
        )
    assert list(tmp_path.iterdir()) == []  # no log: nothing ran


def unreadable(messages: list[ChatMessage]) -> None:
    output = reply(executor(p=1.0), messages)
    assert output.completion == UNREADABLE_REPLY
    assert parse_answer(output.completion).status == "no_answer"
    assert output.usage is not None and output.usage.output_tokens > 0


PROMPT = system_prompt({"alpha": 3, "bravo": -4}, 1, "plain")


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [ChatMessageUser(content="alpha")],  # no dictionary
        [ChatMessageSystem(content=PROMPT), ChatMessageUser(content="")],  # no words
        [ChatMessageSystem(content=PROMPT), ChatMessageUser(content=[ContentImage(image=PNG)])],
        [
            ChatMessageSystem(content="Dictionary:\nalpha: " + "9" * 5000),
            ChatMessageUser(content="alpha"),
        ],
        [
            ChatMessageSystem(content=PAPER_DICTIONARY_HEADER + "\n{'alpha': " + "9" * 5000 + "}"),
            ChatMessageUser(content="alpha"),
        ],
    ],
    ids=["nothing", "no-dictionary", "no-words", "image-only", "huge-value", "huge-paper-value"],
)
def test_a_conversation_it_cannot_read_gets_a_reply_without_an_answer(
    messages: list[ChatMessage],
) -> None:
    unreadable(messages)


@pytest.mark.parametrize("layout", ["suite", "paper"])
def test_single_turn_block_sizes_it_cannot_follow(layout: str) -> None:
    text = single_turn_prompt(
        {"alpha": 3, "bravo": -4}, ["alpha", "bravo", "alpha"], 1, "plain", layout
    )
    for phrase in ("every 1 words", "every word"):
        text = text.replace(phrase, "every {n} words")
    assert "{n}" in text
    unreadable([ChatMessageUser(content=text.replace("{n}", "0"))])
    # a block longer than any list of words: one sum
    huge = reply(executor(p=1.0), [ChatMessageUser(content=text.replace("{n}", "9" * 5000))])
    assert huge.completion.strip() == "<answer>2</answer>"


def test_a_word_missing_from_the_dictionary_counts_zero() -> None:
    output = reply(
        executor(p=1.0), [ChatMessageSystem(content=PROMPT), ChatMessageUser(content="alpha, zulu")]
    )
    assert parse_answer(output.completion).value == 3


def test_offered_tools_and_a_huge_sampling_seed_give_one_plain_reply() -> None:
    model = executor(p=1.0)
    messages: list[ChatMessage] = [
        ChatMessageSystem(content=PROMPT),
        ChatMessageUser(content="alpha, bravo"),
    ]
    tool = ToolInfo(name="add", description="adds", parameters=ToolParams())
    output = asyncio.run(
        model.generate(messages, [tool], "auto", GenerateConfig(seed=10**30))  # type: ignore[arg-type]
    )
    assert output.message.tool_calls is None
    assert parse_answer(output.completion).value == -1


def test_memoised_turns_share_their_words() -> None:
    # A memo full of turns with many keys holds each word once.
    first = _turn_keys("alpha, bravo, alpha")
    second = _turn_keys("bravo, alpha")
    assert first[0] is second[1] and first[1] is second[0]


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
