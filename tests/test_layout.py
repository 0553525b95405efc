"""Prompt layouts: the paper's (the default), rule by rule, and the suite's own prompts,
kept byte for byte behind ``layout=suite``; both read by the simulated executor."""

from __future__ import annotations

import ast
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.model import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
)
from scripted import scripted_outputs

from long_horizon_execution.core import TurnLog, parse_answer
from long_horizon_execution.evals.dataset import DatasetConfig, generate_dataset
from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.frontier_config import SearchConfig
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.prompts import single_turn_prompt, system_prompt, user_text
from long_horizon_execution.evals.prompts_format import LAYOUTS, MODES, turn_text
from long_horizon_execution.evals.prompts_paper import (
    PAPER_COT_REMINDER,
    PAPER_DICTIONARY_HEADER,
    PAPER_TOY_DICTIONARY,
    python_mapping,
    working_sentence,
)
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.simulated_reading import read_conversation
from long_horizon_execution.evals.single_turn import single_turn
from long_horizon_execution.solvers.history import NO_ANSWER, history_policy

SNAPSHOT = Path(__file__).parent / "snapshots" / "suite_prompts.json"
"""The suite's prompts as they were before the paper layout existed (task version 2-A):
``system_prompt`` for the paper dictionary ("real") and a small one at K = 1, 2, 3, 5, 10
in every mode, ``single_turn_prompt`` for the first 12 keys of instance 0 at K = 1, 3, 5,
12, and ``turn_text`` of three keys."""


@pytest.fixture(scope="module")
def snapshot() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return data


def test_suite_system_prompts_are_unchanged(snapshot: dict[str, Any]) -> None:
    for key, expected in snapshot["system"].items():
        name, k, mode = key.split("/")
        dictionary = snapshot["dictionary" if name == "real" else "small"]
        assert system_prompt(dictionary, int(k), mode, "suite") == expected, key


def test_suite_single_turn_prompts_are_unchanged(snapshot: dict[str, Any]) -> None:
    for key, expected in snapshot["single"].items():
        k, mode = key.split("/")
        prompt = single_turn_prompt(snapshot["dictionary"], snapshot["keys"], int(k), mode, "suite")
        assert prompt == expected, key


def test_suite_turn_text_is_the_keys(snapshot: dict[str, Any]) -> None:
    assert turn_text(snapshot["keys"][:3]) == snapshot["turn"]


# The paper layout, rule by rule ------------------------------------------------------------

PAPER_DATA = generate_dataset(DatasetConfig(instances=2, steps=60))
SMALL = {"alarm": 88, "coach": -31, "doubt": 0, "eagle": 7}


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def example_turns(system: str) -> list[tuple[list[str], str]]:
    """The worked example's (keys, reply) pairs, read from a paper system message."""
    turns = []
    for block in paragraphs(system):
        lines = block.splitlines()
        if len(lines) == 2 and lines[0].startswith("User: "):
            assert lines[1].startswith("Assistant: ")
            keys = lines[0].removeprefix("User: ").split(", ")
            turns.append((keys, lines[1].removeprefix("Assistant: ")))
    return turns


@pytest.mark.parametrize("mode", MODES)
def test_paper_system_message_parts_in_order(mode: str) -> None:
    system = system_prompt(PAPER_DATA.dictionary, 1, mode)
    parts = paragraphs(system)
    instructions, example_header = parts[0], parts[1]
    assert "running total" in instructions and "<answer>" in instructions
    assert example_header.startswith("Worked example")
    assert python_mapping(PAPER_TOY_DICTIONARY) in example_header
    dictionary_at = parts.index(
        f"{PAPER_DICTIONARY_HEADER}\n{python_mapping(PAPER_DATA.dictionary)}"
    )
    assert all(part.startswith("User: ") for part in parts[2:dictionary_at])  # the example
    assert dictionary_at == len(parts) - 2  # then the dictionary, then the closing line
    closing = parts[-1]
    assert "\n" not in closing and "<answer>" in closing  # the last thing the model reads
    assert ("step by step" in closing) == (mode == "cot")
    assert ("step by step" in system) == (mode == "cot")


