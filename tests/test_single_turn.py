"""Single-turn execution: list parsing, the prompt, block scoring, both shapes."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import numpy as np
import pytest
from inspect_ai.model import ModelName, ModelOutput
from inspect_ai.scorer import Score, Target
from inspect_ai.solver import TaskState

from long_horizon_execution.core import (
    ParsingRule,
    parse_answer,
    parse_answer_list,
    parse_integer_list,
)
from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.prompts import single_turn_prompt
from long_horizon_execution.evals.prompts_suite import WORDS_HEADER
from long_horizon_execution.evals.single_turn import single_turn
from long_horizon_execution.scorers.correctness import TurnCorrectness
from long_horizon_execution.scorers.single_turn import (
    block_answers,
    single_turn_scorer,
    whole_correct,
)


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


def test_lenient_one_integer_keeps_grouped_thousands_and_lists_read_tags() -> None:
    assert parse_answer("<answer>1,234</answer>", rule="lenient").value == 1234
    parsed = parse_answer_list("<think><answer>0, 0</answer></think>ok <answer>3, 4</answer>")
    assert parsed.values == [3, 4]
    assert parse_answer_list("no tag").status == "no_answer"
    assert parse_answer_list("<answer>a, b</answer>").status == "invalid"


@pytest.mark.parametrize("rule", ["paper", "lenient"])
def test_block_answers_match_by_position(rule: ParsingRule) -> None:
    short = block_answers("<answer>5, 6</answer>", 3, rule)
    assert [a.status for a in short] == ["int", "int", "no_answer"]
    assert [a.value for a in block_answers("<answer>1, 2, 3, 4</answer>", 3, rule)] == [1, 2, 3]
    assert {a.status for a in block_answers("<answer>x</answer>", 2, rule)} == {
        "paper": {"invalid", "no_answer"},
        "lenient": {"invalid"},
    }[rule]


def test_one_block_reads_one_integer_when_lenient_and_the_first_item_by_the_paper() -> None:
    assert block_answers("<answer>1,234</answer>", 1, "lenient")[0].value == 1234
    assert block_answers("<answer>1,234</answer>", 1)[0].value == 1
    assert block_answers("<answer>1_234</answer>", 1)[0].value == 1234


def reply_state(completion: str, truths: list[int], **metadata: Any) -> TaskState:
    state = TaskState(
        model=ModelName("none/none"),
        sample_id="s",
        epoch=1,
        input=[],
        messages=[],
        target=Target([str(total) for total in truths]),
        metadata=metadata,
    )
    state.output = ModelOutput.from_content("none/none", completion)
    return state


def of_score(score: Score) -> TurnCorrectness:
    return TurnCorrectness.from_score(score.value, score.metadata)


def score_reply(completion: str, truths: list[int], *args: Any, **metadata: Any) -> Score:
    state = reply_state(completion, truths, **metadata)
    return asyncio.run(single_turn_scorer(*args)(state, state.target))


def test_one_bad_item_spoils_only_its_block_by_the_paper_rule() -> None:
    truths = [3, 8, 12, 20]
    reply = "<answer>3, eight, 12, 20</answer>"
    paper = of_score(score_reply(reply, truths))
    assert paper.index.tolist() == [1.0, 0.0, 1.0, 1.0]
    assert paper.task.tolist() == [1.0, 0.0, 0.0, 0.0]
    # 12 is not 'eight' + 4: the block after the bad item is turn-wrong, the next turn-right
    assert paper.turn.tolist() == [1.0, 0.0, 0.0, 1.0]
    assert score_reply(reply, truths).answer == "3, invalid, 12, 20"
    lenient = of_score(score_reply(reply, truths, "lenient"))
    assert lenient.index.tolist() == [0.0] * 4
    assert score_reply(reply, truths, "lenient").answer == "invalid, invalid, invalid, invalid"


def test_the_scorer_strips_think_blocks_only_for_thinking_samples() -> None:
    reply = "<think><answer>1, 1</answer></think><answer>3, 8</answer>"
    index = {
        mode: of_score(score_reply(reply, [3, 8], mode=mode)).index
        for mode in ("plain", "thinking")
    }
    assert index["plain"].tolist() == [0.0, 0.0] and index["thinking"].tolist() == [1.0, 1.0]
    assert of_score(score_reply(reply, [3, 8])).index.tolist() == [0, 0]
    lenient = score_reply(reply, [3, 8], "lenient", mode="plain")
    assert of_score(lenient).index.tolist() == [1.0, 1.0]


def test_the_scorer_refuses_an_unknown_rule() -> None:
    with pytest.raises(ValueError, match="parsing must be one of"):
        single_turn_scorer("strict")  # type: ignore[arg-type]


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
    assert metrics(log)["reply_accuracy"] == 1.0
    for sample in log.samples:
        assert len(sample.target) == sample.metadata["blocks"] == 3
        assert len(sample.output.completion.split(",")) == 3
        score = sample.scores["single_turn_scorer"]
        assert whole_correct(score.value, score.metadata)
        assert score.value == {"reply_correct": 1.0, "steps_right": 30.0, "blocks_right": 3.0}


def test_capacity_breaks_later_blocks_only(run_eval: Any) -> None:
    model_args = {"p": 1.0, "single_turn_capacity": 35, "capacity_spread": 0.0}
    log = run_eval(single_turn(samples=3, steps=60, k=10), model_args=model_args)
    for sample in log.samples:
        score = sample.scores["single_turn_scorer"]
        assert of_score(score).index.tolist() == [1, 1, 1, 0, 0, 0]
        assert not whole_correct(score.value, score.metadata)
        assert score.value["steps_right"] == 30.0 and score.value["reply_correct"] == 0.0
    found = metrics(log)
    # 3 blocks of 10 right: the largest length still right is 30 steps (capacity 35)
    assert found["horizon_50"] == 30.0 and found["block_accuracy"] == 0.5
    assert found["reply_accuracy"] == 0.0
    # a single-turn log carries no multi-turn names
    assert "turn1_accuracy" not in found and "p_step" not in found


def test_frontier_is_one_integer_with_thinking_recorded(run_eval: Any) -> None:
    log = run_eval(frontier(k=25, samples=3), model_args={"p": 1.0})
    assert metrics(log)["reply_accuracy"] == 1.0
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
    assert metrics(below)["reply_accuracy"] >= 0.9
    assert metrics(above)["reply_accuracy"] <= 0.1
    assert np.isfinite(metrics(below)["block_accuracy"])


@pytest.mark.parametrize(
    ("args", "culprit"),
    [({"k": 11, "steps": 10}, "k (11) must not exceed"), ({"mode": "loud"}, "mode")],
)
def test_bad_parameters_fail_clearly(args: dict[str, Any], culprit: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(culprit)):
        single_turn(**args)
