"""The parsing rule threads through every piece that reads replies: the multi-turn loop,
voting, history rewriting and the self-conditioning scorer. Each defaults to the paper's
rule, stripping reasoning blocks only in thinking mode."""

from __future__ import annotations

from typing import Any

import pytest
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.solver import TaskState

from long_horizon_execution.core import (
    ShownTurn,
    TurnLog,
    TurnRecord,
    answer_parser,
    format_answer,
    parse_answer,
)
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.scorers.self_conditioning import (
    conditioned_correctness,
    self_conditioning_scorer,
)
from long_horizon_execution.solvers.rewrite import rewritten_history
from long_horizon_execution.solvers.turn_loop import default_parser, multi_turn
from long_horizon_execution.solvers.voting import multi_turn_voting


def store(sample: Any, prefix: str) -> dict[str, Any]:
    return {k.split(":")[-1]: v for k, v in sample.store.items() if k.startswith(prefix)}


def one_turn() -> tuple[Any, int]:
    """A one-turn horizon task and the turn's true total."""
    task = horizon(samples=1, turns=1, k=1)
    return task, int(next(iter(task.dataset)).target[0])


def output(reply: str) -> ModelOutput:
    result = ModelOutput.from_content("mockllm/model", reply)
    result.usage = ModelUsage(input_tokens=5, output_tokens=3, total_tokens=8)
    return result


def mock(*replies: str) -> Any:
    return get_model("mockllm/model", custom_outputs=[output(reply) for reply in replies])


def answers(log: Any) -> list[int | None]:
    return [record.answer.value for record in TurnLog.of_sample(log.samples[0]).turns]


def test_the_default_parser_is_the_paper_rule_thinking_only_in_thinking_mode() -> None:
    assert default_parser("plain") == answer_parser("paper", thinking=False)
    assert default_parser("cot") == answer_parser("paper", thinking=False)
    assert default_parser("thinking") == answer_parser("paper", thinking=True)


@pytest.mark.parametrize(
    ("mode", "parser", "expected"),
    [
        ("plain", None, "inside"),  # outside thinking mode a think block is plain text
        ("thinking", None, "truth"),
        ("plain", answer_parser("lenient"), "truth"),  # lenient always strips
        ("plain", answer_parser("paper", thinking=True), "truth"),
    ],
)
def test_the_loop_strips_think_blocks_as_its_parser_says(
    run_eval: Any, mode: str, parser: Any, expected: str
) -> None:
    task, truth = one_turn()
    inside = truth + 5
    reply = f"<think>{format_answer(inside)}</think>{format_answer(truth)}"
    log = run_eval(task, model=mock(reply), solver=multi_turn(mode=mode, parser=parser))
    assert answers(log) == [{"inside": inside, "truth": truth}[expected]]


def test_the_loop_reads_only_what_int_reads_by_default(run_eval: Any) -> None:
    task, truth = one_turn()
    bold = f"<answer>**{truth}**</answer>"
    paper = run_eval(task, model=mock(bold), solver=multi_turn())
    record = TurnLog.of_sample(paper.samples[0]).turns[0]
    assert record.answer.status == "invalid" and record.answer.content == f"**{truth}**"
    lenient = run_eval(task, model=mock(bold), solver=multi_turn(parser=answer_parser("lenient")))
    assert answers(lenient) == [truth]
    underscored = f"<answer>{truth:_}</answer>"
    assert answers(run_eval(task, model=mock(underscored), solver=multi_turn())) == [truth]


@pytest.mark.parametrize("rule", ["paper", "lenient"])
def test_votes_are_read_by_the_loop_parser(run_eval: Any, rule: str) -> None:
    task, truth = one_turn()
    replies = [f"<answer>**{truth}**</answer>"] * 2 + [format_answer(truth + 1)]
    parser = None if rule == "paper" else answer_parser("lenient")
    solver = multi_turn_voting(votes=3, parser=parser)
    log = run_eval(task, model=mock(*replies), solver=solver)
    votes = store(log.samples[0], "VoteLog:")["records"][0]["votes"]
    if rule == "paper":  # bold is not an integer: the one plain vote wins
        assert votes == [None, None, truth + 1] and answers(log) == [truth + 1]
    else:
        assert votes == [truth, truth, truth + 1] and answers(log) == [truth]


def test_votes_strip_think_blocks_in_thinking_mode(run_eval: Any) -> None:
    task, truth = one_turn()
    replies = [f"<think>{format_answer(truth + 9)}</think>{format_answer(truth)}"] * 3
    plain = run_eval(task, model=mock(*replies), solver=multi_turn_voting(votes=3))
    assert store(plain.samples[0], "VoteLog:")["records"][0]["votes"] == [truth + 9] * 3
    thinking = multi_turn_voting(votes=3, mode="thinking")
    log = run_eval(task, model=mock(*replies), solver=thinking)
    assert store(log.samples[0], "VoteLog:")["records"][0]["votes"] == [truth] * 3
    assert answers(log) == [truth]


def keep_shown(state: TaskState, turn: int, record: TurnRecord | None) -> ShownTurn | None:
    return None


@pytest.mark.parametrize(("parser", "read"), [(None, False), (answer_parser("lenient"), True)])
def test_rewritten_history_passes_its_parser_to_the_loop(
    run_eval: Any, parser: Any, read: bool
) -> None:
    task, truth = one_turn()
    solver = rewritten_history(keep_shown, parser=parser)
    log = run_eval(task, model=mock(f"<answer>**{truth}**</answer>"), solver=solver)
    assert answers(log) == [truth if read else None]


def test_self_conditioning_reads_unlogged_shown_turns_with_its_parser() -> None:
    truths = [5, 9]

    def record(turn: int, text: str) -> TurnRecord:
        answer = parse_answer(text, "lenient")
        return TurnRecord(
            turn=turn, prompt="", reply=text, answer=answer, shown=text, stop_reason="stop"
        )

    # turn 1 shows **6** (one too high); turn 2 answers 10 = 6 + 4, right given what it saw
    records = [record(1, "<answer>**6**</answer>"), record(2, "<answer>10</answer>")]
    paper_shown, _ = conditioned_correctness(records, {}, truths)
    lenient = answer_parser("lenient")
    lenient_shown, true = conditioned_correctness(records, {}, truths, lenient)
    assert paper_shown.tolist() == [0.0, 0.0]  # paper: nothing readable shown, 10 != 0 + 4
    assert lenient_shown.tolist() == [0.0, 1.0]  # lenient: 6 shown, 10 == 6 + 4
    assert true.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="parsing must be one of"):
        self_conditioning_scorer("strict")  # type: ignore[arg-type]