def test_paper_dictionary_is_one_python_mapping_line() -> None:
    system = system_prompt(PAPER_DATA.dictionary, 1, "plain")
    line = system.split(f"{PAPER_DICTIONARY_HEADER}\n", 1)[1].split("\n", 1)[0]
    assert line == repr(dict(PAPER_DATA.dictionary))  # insertion order
    assert line.startswith("{'drive': -45, 'alone': 46, 'adult': 84, ")
    assert ast.literal_eval(line) == PAPER_DATA.dictionary


@pytest.mark.parametrize("mode", MODES)
def test_k1_example_has_six_turns_with_a_zero_and_right_answers(mode: str) -> None:
    turns = example_turns(system_prompt(SMALL, 1, mode))
    assert len(turns) == 6 and all(len(keys) == 1 for keys, _ in turns)
    assert any(PAPER_TOY_DICTIONARY[keys[0]] == 0 for keys, _ in turns)
    assert {keys[0] for keys, _ in turns} == set(PAPER_TOY_DICTIONARY)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 10, 25])
@pytest.mark.parametrize("mode", MODES)
def test_examples_follow_k_and_are_right(k: int, mode: str) -> None:
    turns = example_turns(system_prompt(SMALL, k, mode))
    assert len(turns) >= 2 and all(len(keys) == k for keys, _ in turns)
    total = 0
    for keys, reply in turns:
        values = [PAPER_TOY_DICTIONARY[key] for key in keys]
        previous, total = total, total + sum(values)
        assert parse_answer(reply).value == total
        if mode == "cot":
            assert reply == f"{working_sentence(keys, values, previous)} <answer>{total}</answer>"
            assert reply.split(", so ")[1].startswith(f"{previous} ")
        else:
            assert reply == f"<answer>{total}</answer>"
    assert all(len(word) < 5 for word in PAPER_TOY_DICTIONARY)  # never a real key


def test_thinking_mode_uses_the_plain_prompt() -> None:
    """The authors' thinking runs used the prompts without working (cot was its own switch)."""
    assert system_prompt(SMALL, 2, "thinking") == system_prompt(SMALL, 2, "plain")
    keys = PAPER_DATA.instances[0].keys[:9]
    assert single_turn_prompt(SMALL, keys, 3, "thinking") == single_turn_prompt(
        SMALL, keys, 3, "plain"
    )


def user_messages(sample: Any) -> list[str]:
    return [m.text for m in sample.messages if isinstance(m, ChatMessageUser)]


@pytest.mark.parametrize("mode", MODES)
def test_instructions_are_the_system_message_and_turns_are_user_messages(
    run_eval: Any, mode: str
) -> None:
    log = run_eval(horizon(samples=1, turns=3, k=2, mode=mode), model_args={"p": 1.0})
    sample = log.samples[0]
    system = [m for m in sample.messages if isinstance(m, ChatMessageSystem)]
    assert len(system) == 1 and sample.messages[0] is system[0]
    assert system[0].text == system_prompt(PAPER_DATA.dictionary, 2, mode)
    turns = sample.metadata["turns"]
    expected = [(PAPER_COT_REMINDER if mode == "cot" else "") + ", ".join(t) for t in turns]
    assert user_messages(sample) == expected  # the reminder on every turn, the first too
    records = TurnLog.of_sample(sample).turns
    assert [r.keys for r in records] == turns  # records keep the bare keys


def test_cot_reminder_reaches_synthetic_turns_too(run_eval: Any) -> None:
    log = run_eval(
        self_conditioning(samples=1, rates=[0.5], target_turn=4, k=2, mode="cot"),
        model_args={"p": 1.0},
    )
    users = user_messages(log.samples[0])
    assert len(users) == 4 and all(text.startswith(PAPER_COT_REMINDER) for text in users)


def test_cot_reminder_with_votes_and_a_window(run_eval: Any) -> None:
    log = run_eval(
        horizon(samples=1, turns=5, mode="cot", votes=3, window=2), model_args={"p": 1.0}
    )
    users = user_messages(log.samples[0])
    assert all(text.count(PAPER_COT_REMINDER) == 1 for text in users)
    assert users[-1].endswith(log.samples[0].metadata["turns"][-1][0])


