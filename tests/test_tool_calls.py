"""Replies a turn cannot use: tool calls nobody offered, no choices, refusals, and the like.

Every run goes through Inspect's real ``openai-api`` provider to the fake server, which,
like OpenAI's endpoint, refuses a conversation whose tool calls are not answered. Whatever
the server returns, each turn makes exactly one request (``votes`` when voting), the run
completes with every sample logged, and no later request carries the unanswered calls.
A reply's visible text is read like any other: tool calls alone are no answer, and an
answer written beside tool calls counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_openai_server import (
    Action,
    FakeOpenAIServer,
    RequestInfo,
    ServedRequest,
    serving,
    tool_history_error,
)
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog, EvalSample
from inspect_ai.model import ChatMessageAssistant, ModelOutput, ModelUsage
from inspect_ai.solver import use_tools
from inspect_ai.tool import Tool, tool
from inspect_ai.util import Store

from long_horizon_execution.core import TurnLog, TurnRecord, VoteLog
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.simulated_behaviour import SimulatedBehaviour
from long_horizon_execution.evals.single_turn import single_turn
from long_horizon_execution.solvers.turn_loop import multi_turn
from tests.score_reading import per_turn_flat

MODEL = "openai-api/fake/executor"
BEHAVIOUR = SimulatedBehaviour(p=1.0, seed=3)
"""Always right, so every turn not given a fault is scored correct."""


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with serving(BEHAVIOUR) as running:
        yield running


@pytest.fixture
def fresh(server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    server.reset()
    server.set_plan(None)
    yield server
    server.set_plan(None)


def run(task: Task, log_dir: Path, **kwargs: Any) -> EvalLog:
    """Run through the fake server; any sample error fails the run (Inspect's default).
    The message limit turns a loop that asks again and again into a failure, not a hang."""
    options: dict[str, Any] = {
        "model_args": {"client_timeout": 5.0},
        "max_retries": 1,
        "message_limit": 100,
    }
    log = eval(task, model=MODEL, display="none", log_dir=str(log_dir), **options, **kwargs)[0]
    assert log.status == "success", log.error
    for sample in log.samples or []:
        assert sample.error is None, sample.error
    return log


def assert_history_clean(served: list[ServedRequest]) -> None:
    """Every request was answered and none replays a tool call or a tool message."""
    for request in served:
        assert request.action.status == 200, request.action.error_message
        for message in request.body["messages"]:
            assert message["role"] != "tool"
            assert not message.get("tool_calls"), message


def records(sample: EvalSample) -> list[TurnRecord]:
    return TurnLog.of_sample(sample).turns


def correctness(sample: EvalSample, kind: str) -> list[float]:
    """Per-turn ``index`` or ``turn`` correctness of a horizon or single-turn sample (turn
    correct: the previous integer answer plus this turn's keys)."""
    assert sample.scores is not None
    flat = per_turn_flat(next(iter(sample.scores.values())))
    turns = len(flat) // 3
    start = {"index": 0, "turn": 2 * turns}[kind]
    return flat[start : start + turns]


# --- tool calls -------------------------------------------------------------------------

TOOL_REPLIES = {
    # name: (the reply, whether its visible text holds the answer)
    "text and a call": (
        Action(content="Let me look that up.", tool_calls=("lookup",), finish_reason="tool_calls"),
        False,
    ),
    "two calls, content null": (
        Action(null_content=True, tool_calls=("lookup", "add"), finish_reason="tool_calls"),
        False,
    ),
    "a call, content empty": (
        Action(content="", tool_calls=("lookup",), finish_reason="tool_calls"),
        False,
    ),
    "an answer and a call": (Action(tool_calls=("lookup",), finish_reason="tool_calls"), True),
    "an answer and a call, finish stop": (Action(tool_calls=("lookup",)), True),
    "finish tool_calls without calls": (Action(finish_reason="tool_calls"), True),
    "500 calls": (Action(null_content=True, tool_calls=("lookup",) * 500), False),
    "a call with an answer tag as malformed arguments": (
        Action(null_content=True, tool_calls=("submit",), tool_arguments="<answer>5</answer>"),
        False,
    ),
}


def by_odd_turn(actions: list[Action]) -> Any:
    """Turn 2i + 1 gets ``actions[i]``; even turns are answered normally."""

    def plan(info: RequestInfo) -> Action | None:
        return actions[info.turn // 2] if info.turn % 2 == 1 else None

    return plan


def run_at_odd_turns(
    server: FakeOpenAIServer, actions: list[Action], log_dir: Path
) -> tuple[EvalLog, int]:
    """Two horizon samples with ``actions[i]`` at turn 2i + 1 and a normal turn after
    each; checks the request count and the history every request carried."""
    server.set_plan(by_odd_turn(actions))
    turns = 2 * len(actions)
    log = run(horizon(samples=2, turns=turns), log_dir)
    assert server.requests == 2 * turns
    assert_history_clean(server.served)
    assert log.samples is not None and len(log.samples) == 2
    return log, turns


def test_horizon_turns_with_tool_calls_are_one_request_each_read_by_their_text(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    """Each kind of tool-call reply at its own odd turn, a normal turn after each."""
    replies = list(TOOL_REPLIES.values())
    log, turns = run_at_odd_turns(fresh, [action for action, _ in replies], tmp_path)
    assert log.samples is not None
    for sample in log.samples:
        kept = records(sample)
        assert [r.turn for r in kept] == list(range(1, turns + 1))
        assert TurnLog.of_sample(sample).ended == "completed"
        shown = [m.text for m in sample.messages if isinstance(m, ChatMessageAssistant)]
        turn_correct = correctness(sample, "turn")
        for index, (action, answered) in enumerate(replies):
            at, after = kept[2 * index], kept[2 * index + 1]
            assert at.tool_calls == len(action.tool_calls)
            assert at.answer.status == ("int" if answered else "no_answer")
            # the paper's history shows "No Answer" for a reply without an answer
            assert (shown[2 * index] == "No Answer") is not answered
            assert turn_correct[2 * index] == float(answered)
            assert after.tool_calls == 0 and turn_correct[2 * index + 1] == 1.0
        # the logged model events keep the raw reply, calls included
        outputs = [e.output for e in sample.events if e.event == "model"]
        assert len(outputs) == turns
        calls = outputs[0].message.tool_calls
        assert calls is not None and [c.function for c in calls] == ["lookup"]
        assert outputs[0].message.text == "Let me look that up."


def test_voting_makes_votes_requests_per_turn_whatever_the_replies(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    """Odd turns: every vote answers and calls a tool, so the winner carries calls. Even
    turns: the first vote only calls a tool and is outvoted."""
    with_answer = Action(tool_calls=("lookup",), finish_reason="tool_calls")
    only_calls = Action(null_content=True, tool_calls=("lookup",), finish_reason="tool_calls")

    def plan(info: RequestInfo) -> Action | None:
        if info.turn % 2 == 1:
            return with_answer
        return only_calls if info.attempt == 1 else None

    fresh.set_plan(plan)
    log = run(horizon(samples=2, turns=4, votes=3), tmp_path)
    assert fresh.requests == 2 * 4 * 3
    assert_history_clean(fresh.served)
    assert log.samples is not None and len(log.samples) == 2
    for sample in log.samples:
        turns = records(sample)
        assert [r.tool_calls for r in turns] == [1, 0, 1, 0]
        assert correctness(sample, "index") == [1.0] * 4
        votes = VoteLog(store=Store(sample.store)).records
        assert [v.votes.count(None) for v in votes] == [0, 1, 0, 1]


def test_voting_on_replies_that_only_call_tools_records_no_answer(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    fresh.set_plan(lambda info: Action(null_content=True, tool_calls=("lookup",)))
    log = run(horizon(samples=1, turns=3, votes=3), tmp_path)
    assert fresh.requests == 3 * 3
    assert_history_clean(fresh.served)
    assert log.samples is not None
    turns = records(log.samples[0])
    assert [r.answer.status for r in turns] == ["no_answer"] * 3
    assert correctness(log.samples[0], "turn") == [0.0] * 3


def test_a_sliding_window_keeps_whole_turns_after_tool_calls(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    """No tool messages enter the history, so the window's (user, reply) pairs stay whole."""
    fresh.set_plan(lambda info: Action(null_content=True, tool_calls=("lookup",)))
    log = run(horizon(samples=1, turns=5, window=1), tmp_path)
    assert fresh.requests == 5
    assert_history_clean(fresh.served)
    roles = [[m["role"] for m in s.body["messages"]] for s in fresh.served]
    assert roles[-1] == ["system", "user", "assistant", "user"]
    assert log.samples is not None
    assert [r.tool_calls for r in records(log.samples[0])] == [1] * 5


@pytest.mark.parametrize("protocol", ["full", "target"])
def test_self_conditioning_turns_with_tool_calls_are_one_request_each(
    fresh: FakeOpenAIServer, tmp_path: Path, protocol: str
) -> None:
    fresh.set_plan(lambda info: Action(null_content=True, tool_calls=("lookup",)))
    task = self_conditioning(samples=1, rates=[0.0, 1.0], target_turn=3, protocol=protocol)
    log = run(task, tmp_path)
    generated = 3 if protocol == "full" else 1
    assert fresh.requests == 2 * generated
    assert_history_clean(fresh.served)
    assert log.samples is not None and len(log.samples) == 2
    for sample in log.samples:
        turns = records(sample)
        assert [r.tool_calls for r in turns] == [1] * generated
        assert [r.answer.status for r in turns] == ["no_answer"] * generated
        assert sample.scores is not None
        value = sample.scores["self_conditioning_scorer"].value
        assert isinstance(value, dict)
        assert value["target_shown"] == 0.0 and value["target_true"] == 0.0


@pytest.mark.parametrize("answered", [False, True])
def test_single_turn_reply_with_tool_calls_is_one_request(
    fresh: FakeOpenAIServer, tmp_path: Path, answered: bool
) -> None:
    action = Action(null_content=not answered, tool_calls=("lookup",), finish_reason="tool_calls")
    fresh.set_plan(lambda info: action)
    log = run(single_turn(samples=2, steps=4, k=2), tmp_path)
    assert fresh.requests == 2
    assert log.samples is not None and len(log.samples) == 2
    for sample in log.samples:
        assert correctness(sample, "index") == [float(answered)] * 2
        reply = sample.messages[-1]
        assert isinstance(reply, ChatMessageAssistant) and not reply.tool_calls


@tool
def counted() -> Tool:
    async def execute() -> str:
        """A tool that must never run."""
        RAN.append(1)
        return ""

    return execute


RAN: list[int] = []


def test_an_offered_tool_is_never_run_and_each_turn_is_one_request(run_eval: Any) -> None:
    """With tools offered the loop still asks once per turn; the call is recorded only."""
    RAN.clear()
    outputs = []
    for _ in range(6):
        output = ModelOutput.for_tool_call("mockllm/model", "counted", {})
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        outputs.append(output)
    task = Task(
        dataset=[Sample(input="", metadata={"turns": ["a", "b", "c"]})],
        solver=[use_tools(counted()), multi_turn()],
    )
    log = run_eval(task, model="mockllm/model", model_args={"custom_outputs": outputs})
    sample = log.samples[0]
    assert RAN == []
    assert [e.event for e in sample.events].count("model") == 3
    assert [r.tool_calls for r in records(sample)] == [1, 1, 1]
    assert not [m for m in sample.messages if m.role == "tool"]
    assert all(not m.tool_calls for m in sample.messages if isinstance(m, ChatMessageAssistant))


# --- other replies a turn cannot use ----------------------------------------------------

HUGE = 1_000_000
"""Characters in the enormous reply."""

HOSTILE = {
    # name: (the reply, its recorded stop reason, its answer status)
    "no choices": (Action(no_choices=True), "unknown", "no_answer"),
    "content null": (Action(null_content=True), "stop", "no_answer"),
    "refusal": (Action(null_content=True, refusal="I can't help with that."), "stop", "no_answer"),
    "content filter, empty": (
        Action(content="", finish_reason="content_filter"),
        "content_filter",
        "no_answer",
    ),
    "finish null": (Action(content="<answer>1</answer>", finish_reason=None), "unknown", "int"),
    "finish unknown": (
        Action(content="<answer>1</answer>", finish_reason="banana"),
        "unknown",
        "int",
    ),
    "reasoning only, content null": (
        Action(null_content=True, reasoning="I should add them up."),
        "stop",
        "no_answer",
    ),
    "enormous reply": (Action(content="9" * HUGE), "stop", "no_answer"),
}


def test_hostile_replies_take_one_request_a_turn_and_the_run_completes(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    """Each hostile reply at its own odd turn, a normal turn after each."""
    replies = list(HOSTILE.values())
    log, turns = run_at_odd_turns(fresh, [action for action, _, _ in replies], tmp_path)
    assert log.samples is not None
    for sample in log.samples:
        kept = records(sample)
        assert TurnLog.of_sample(sample).ended == "completed"
        assert len(kept) == turns
        for index, (_, stop_reason, status) in enumerate(replies):
            assert (kept[2 * index].stop_reason, kept[2 * index].answer.status) == (
                stop_reason,
                status,
            )
            assert kept[2 * index + 1].answer.status == "int"
    # the history shows "No Answer", never the enormous reply
    assert max(len(str(s.body)) for s in fresh.served) < HUGE // 10


def test_a_cut_reply_without_text_ends_the_sample_after_one_request(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    fresh.set_plan(lambda info: Action(content="", finish_reason="length"))
    log = run(horizon(samples=2, turns=4), tmp_path)
    assert fresh.requests == 2
    assert log.samples is not None and len(log.samples) == 2
    for sample in log.samples:
        assert TurnLog.of_sample(sample).ended == "reply_cut"
        kept = records(sample)
        assert [(r.stop_reason, r.answer.status) for r in kept] == [("max_tokens", "no_answer")]


def test_voting_survives_a_vote_without_choices(fresh: FakeOpenAIServer, tmp_path: Path) -> None:
    fresh.set_plan(lambda info: Action(no_choices=True) if info.attempt == 2 else None)
    log = run(horizon(samples=1, turns=3, votes=3), tmp_path)
    assert fresh.requests == 3 * 3
    assert log.samples is not None
    assert correctness(log.samples[0], "index") == [1.0] * 3


# --- the fake server refuses what OpenAI refuses ----------------------------------------


def test_the_fake_server_refuses_unanswered_or_unasked_tool_calls() -> None:
    call = {"id": "call_0", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    asked = {"role": "assistant", "content": None, "tool_calls": [call]}
    answer = {"role": "tool", "tool_call_id": "call_0", "content": ""}
    user = {"role": "user", "content": "next"}
    assert tool_history_error([user, asked, answer, user]) is None
    assert tool_history_error([user, asked]) is None  # the last reply may still be answered
    unanswered = tool_history_error([user, asked, user])
    assert unanswered is not None and "call_0" in unanswered
    assert tool_history_error([user, answer]) is not None


def test_the_fake_server_answers_400_to_a_replayed_tool_call(fresh: FakeOpenAIServer) -> None:
    """The failure the loop avoids: replaying a reply's calls without tool messages."""
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = {
        "model": "executor",
        "messages": [
            {"role": "user", "content": "alarm"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "user", "content": "coach"},
        ],
    }
    response = httpx.post(f"{fresh.base_url}/chat/completions", json=body, timeout=5)
    assert response.status_code == 400
    assert "tool_calls" in response.json()["error"]["message"]
