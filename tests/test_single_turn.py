"""Single-turn execution: list parsing, the prompt, block scoring, both shapes."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from evals.frontier import frontier
from evals.params import ParameterError
from evals.prompts import WORDS_HEADER, single_turn_prompt
from evals.single_turn import single_turn
from scorers.correctness import TurnCorrectness
from scorers.parsing import parse_answer, parse_answer_list, parse_integer_list
from scorers.single_turn import block_answers, whole_correct


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for name, m in log.results.scores[0].metrics.items()}


@pytest.mark.parametrize(
    ("content", "values"),
    [
        ("1, -2, 3", [1, -2, 3]),
        (" [4,5] ", [4, 5]),
        ("**7, 8**", [7, 8]),
        ("1,234", [1, 234]),  # in a list a comma separates: no grouped thousands
        ("\u22123, 4", [-3, 4]),
        ("9", [9]),
        ("1,,2", None),
        ("1, 2,", None),
        ("", None),
        ("1 2, 3", None),
        ("1.0, 2", None),
    ],
)
def test_integer_lists(content: str, values: list[int] | None) -> None:
    assert parse_integer_list(content) == values


def test_one_integer_keeps_grouped_thousands_and_lists_read_tags() -> None:
    assert parse_answer("<answer>1,234</answer>").value == 1234
    parsed = parse_answer_list("<think><answer>0, 0</answer></think>ok <answer>3, 4</answer>")
    assert parsed.values == [3, 4]
    assert parse_answer_list("no tag").status == "no_answer"
    assert parse_answer_list("<answer>a, b</answer>").status == "invalid"


def test_block_answers_match_by_position() -> None:
    short = block_answers("<answer>5, 6</answer>", 3)
    assert [a.status for a in short] == ["int", "int", "no_answer"]
    assert [a.value for a in block_answers("<answer>1, 2, 3, 4</answer>", 3)] == [1, 2, 3]
    assert {a.status for a in block_answers("<answer>x</answer>", 2)} == {"invalid"}
    assert block_answers("<answer>1,234</answer>", 1)[0].value == 1234


def test_prompt_holds_dictionary_and_every_key_in_one_message() -> None:
    keys = ["apple", "pear", "apple", "grape", "melon"]
    dictionary = {"apple": 3, "pear": -4, "grape": 9, "melon": 1}
    text = single_turn_prompt(dictionary, keys, 2, "plain", "suite")
    assert text.rstrip().endswith(f"{WORDS_HEADER}\napple, pear, apple, grape, melon")
    assert "apple: 3" in text and "After every 2 words" in text and "3 running totals" in text
    one = single_turn_prompt({"apple": 3}, ["apple"] * 4, 4, "plain", "suite")
    assert "sum of the values" in one and "After every" not in one


def test_block_totals_shape_scores_each_block_and_the_whole(run_eval: Any) -> None:
    log = run_eval(single_turn(samples=4, steps=30, k=10), model_args={"p": 1.0})
    assert metrics(log)["task_accuracy"] == 1.0
    for sample in log.samples:
        assert len(sample.target) == sample.metadata["blocks"] == 3
        assert len(sample.output.completion.split(",")) == 3
        assert whole_correct(sample.scores["single_turn_scorer"].value)


def test_capacity_breaks_later_blocks_only(run_eval: Any) -> None:
    model_args = {"p": 1.0, "single_turn_capacity": 35, "capacity_spread": 0.0}
    log = run_eval(single_turn(samples=3, steps=60, k=10), model_args=model_args)
    for sample in log.samples:
        value = TurnCorrectness.from_value(sample.scores["single_turn_scorer"].value)
        assert value.index.tolist() == [1, 1, 1, 0, 0, 0]
        assert not whole_correct(sample.scores["single_turn_scorer"].value)
    found = metrics(log)
    # 3 blocks of 10 right: the largest length still right is 30 steps (capacity 35)
    assert found["horizon_50"] == 30.0 and found["turn_accuracy"] == 0.5
    assert found["task_accuracy"] == 0.0


def test_frontier_is_one_integer_with_thinking_recorded(run_eval: Any) -> None:
    log = run_eval(frontier(k=25, samples=3), model_args={"p": 1.0})
    assert metrics(log)["full_correct"] == 1.0
    for sample in log.samples:
        assert sample.output.completion.startswith("<answer>")
        assert "," not in sample.output.completion
        store = {k.split(":")[-1]: v for k, v in sample.store.items()}
        assert store["replies"][0]["reasoning_tokens"] > 0
        assert store["replies"][0]["reasoning_returned"] is True
    config = log.plan.config
    assert config.reasoning_tokens == 32_000 and config.temperature == 0.6


def test_first_sample_selects_later_instances(run_eval: Any) -> None:
    log = run_eval(frontier(k=5, samples=2, first_sample=3), model_args={"p": 1.0})
    assert [s.id for s in log.samples] == [3, 4]


def test_accuracy_falls_around_the_capacity(run_eval: Any) -> None:
    args = {"p": 1.0, "single_turn_capacity": 40, "capacity_spread": 0.05}
    below = run_eval(frontier(k=30, samples=10, mode="plain"), model_args=args)
    above = run_eval(frontier(k=52, samples=10, mode="plain"), model_args=args)
    assert metrics(below)["full_correct"] >= 0.9
    assert metrics(above)["full_correct"] <= 0.1
    assert np.isfinite(metrics(below)["turn_accuracy"])


@pytest.mark.parametrize(
    ("args", "culprit"),
    [({"k": 11, "steps": 10}, "k (11) must not exceed"), ({"mode": "loud"}, "mode")],
)
def test_bad_parameters_fail_clearly(args: dict[str, Any], culprit: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(culprit)):
        single_turn(**args)
