"""Every record a solver keeps reads back whole from a written log, through one reader.

A log leaves out None and default values, so a record that needs one of them to validate
would only fail once read from disk; these tests read the file, not the run's memory.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.log import EvalSample, read_eval_log
from inspect_ai.model import ModelOutput, ModelUsage, get_model

from long_horizon_execution.core import (
    ParsedAnswer,
    ReasoningLog,
    ReplyReasoning,
    RewriteLog,
    SampleRecord,
    ShownTurn,
    TurnLog,
    TurnRecord,
    VoteLog,
    VoteRecord,
)
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.list_edits import list_edits
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.solvers import multi_turn_voting


def reply(text: str) -> ModelOutput:
    output = ModelOutput.from_content("mockllm/model", text)
    output.usage = ModelUsage(input_tokens=5, output_tokens=3, total_tokens=8)
    return output


def from_disk(log: Any) -> EvalSample:
    """The first sample as the log file holds it."""
    samples = read_eval_log(log.location).samples
    assert samples
    return samples[0]


def same_record(kind: type[SampleRecord], memory: EvalSample, disk: EvalSample) -> Any:
    """The record read from disk, after checking it equals the one the run kept."""
    written, read = kind.of_sample(memory), kind.of_sample(disk)
    assert read.model_dump() == written.model_dump()
    return read


def test_votes_and_turns_read_back_from_the_log(run_eval: Any) -> None:
    task = horizon(samples=1, turns=2, k=1)
    truth = [int(value) for value in next(iter(task.dataset)).target]
    # Turn 1: no vote holds an answer, so the call has no winner (a None the log drops).
    outputs = [reply("no idea")] * 3
    outputs += [reply(f"<answer>{truth[1]}</answer>")] * 3
    model = get_model("mockllm/model", custom_outputs=outputs)
    solver = multi_turn_voting(votes=3, unanswered="count")
    log = run_eval(task, model=model, solver=solver)
    memory, disk = log.samples[0], from_disk(log)

    votes = same_record(VoteLog, memory, disk)
    assert all(isinstance(record, VoteRecord) for record in votes.records)
    assert votes.records[0] == VoteRecord(call=1, votes=[None, None, None])
    assert votes.records[0].winner is None and votes.records[0].tie is False
    assert votes.records[1].winner == truth[1]
    assert votes.unanswered == 1

    turns = same_record(TurnLog, memory, disk)
    assert all(isinstance(record, TurnRecord) for record in turns.turns)
    assert turns.turns[0].answer == ParsedAnswer(status="no_answer")
    assert turns.turns[1].usage is not None and turns.turns[1].usage.input_tokens == 5
    assert turns.ended == "completed"


def test_rewrites_and_reasoning_read_back_from_the_log(run_eval: Any) -> None:
    task = self_conditioning(samples=1, target_turn=3, rates=[0.0, 1.0])
    log = run_eval(task, model="simulated/executor", model_args={"p": 1.0})
    for memory, disk in zip(log.samples, read_eval_log(log.location).samples or [], strict=True):
        rewrites = same_record(RewriteLog, memory, disk)
        assert rewrites.turns and all(isinstance(entry, ShownTurn) for entry in rewrites.turns)
        assert all(entry.synthetic for entry in rewrites.turns[:2])
        same_record(TurnLog, memory, disk)
        reasoning = same_record(ReasoningLog, memory, disk)
        assert reasoning.replies and reasoning.model == "simulated/executor"
        assert all(isinstance(entry, ReplyReasoning) for entry in reasoning.replies)


def test_a_bad_stored_record_is_refused_when_read_not_on_first_use(run_eval: Any) -> None:
    log = run_eval(horizon(samples=1, turns=1), model="simulated/executor")
    sample = from_disk(log)
    key = next(name for name in sample.store if name.startswith("TurnLog:") and "turns" in name)
    sample.store[key] = [{"turn": "first"}]
    try:
        TurnLog.of_sample(sample)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        assert "turn" in str(error)
    else:
        raise AssertionError("a malformed turn record was accepted")


def test_answers_of_any_kind_read_back_from_the_log(run_eval: Any) -> None:
    task = list_edits(samples=1, turns=2, votes=3, error_rate=0.5)
    replies = ["<answer>olive, lemon</answer>"] * 6
    log = run_eval(
        task, model=get_model("mockllm/model", custom_outputs=[reply(r) for r in replies])
    )
    memory, disk = log.samples[0], from_disk(log)
    turns = same_record(TurnLog, memory, disk)
    assert turns.turns[0].answer == ParsedAnswer.of(["olive", "lemon"], "olive, lemon")
    votes = same_record(VoteLog, memory, disk)
    assert votes.records[0].votes == [["olive", "lemon"]] * 3
    assert votes.records[0].winner == ["olive", "lemon"]
    shown = same_record(RewriteLog, memory, disk)
    assert all(isinstance(entry.truth, list) for entry in shown.turns)
