"""Large numbers: values, totals and answers of any supported size are exact end to end,
and a range the suite does not support is refused in one line before any model call."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inspect_ai.log import read_eval_log
from inspect_ai.model import ModelName
from inspect_ai.scorer import Target
from inspect_ai.solver import TaskState
from scripted import scripted_outputs

from long_horizon_execution.core import (
    MAX_DIGITS,
    ParsedAnswer,
    ParsingRule,
    TurnLog,
    TurnRecord,
    format_answer,
    format_answer_list,
    parse_answer,
)
from long_horizon_execution.evals.dataset import (
    MAX_VALUE_DIGITS,
    DatasetConfig,
    DictionaryConfig,
    generate_dataset,
)
from long_horizon_execution.evals.dataset_files import load_dataset_file
from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.single_turn import single_turn
from long_horizon_execution.scorers.correctness import turn_correctness
from long_horizon_execution.scorers.self_conditioning import conditioned_correctness
from long_horizon_execution.scorers.single_turn import block_answers
from long_horizon_execution.solvers.rewrite import InducedErrors, OffsetKind

TASKS = str(Path(__file__).parents[1] / "evals" / "horizon.py")
INT64_MAX = 2**63 - 1
EDGES = [2**61, 2**61 + 1, -(2**61) - 1, 2**62, INT64_MAX, -INT64_MAX - 1, 2**63, -(2**63) - 1]
"""Around the int64 path's bound (2**61) and int64's own limits."""


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for score in log.results.scores for name, m in score.metrics.items()}


def answer(value: int | None) -> ParsedAnswer:
    if value is None:
        return ParsedAnswer(status="invalid", content="?")
    return ParsedAnswer(status="int", value=value, content=str(value))


def running_totals(sample: Any, dictionary: dict[str, int]) -> list[int]:
    """Each turn's true total, summed here from the dictionary in Python ints."""
    totals = accumulate(sum(dictionary[key] for key in keys) for keys in sample.metadata["turns"])
    return list(totals)


# --- the issue's two scenarios, end to end ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mode"),
    [(10**17, "plain"), (10**18, "plain"), (10**18, "cot"), (10**18, "thinking")],
)
def test_an_always_right_model_scores_one_with_values_near_int64(
    run_eval: Any, value: int, mode: str
) -> None:
    task = horizon(samples=2, turns=12, value_min=value, value_max=value, mode=mode)
    log = run_eval(task, model_args={"p": 1.0})
    assert metrics(log)["turn_accuracy"] == 1.0
    assert metrics(log)["task_accuracy"] == 1.0
    for sample in log.samples:
        assert sample.target == [str(value * turn) for turn in range(1, 13)]  # never wrapped