@pytest.mark.parametrize("mode", MODES)
def test_single_turn_paper_prompt(mode: str) -> None:
    keys = PAPER_DATA.instances[0].keys[:10]
    text = single_turn_prompt(PAPER_DATA.dictionary, keys, 3, mode)
    parts = paragraphs(text)
    assert "after every 3 words" in parts[0] and "code" in parts[0]
    assert parts[1].startswith("Examples") and python_mapping(PAPER_TOY_DICTIONARY) in parts[1]
    assert parts[-2] == f"{PAPER_DICTIONARY_HEADER}\n{python_mapping(PAPER_DATA.dictionary)}"
    words, closing = parts[-1].split("\n")
    assert words == f"Words: {keys!r}"  # a Python list
    assert closing.startswith("Your reply") and "4 totals" in closing and "<answer>" in closing


@pytest.mark.parametrize(("k", "steps"), [(1, 10), (2, 10), (3, 10), (7, 30), (10, 10)])
def test_single_turn_examples_follow_k_and_are_right(k: int, steps: int) -> None:
    keys = PAPER_DATA.instances[0].keys[:steps]
    examples = paragraphs(single_turn_prompt(SMALL, keys, k, "plain"))[2:4]
    for example in examples:
        _, words, reply = example.splitlines()
        listed = ast.literal_eval(words.removeprefix("Words: "))
        sums = list(itertools.accumulate(PAPER_TOY_DICTIONARY[word] for word in listed))
        shown = [int(v) for v in reply.split("<answer>")[1].split("</answer>")[0].split(",")]
        if k == steps:  # one block: the sum alone
            assert shown == [sums[-1]] and "(the sum)" in reply
        else:
            ends = [*range(k - 1, len(listed) - 1, k), len(listed) - 1]
            assert shown == [sums[end] for end in ends] and len(shown) >= 2


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("task_kind", ["single_turn", "frontier"])
def test_single_turn_is_one_user_message(run_eval: Any, layout: str, task_kind: str) -> None:
    """As in the authors' code, a single-turn request is one user message: no system."""
    task = (
        single_turn(samples=1, steps=6, k=2, layout=layout)
        if task_kind == "single_turn"
        else frontier(k=6, samples=1, mode="plain", reasoning_tokens=None, layout=layout)
    )
    sample = run_eval(task, model_args={"p": 1.0}).samples[0]
    assert [m.role for m in sample.messages] == ["user", "assistant"]


# "No Answer" in the history ---------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("mode", ["plain", "cot"])
def test_reply_without_a_tag_is_no_answer_under_the_paper_layout(
    run_eval: Any, layout: str, mode: str
) -> None:
    outputs = scripted_outputs("<answer>88</answer>", "the total is 57", "<answer>-7</answer>")
    log = run_eval(
        horizon(samples=1, turns=3, mode=mode, layout=layout),
        model="mockllm/model",
        model_args={"custom_outputs": outputs},
    )
    shown = [m.text for m in log.samples[0].messages if isinstance(m, ChatMessageAssistant)]
    assert shown[1] == ("No Answer" if layout == "paper" else "the total is 57")
    assert shown[0] == "<answer>88</answer>"
    record = TurnLog.of_sample(log.samples[0]).turns[1]
    assert record.reply == "the total is 57"  # the raw reply is always kept


def test_history_policies_by_layout() -> None:
    none, tagged = parse_answer("no tag here"), parse_answer("x <answer>5</answer>")
    bad = parse_answer("<answer>5.5</answer>")
    assert history_policy("paper", "plain", "paper")("no tag here", none) == NO_ANSWER
    assert history_policy("paper", "cot", "paper")("no tag here", none) == NO_ANSWER
    assert history_policy("paper", "plain", "suite")("no tag here", none) == "no tag here"
    assert history_policy("paper", "cot", "suite")("no tag here", none) == "no tag here"
    for layout in LAYOUTS:
        assert history_policy("paper", "plain", layout)("x <answer>5</answer>", tagged) == (
            "<answer>5</answer>"
        )
        assert history_policy("paper", "cot", layout)("x <answer>5</answer>", tagged) == (
            "x <answer>5</answer>"
        )
        assert history_policy("paper", "plain", layout)("y", bad) == "<answer>5.5</answer>"
        assert history_policy("answer", "plain", layout)("no tag here", none) == "no tag here"
        assert history_policy("full", "plain", layout)("no tag here", none) == "no tag here"
    with pytest.raises(ValueError, match="layout"):
        history_policy("paper", "plain", "fancy")


