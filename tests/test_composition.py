"""The generic layer on answers that are not integers: a parser of the caller's, voting by a
key of the caller's, and voting, the sliding window and history rewriting composed."""

from __future__ import annotations

from typing import Any

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.event import ModelEvent
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.solver import TaskState

from long_horizon_execution.core import (
    ParsedAnswer,
    RewriteLog,
    ShownTurn,
    TurnLog,
    TurnRecord,
    VoteLog,
    first_tag_content,
)
from long_horizon_execution.solvers import (
    multi_turn,
    multi_turn_voting,
    rewritten_history,
    voting,
    windowed,
)


def read_list(reply: str) -> ParsedAnswer:
    """A list answer: the items of the first answer tag, comma-separated."""
    content = first_tag_content(reply)
    if content is None:
        return ParsedAnswer(status="no_answer")
    items = [item.strip() for item in content.split(",") if item.strip()]
    return ParsedAnswer.of(items, content) if items else ParsedAnswer(status="invalid")


def as_set(answer: ParsedAnswer) -> frozenset[str] | None:
    """A key that ignores order."""
    return frozenset(answer.data) if isinstance(answer.data, list) else None  # type: ignore[arg-type]


def reply(text: str) -> ModelOutput:
    output = ModelOutput.from_content("mockllm/model", text)
    output.usage = ModelUsage(input_tokens=5, output_tokens=3, total_tokens=8)
    return output


def list_task(turns: int) -> Task:
    return Task(
        dataset=MemoryDataset(
            [
                Sample(
                    id="s",
                    input="Keep the list.",
                    metadata={"turns": [f"add w{t}" for t in range(turns)]},
                )
            ]
        )
    )


def run(task: Task, outputs: list[str], solver: Any, tmp_path: Any) -> Any:
    model = get_model("mockllm/model", custom_outputs=[reply(text) for text in outputs])
    return eval(task, model=model, solver=solver, display="none", log_dir=str(tmp_path))[0]


def test_votes_on_list_answers_by_the_callers_key(tmp_path: Any) -> None:
    outputs = ["<answer>a, b</answer>", "<answer>b,a</answer>", "<answer>c</answer>"]
    solver = multi_turn_voting(votes=3, parser=read_list, key=as_set)
    log = run(list_task(1), outputs, solver, tmp_path)
    assert log.status == "success", log.error
    sample = log.samples[0]
    record = VoteLog.of_sample(sample).records[0]
    assert record.votes == [["a", "b"], ["b", "a"], ["c"]]
    assert record.winner in (["a", "b"], ["b", "a"]) and not record.tie
    turn = TurnLog.of_sample(sample).turns[0]
    assert turn.answer.status == "value" and set(turn.answer.data) == {"a", "b"}  # type: ignore[arg-type]


def test_a_call_no_vote_answers_fails_the_sample_unless_allowed(tmp_path: Any) -> None:
    outputs = ["no tag"] * 3
    failed = run(list_task(1), outputs, multi_turn_voting(votes=3, parser=read_list), tmp_path)
    assert failed.status == "error" or failed.samples[0].error is not None
    error = failed.error or failed.samples[0].error
    assert error is not None and "none of the 3 votes yielded a key" in error.message

    counted = multi_turn_voting(votes=3, parser=read_list, unanswered="count")
    log = run(list_task(1), outputs, counted, tmp_path / "counted")
    assert log.status == "success", log.error
    votes = VoteLog.of_sample(log.samples[0])
    assert votes.unanswered == 1 and votes.records[0].winner is None


def test_unknown_unanswered_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="unanswered must be one of error, count"):
        voting(multi_turn(), unanswered="ignore")  # type: ignore[arg-type]


class Healed:
    """A rewrite rule for list answers: later turns see the true list, not the reply."""

    def __call__(self, state: TaskState, turn: int, record: TurnRecord | None) -> ShownTurn:
        truth = [f"w{t}" for t in range(turn)]
        return ShownTurn(
            turn=turn,
            shown=f"<answer>{', '.join(truth)}</answer>",
            synthetic=record is None,
            value=truth,
            truth=truth,
        )


def test_voting_and_the_window_wrap_the_rewriting_loop(tmp_path: Any) -> None:
    loop = rewritten_history(Healed(), synthetic_before=2, parser=read_list, history="full")
    solver = windowed(voting(loop, votes=3, parser=read_list, key=as_set), window=1)
    # Turn 1 is written by the rule; turns 2 and 3 are voted (3 replies each).
    outputs = ["<answer>w0, w1</answer>"] * 3 + ["<answer>w9</answer>"] * 3
    log = run(list_task(3), outputs, solver, tmp_path)
    assert log.status == "success", log.error
    sample = log.samples[0]
    assert [entry.turn for entry in RewriteLog.of_sample(sample).turns] == [1, 2, 3]
    assert len(VoteLog.of_sample(sample).records) == 2
    turns = TurnLog.of_sample(sample).turns
    assert [t.turn for t in turns] == [2, 3]
    assert not turns[0].rewritten and turns[1].rewritten  # turn 2 was right as written
    assert turns[1].answer.data == ["w9"]  # the raw reply is kept; later turns see the rule's
    calls = [event for event in sample.events if isinstance(event, ModelEvent)]
    assert len(calls) == 6
    last_input = [message.text for message in calls[-1].input]
    # The window keeps one earlier turn (turn 2), not the first.
    assert "<answer>w0, w1</answer>" in last_input and "add w0" not in last_input