def test_the_issue_command_scores_one_with_values_of_ten_to_the_eighteen(tmp_path: Path) -> None:
    value = str(10**18)
    command = [str(Path(sys.executable).parent / "inspect"), "eval", f"{TASKS}@horizon"]
    command += ["--model", "simulated/executor", "-M", "p=1", "-T", "samples=2", "-T"]
    command += ["turns=12", "-T", f"value_min={value}", "-T", f"value_max={value}"]
    command += ["--log-dir", str(tmp_path), "--display", "none"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    log = read_eval_log(str(next(tmp_path.glob("*.eval"))))
    assert metrics(log)["turn_accuracy"] == metrics(log)["task_accuracy"] == 1.0
    assert log.samples is not None
    assert log.samples[0].target[-1] == str(12 * 10**18)


def test_values_far_beyond_int64_score_exactly(run_eval: Any) -> None:
    log = run_eval(
        horizon(samples=2, turns=8, k=3, value_min=-(10**30), value_max=10**30),
        model_args={"p": 1.0},
    )
    assert metrics(log)["turn_accuracy"] == metrics(log)["task_accuracy"] == 1.0
    dictionary = generate_dataset(
        DatasetConfig(
            instances=2,
            steps=24,
            dictionary=DictionaryConfig(value_min=-(10**30), value_max=10**30),
        )
    ).dictionary
    assert max(abs(v) for v in dictionary.values()) > 2**63
    for sample in log.samples:
        assert [int(t) for t in sample.target] == running_totals(sample, dictionary)
        answers = [r.answer.value for r in TurnLog.of_sample(sample).turns]
        assert answers == [int(t) for t in sample.target]  # read back from the log exactly


def test_the_largest_supported_values_run_and_score(run_eval: Any) -> None:
    largest = 10**MAX_VALUE_DIGITS - 1
    log = run_eval(
        horizon(samples=1, turns=4, k=2, value_min=-largest, value_max=largest),
        model_args={"p": 1.0},
    )
    assert metrics(log)["task_accuracy"] == 1.0
    assert max(len(t.lstrip("-")) for t in log.samples[0].target) > MAX_VALUE_DIGITS - 5


def test_a_slip_in_a_huge_total_is_caught(run_eval: Any) -> None:
    # p < 1: the executor adds a nonzero offset of at most 10 to a 31-digit total
    log = run_eval(
        horizon(samples=3, turns=20, value_min=10**30, value_max=10**30 + 50),
        model_args={"p": 0.8, "seed": 1},
    )
    values = metrics(log)
    assert 0.0 < values["turn_accuracy"] < 1.0
    for sample in log.samples:
        records = TurnLog.of_sample(sample).turns
        index = sample.scores["execution_scorer"].metadata["per_turn"]["index"]
        expected = [
            float(r.answer.value == int(t)) for r, t in zip(records, sample.target, strict=True)
        ]
        assert index == expected


def test_voting_on_huge_totals(run_eval: Any) -> None:
    log = run_eval(
        horizon(samples=1, turns=4, votes=3, value_min=10**20, value_max=10**21),
        model_args={"p": 1.0},
    )
    assert metrics(log)["task_accuracy"] == 1.0


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize("digits", [19, 20, 40, 300, MAX_DIGITS])
def test_right_answers_of_nineteen_digits_and_more_are_integers(digits: int) -> None:
    value = int("9" * digits)
    forms: dict[ParsingRule, tuple[str, ...]] = {
        "paper": (str(value), f"-{value}", f"{value:_}", f"+{value}"),
        "lenient": (str(value), f"-{value}", f"{value:,}", f"**{value}**"),
    }
    for rule, written_forms in forms.items():
        for written in written_forms:
            parsed = parse_answer(f"<answer>{written}</answer>", rule=rule)
            assert parsed.status == "int" and abs(parsed.value or 0) == value


@pytest.mark.parametrize("rule", ["paper", "lenient"])
@pytest.mark.parametrize("digits", [MAX_DIGITS + 1, 5_000, 100_000])
def test_longer_numbers_are_invalid_and_never_raise(digits: int, rule: ParsingRule) -> None:
    parsed = parse_answer(f"<answer>{'7' * digits}</answer>", rule=rule)
    assert parsed.status == "invalid" and parsed.value is None
    # leading zeros are not significant
    assert parse_answer(f"<answer>{'0' * digits}42</answer>", rule=rule).value == 42


@settings(max_examples=200)
@given(st.integers(min_value=-(10**MAX_DIGITS - 1), max_value=10**MAX_DIGITS - 1))
def test_every_integer_up_to_the_bound_round_trips(value: int) -> None:
    assert parse_answer(format_answer(value)).value == value
    assert parse_answer(format_answer(value), rule="lenient").value == value
    assert parse_answer(f"<answer>{value:_}</answer>").value == value
    assert parse_answer(f"<answer>{value:,}</answer>", rule="lenient").value == value


# --- correctness: int64 path and exact path agree with the definitions --------------------


def reference(
    answers: list[ParsedAnswer], totals: list[int]
) -> tuple[list[float], list[float], list[float]]:
    """The definitions of index, task and turn correctness, one turn at a time."""
    index, task, turn = ([math.nan] * len(totals) for _ in range(3))
    previous, alive = 0, True
    for t, parsed in enumerate(answers[: len(totals)]):
        increment = totals[t] - (totals[t - 1] if t else 0)
        value = parsed.value if parsed.is_int else None
        alive = alive and value == totals[t]
        index[t], task[t] = float(value == totals[t]), float(alive)
        turn[t] = float(value is not None and value == previous + increment)
        previous = value if value is not None else previous
    return index, task, turn


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[ParsedAnswer], list[int]]:
    """Totals at one magnitude (small, at the int64 path's bound, past int64, huge), and
    answers that are right, off by a little, arbitrary or unreadable."""
    bound = draw(st.sampled_from([100, 2**61, 2**63, 10**40]))
    numbers = st.integers(-bound, bound) | st.sampled_from(EDGES)
    totals = draw(st.lists(numbers, max_size=25))
    answers = []
    for t in range(draw(st.integers(0, len(totals) + 2))):
        kind = draw(st.sampled_from(["right", "right", "near", "any", "none"]))
        near = totals[t] + draw(st.integers(-3, 3)) if t < len(totals) else 0
        value = {"right": totals[t] if t < len(totals) else 0, "near": near}.get(kind)
        answers.append(answer(draw(numbers) if kind == "any" else value))
    return answers, totals