# The suite layout is today's, exactly, in the tasks too -----------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_suite_layout_task_sends_todays_messages(
    run_eval: Any, snapshot: dict[str, Any], mode: str
) -> None:
    log = run_eval(horizon(samples=1, turns=3, mode=mode, layout="suite"), model_args={"p": 1.0})
    sample = log.samples[0]
    assert sample.messages[0].text == snapshot["system"][f"real/1/{mode}"]
    assert user_messages(sample) == [", ".join(turn) for turn in sample.metadata["turns"]]
    single = single_turn(samples=1, steps=12, k=3, mode=mode, layout="suite")
    assert single.dataset[0].input[0].text == snapshot["single"][f"3/{mode}"]  # type: ignore[index,union-attr]


# The simulated executor reads both layouts -------------------------------------------------


def task_accuracy(log: Any) -> float:
    """Share of runs entirely right: ``task_accuracy`` of a multi-turn log,
    ``reply_accuracy`` of a single-turn one."""
    metrics = log.results.scores[0].metrics
    value: float = metrics.get("task_accuracy", metrics.get("reply_accuracy")).value
    return value


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 3])
def test_simulated_executor_is_perfect_at_p1_multi_turn(
    run_eval: Any, layout: str, mode: str, k: int
) -> None:
    task = horizon(samples=2, steps=10, k=k, mode=mode, layout=layout)  # k = 3: a short last turn
    assert task_accuracy(run_eval(task, model_args={"p": 1.0})) == 1.0


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("k", "steps"), [(1, 6), (4, 10), (10, 10)])
def test_simulated_executor_is_perfect_at_p1_single_turn(
    run_eval: Any, layout: str, mode: str, k: int, steps: int
) -> None:
    task = single_turn(samples=2, steps=steps, k=k, mode=mode, layout=layout)
    log = run_eval(task, model_args={"p": 1.0})
    assert task_accuracy(log) == 1.0
    if k == steps:  # the frontier shape: one integer
        assert all(parse_answer(s.output.completion).value is not None for s in log.samples)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("mode", MODES)
def test_simulated_executor_is_perfect_at_p1_frontier(
    run_eval: Any, layout: str, mode: str
) -> None:
    task = frontier(k=8, samples=2, mode=mode, layout=layout)
    assert task_accuracy(run_eval(task, model_args={"p": 1.0})) == 1.0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_simulated_executor_reads_the_layout(layout: str) -> None:
    system = system_prompt(SMALL, 2, "cot", layout)
    conversation = read_conversation(
        [
            ChatMessageSystem(content=system),
            ChatMessageUser(content=user_text(["alarm", "doubt"], "cot", layout)),
        ]
    )
    assert conversation.dictionary == SMALL  # not the worked example's dictionary
    assert conversation.turns == [["alarm", "doubt"]] and conversation.cot
    assert conversation.layout == layout
    text = single_turn_prompt(SMALL, ["coach", "eagle", "alarm"], 2, "plain", layout)
    single = read_conversation([ChatMessageUser(content=text)])
    assert single.single_turn and single.dictionary == SMALL and single.block == 2
    assert single.turns == [["coach", "eagle", "alarm"]] and not single.cot
    one = read_conversation(
        [ChatMessageUser(content=single_turn_prompt(SMALL, ["doubt"] * 3, 3, "cot", layout))]
    )
    assert one.block is None and one.cot


# Bad values fail before any call: tests/test_bad_input.py (a table row per task) ----------


def test_frontier_probes_are_reused_only_under_the_same_layout() -> None:
    def signature(**task_args: Any) -> str:
        return SearchConfig(model="m", log_dir="d", task_args=task_args).signature()

    assert signature() == signature(layout="paper") != signature(layout="suite")