@settings(max_examples=400)
@given(plans())
def test_correctness_matches_the_definitions_at_every_size(
    plan: tuple[list[ParsedAnswer], list[int]],
) -> None:
    answers, totals = plan
    result = turn_correctness(answers, totals)
    expected = reference(answers, totals)
    for got, want in zip((result.index, result.task, result.turn), expected, strict=True):
        np.testing.assert_array_equal(got, np.array(want))


def test_an_answer_far_beyond_int64_is_wrong_without_crashing() -> None:
    result = turn_correctness([answer(10**40), answer(-(10**40)), answer(5)], [5, 5, 10])
    assert result.index.tolist() == [0.0, 0.0, 0.0]
    assert result.turn.tolist() == [0.0, 0.0, 0.0]  # -10**40 + 5 is not 5
    overflowing = turn_correctness([answer(INT64_MAX), answer(INT64_MAX)], [INT64_MAX, 5])
    # int64 arithmetic would wrap INT64_MAX + (5 - INT64_MAX) to itself; it is 5
    assert overflowing.index.tolist() == [1.0, 0.0] and overflowing.turn.tolist() == [1.0, 0.0]


def test_a_right_answer_beyond_int64_is_right() -> None:
    totals = [10**19, 2 * 10**19, 2 * 10**19 - 1]
    replies = [
        "<answer>10000000000000000000</answer>",
        "<answer>20_000_000_000_000_000_000</answer>",
    ]
    answers = [parse_answer(reply) for reply in replies] + [answer(2 * 10**19 - 2)]
    result = turn_correctness(answers, totals)
    assert result.index.tolist() == [1.0, 1.0, 0.0]
    assert result.task.tolist() == [1.0, 1.0, 0.0]
    assert result.turn.tolist() == [1.0, 1.0, 0.0]


# --- self-conditioning --------------------------------------------------------------------


def state(truths: list[int]) -> TaskState:
    return TaskState(
        model=ModelName("none/none"),
        sample_id="s",
        epoch=1,
        input=[],
        messages=[],
        target=Target([str(total) for total in truths]),
    )


@pytest.mark.parametrize("kind", ["uniform", "drift"])
@pytest.mark.parametrize("start", [INT64_MAX - 60, INT64_MAX - 3, 10**30, -(10**30)])
def test_induced_errors_are_exact_at_any_size(kind: OffsetKind, start: int) -> None:
    truths = [start + turn for turn in range(30)]
    plan = InducedErrors(rate=0.5, offsets=kind).plan(state(truths))
    errors = [entry.offset for entry in plan]
    drifts = list(accumulate(errors)) if kind == "drift" else errors
    assert any(entry.induced for entry in plan)
    assert [entry.truth for entry in plan] == truths
    assert [entry.value for entry in plan] == [t + e for t, e in zip(truths, drifts, strict=True)]
    assert all(parse_answer(entry.shown).value == entry.value for entry in plan)


def test_self_conditioning_scorer_judges_huge_totals() -> None:
    big = 10**30
    truths = [big, 2 * big, 2 * big + 7]

    def record(turn: int, value: int) -> TurnRecord:
        text = format_answer(value)
        answer = parse_answer(text)
        return TurnRecord(
            turn=turn, prompt="", reply=text, answer=answer, shown=text, stop_reason="stop"
        )

    # turn 1 shown one too high; turn 2 builds on it; turn 3 is the true total
    records = [record(2, 2 * big + 1), record(3, 2 * big + 7)]
    relative, true = conditioned_correctness(records, {1: big + 1}, truths)
    assert math.isnan(relative[0]) and relative[1:].tolist() == [1.0, 0.0]
    assert true[1:].tolist() == [0.0, 1.0]


def test_self_conditioning_task_with_huge_values(run_eval: Any) -> None:
    task = self_conditioning(
        samples=2, rates=[0, 1], target_turn=4, value_min=-(10**30), value_max=10**30
    )
    values = metrics(run_eval(task, model_args={"p": 1.0}))
    assert values["shown_0"] == values["true_0"] == values["shown_100"] == 1.0
    assert values["true_100"] == 0.0  # always builds on a wrong shown total


# --- single turn ----------------------------------------------------------------------------


def test_block_lists_of_huge_totals_score_right() -> None:
    totals = [10**25, -(10**25), 3 * 10**40]
    answers = block_answers(format_answer_list(totals), 3)
    assert [a.value for a in answers] == totals
    assert turn_correctness(answers, totals).task.tolist() == [1.0, 1.0, 1.0]


def test_single_turn_and_frontier_with_huge_values(run_eval: Any) -> None:
    huge = {"value_min": -(10**30), "value_max": 10**30}
    blocks = run_eval(single_turn(samples=2, steps=20, k=5, **huge), model_args={"p": 1.0})
    assert metrics(blocks)["block_accuracy"] == metrics(blocks)["reply_accuracy"] == 1.0
    probe = run_eval(frontier(k=10, samples=2, mode="plain", **huge), model_args={"p": 1.0})
    assert metrics(probe)["reply_accuracy"] == 1.0


# --- datasets ---------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    low=st.integers(-(10**40), 10**40) | st.sampled_from(EDGES),
    width=st.integers(0, 10**40) | st.just(0),
    seed=st.integers(0, 100),
)
def test_generated_running_sums_are_exact(low: int, width: int, seed: int) -> None:
    config = DatasetConfig(
        seed=seed,
        dictionary=DictionaryConfig(size=5, value_min=low, value_max=low + width),
        instances=2,
        steps=40,
        generation_length=40,
    )
    data = generate_dataset(config)
    for instance in data.instances:
        assert instance.values == [data.dictionary[key] for key in instance.keys]
        assert instance.running_sums == list(accumulate(instance.values))
        assert all(type(total) is int for total in instance.running_sums)


def write_records(path: Path, values: list[list[int]], keys: list[list[str]]) -> Path:
    rows = [
        {"id": i, "input": k, "values": v, "output": list(accumulate(v))}
        for i, (k, v) in enumerate(zip(keys, values, strict=True))
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows))
    return path


def test_a_dataset_file_with_huge_values_loads_and_scores_exactly(
    run_eval: Any, tmp_path: Path
) -> None:
    dictionary = {"alarm": 10**35 + 1, "coach": -(10**20), "doubt": 2**64, "cable": 7}
    keys = [["alarm", "doubt", "coach", "alarm", "cable", "doubt"], ["cable", "alarm"] * 3]
    path = write_records(
        tmp_path / "huge.jsonl", [[dictionary[k] for k in row] for row in keys], keys
    )
    data = load_dataset_file(path)
    assert data.dictionary == dictionary
    assert data.instances[0].running_sums[-1] == 2 * (10**35 + 1) + 2 * 2**64 - 10**20 + 7
    log = run_eval(horizon(samples=2, turns=3, k=2, dataset_file=str(path)), model_args={"p": 1.0})
    assert metrics(log)["task_accuracy"] == 1.0
    for sample in log.samples:
        assert [int(t) for t in sample.target] == running_totals(sample, dictionary)


def test_a_wrong_huge_reply_is_scored_wrong_end_to_end(run_eval: Any, tmp_path: Path) -> None:
    keys = [["alarm", "coach"], ["coach"]]
    path = write_records(tmp_path / "two.jsonl", [[10**30, 10**30], [10**30]], keys)
    outputs = scripted_outputs(f"<answer>{10**30}</answer>", f"<answer>{'9' * 60}</answer>")
    log = run_eval(
        horizon(samples=1, turns=2, dataset_file=str(path)),
        model="mockllm/model",
        model_args={"custom_outputs": outputs},
    )
    sample = log.samples[0]
    per_turn = sample.scores["execution_scorer"].metadata["per_turn"]
    assert per_turn["index"] == [1.0, 0.0]  # right, wrong
    values = [record.answer.value for record in TurnLog.of_sample(sample).turns]
    assert values == [10**30, int("9" * 60)]


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("value_max", 10**600), ("value_min", -(10**5000))],
    ids=["601 digits", "5001 digits, past Python's str limit"],
)
def test_values_past_the_supported_range_are_refused_in_one_line(name: str, value: int) -> None:
    for task in (horizon, self_conditioning, single_turn, frontier):
        with pytest.raises(ParameterError) as error:
            task(**{name: value})
        message = str(error.value)
        assert f"invalid parameter '{name}': a value may have at most 600 digits" in message
        assert "\n" not in message and len(message) < 160


def test_the_supported_range_fits_the_parser() -> None:
    # a total of up to 10**30 values of MAX_VALUE_DIGITS digits is still readable
    assert MAX_VALUE_DIGITS + 31 <= MAX_DIGITS
