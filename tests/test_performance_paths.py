"""The fast paths compute exactly what the plain definitions compute (no timings here)."""

from __future__ import annotations

import hashlib
import json
import math
import random
import zipfile
from functools import cached_property
from typing import Any

import numpy as np
import pytest
from inspect_ai import Task
from inspect_ai.dataset import Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.solver import use_tools
from inspect_ai.tool import Tool, ToolChoice, ToolInfo, tool

from long_horizon_execution.core import TurnLog, TurnRecord, parse_answer
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.in_process import InProcessModelAPI
from long_horizon_execution.evals.prompts import system_prompt
from long_horizon_execution.evals.simulated import SimulatedExecutor, _conversation_rng
from long_horizon_execution.evals.simulated_reading import read_conversation
from long_horizon_execution.scorers.correctness import TurnCorrectness
from long_horizon_execution.scorers.execution import ExecutionMatrices, summarise
from long_horizon_execution.scorers.metrics import (
    _matrix_horizons,
    bootstrap_horizons,
    horizon_estimate,
    horizon_estimates,
    resample_weights,
    survival_events,
)
from long_horizon_execution.scorers.survival import cumulative_steps, settle_failures, stack
from long_horizon_execution.solvers.turn_loop import multi_turn

THRESHOLDS = (0.0, 0.3, 0.5, 0.8, 0.95, 1.0)


def survival_matrix(rng: np.random.Generator, censor: bool) -> np.ndarray:
    """Settled binary task rows (1s then 0s), live ones optionally cut short by NaN."""
    samples, turns = int(rng.integers(1, 25)), int(rng.integers(1, 50))
    task = np.logical_and.accumulate(
        rng.random((samples, turns)) < rng.uniform(0.7, 1.0), axis=1
    ).astype(np.float64)
    if censor:
        observed = rng.integers(0, turns + 1, size=samples)
        task[np.arange(turns) >= observed[:, None]] = np.nan
    return settle_failures(task)


@pytest.mark.parametrize("censor", [False, True])
def test_event_path_equals_the_general_path(censor: bool) -> None:
    rng = np.random.default_rng(7 + censor)
    for trial in range(120):
        task = survival_matrix(rng, censor)
        assert survival_events(task) is not None
        steps = cumulative_steps(task.shape[1], 3, task.shape[1] * 3 - 1)
        weights = resample_weights(task.shape[0], 150, trial)
        for threshold in THRESHOLDS:
            fast = bootstrap_horizons(task, steps, threshold, 150, trial)
            general = _matrix_horizons(weights, task, steps, threshold)
            assert np.array_equal(fast, general), (trial, threshold)


def test_rows_that_are_not_binary_survival_take_the_general_path() -> None:
    assert survival_events(np.array([[1.0, 0.5, 0.0]])) is None  # averaged epochs
    assert survival_events(np.array([[1.0, 0.0, 1.0]])) is None  # not a prefix
    assert survival_events(np.array([[1.0, np.nan, 1.0]])) is None  # a gap, not a cut
    events = survival_events(np.array([[1.0, 1.0, 0.0], [1.0, np.nan, np.nan], [1, 1, 1]]))
    assert events is not None and events.censored
    assert events.first_failure.tolist() == [2, 1, 3]
    assert events.observed.tolist() == [3, 1, 3]
    averaged = np.array([[1.0, 0.5, 0.5, 0.0], [1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 0.0]])
    steps = cumulative_steps(4, 1)
    general = _matrix_horizons(resample_weights(3, 200, 0), averaged, steps, 0.5)
    assert np.array_equal(bootstrap_horizons(averaged, steps, 0.5, 200, 0), general)


def test_thresholds_together_equal_thresholds_one_by_one() -> None:
    rng = np.random.default_rng(3)
    for censor in (False, True):
        task = survival_matrix(rng, censor)
        steps = cumulative_steps(task.shape[1], 2)
        together = horizon_estimates(task, steps, [0.5, 0.8], resamples=300, seed=5)
        alone = [horizon_estimate(task, steps, s, resamples=300, seed=5) for s in (0.5, 0.8)]
        assert together == alone


def test_stack_of_equal_rows_matches_padding() -> None:
    rows = [np.array([1.0, 0.0, np.nan]), np.array([1.0, 1.0, 1.0])]
    assert np.array_equal(stack(rows), np.array(rows), equal_nan=True)
    ragged = stack([np.array([1.0]), np.array([0.0, 1.0])])
    assert np.array_equal(ragged, np.array([[1.0, np.nan], [0.0, 1.0]]), equal_nan=True)


def test_turn_accuracy_with_and_without_unobserved_turns() -> None:
    full = TurnCorrectness(index=np.ones(4), task=np.ones(4), turn=np.array([1.0, 0.0, 1.0, 1.0]))
    cut = TurnCorrectness(
        index=np.array([1.0, np.nan, np.nan, np.nan]),
        task=np.array([1.0, np.nan, np.nan, np.nan]),
        turn=np.array([0.0, np.nan, np.nan, np.nan]),
    )
    assert summarise(ExecutionMatrices([full], 1, None))["turn_accuracy"] == 0.75
    assert summarise(ExecutionMatrices([full, cut], 1, None))["turn_accuracy"] == 0.6


def message_by_message_rng(seed: int, messages: list[ChatMessage], salt: str) -> random.Random:
    """The reply seed as first defined: the hash updated with each role and text."""
    digest = hashlib.sha256((str(seed) + salt).encode())
    for message in messages:
        digest.update(message.role.encode())
        digest.update(message.text.encode())
    return random.Random(digest.digest())


def test_memoised_reading_equals_a_fresh_parse() -> None:
    dictionary = {"alarm": 88, "coach": -31, "doubt": -64}
    replies = ["<answer>88</answer>", "The total is 57.", "<answer>5?</answer>", "<answer>-7"]
    messages: list[ChatMessage] = [ChatMessageSystem(content=system_prompt(dictionary, 2, "cot"))]
    for turn, reply in enumerate(replies * 2):
        messages.append(ChatMessageUser(content=f"alarm, {list(dictionary)[turn % 3]}"))
        messages.append(ChatMessageAssistant(content=reply))
    messages.append(ChatMessageUser(content="doubt"))
    for _ in range(2):  # the second read comes from the memo
        conversation = read_conversation(messages)
        assert conversation.dictionary == dictionary
        assert conversation.turns[-1] == ["doubt"] and conversation.turns[0] == ["alarm", "alarm"]
        assert conversation.shown_answers == [parse_answer(r).value for r in replies * 2]
        assert conversation.cot
    for salt in ("", "/capacity"):
        ours = _conversation_rng(4, messages, salt)
        assert ours.random() == message_by_message_rng(4, messages, salt).random()


REQUESTS: list[list[str]] = []
"""Every request the recording model received, each message as JSON without its id."""


@modelapi(name="recording")
class RecordingExecutor(InProcessModelAPI):
    """The simulated executor, keeping every request exactly as the provider receives it."""

    @cached_property
    def inner(self) -> ModelAPI:
        return SimulatedExecutor(self.model_name, p=1.0)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        REQUESTS.append([m.model_dump_json(exclude={"id"}) for m in input])
        output: ModelOutput = await self.inner.generate(input, tools, tool_choice, config)
        return output


@pytest.mark.parametrize("mode", ["plain", "cot", "thinking"])
def test_each_request_extends_the_previous_one(run_eval: Any, mode: str) -> None:
    """Under the default history policy turn t's request starts with turn t-1's request,
    message for message, so a provider's prefix cache serves all of it."""
    REQUESTS.clear()
    run_eval(horizon(samples=1, turns=6, k=2, mode=mode), model="recording/x")
    requests = REQUESTS
    assert len(requests) == 6
    for before, after in zip(requests, requests[1:], strict=False):
        assert after[: len(before)] == before
        assert len(after) == len(before) + 2  # the reply as shown, then the new turn


def test_cached_input_share_is_read_from_usage(run_eval: Any) -> None:
    # Inspect's input_tokens excludes cache reads and writes: the total adds them back
    reply = ModelOutput.from_content("mockllm", "<answer>88</answer>")
    reply.usage = ModelUsage(
        input_tokens=100,
        input_tokens_cache_read=300,
        input_tokens_cache_write=20,
        output_tokens=5,
        total_tokens=425,
    )
    log = run_eval(
        horizon(samples=2, turns=2),
        model="mockllm/model",
        model_args={"custom_outputs": [reply] * 4},
    )
    for sample in log.samples:
        meta = sample.scores["execution_scorer"].metadata
        assert meta["input_tokens"] == 2 * 420 and meta["cached_input_tokens"] == 2 * 300
    share = log.results.scores[0].metrics["cached_input_share"].value
    assert share == pytest.approx(300 / 420)


def test_cached_input_share_is_nan_without_usage_and_zero_without_cache(run_eval: Any) -> None:
    assert math.isnan(ExecutionMatrices([], 1, None).cached_input_share())
    log = run_eval(horizon(samples=2, turns=3), model_args={"p": 1.0})
    assert log.results.scores[0].metrics["cached_input_share"].value == 0.0


def test_each_logged_request_is_one_range_of_the_message_pool(run_eval: Any) -> None:
    """Messages carry their turn, so texts that repeat (3 words, K = 1) stay distinct in
    Inspect's message pool and each request is stored as one range, not one per repeat
    (which made logs and memory grow with the square of the turns)."""
    log = run_eval(horizon(samples=1, turns=40, dict_size=3), model_args={"p": 1.0})
    turns = [(m.metadata or {}).get("turn") for m in log.samples[0].messages[1:]]
    assert turns == [n for n in range(1, 41) for _ in range(2)]
    with zipfile.ZipFile(log.location) as archive:
        stored = json.loads(archive.read("samples/0_epoch_1.json"))
    requests = [e["input_refs"] for e in stored["events"] if e["event"] == "model"]
    assert len(requests) == 40
    assert all(refs == [[0, 2 * n]] for n, refs in enumerate(requests, start=1))


def test_turn_messages_are_named_by_sample_turn_and_role(run_eval: Any) -> None:
    """Deterministic ids: a log repeats each message far apart, and a random id was paid
    for again in every copy. Ids stay unique across samples and epochs."""
    log = run_eval(horizon(samples=2, turns=5, dict_size=3), model_args={"p": 1.0}, epochs=2)
    ids = [m.id for sample in log.samples for m in sample.messages[1:]]
    assert len(set(ids)) == len(ids) == 4 * 10
    for sample in log.samples:
        for message in sample.messages[1:]:
            turn = (message.metadata or {})["turn"]
            assert message.id == f"{sample.uuid}-{turn}-{message.role}"


def test_turn_records_are_stored_compactly_and_read_back_whole(run_eval: Any) -> None:
    log = run_eval(horizon(samples=1, turns=4, history="full"), model_args={"p": 1.0})
    with zipfile.ZipFile(log.location) as archive:
        stored = json.loads(archive.read("samples/0_epoch_1.json"))["store"]["TurnLog:turns"]
    assert [sorted(r) for r in stored] == [
        ["answer", "keys", "reply", "stop_reason", "turn", "usage"]
    ] * 4
    records = TurnLog.of_sample(log.samples[0]).turns
    assert [r.turn for r in records] == [1, 2, 3, 4]
    assert all(r.shown == r.reply and not r.rewritten and r.prompt is None for r in records)


def test_a_compact_record_keeps_what_differs_from_its_defaults_and_copies() -> None:
    answer = parse_answer("<answer>7</answer>")
    plain = TurnRecord(turn=3, prompt="x", reply="so <answer>7</answer>", answer=answer,
                       stop_reason="stop")  # fmt: skip
    assert plain.shown == plain.reply
    assert set(plain.model_dump()) == {"turn", "prompt", "reply", "answer", "stop_reason"}
    changed = plain.model_copy(update={"shown": "<answer>7</answer>", "rewritten": True})
    assert (
        changed.model_dump()["shown"] == "<answer>7</answer>" and changed.model_dump()["rewritten"]
    )
    for record in (plain, changed):
        assert TurnRecord.model_validate(record.model_dump()) == record
        assert TurnRecord.model_validate_json(record.model_dump_json()) == record


@tool
def unused() -> Tool:
    async def execute() -> str:
        """A tool offered but never called."""
        return ""

    return execute


def test_a_reply_keeps_the_providers_id_when_the_turn_offered_tools(run_eval: Any) -> None:
    """Providers may key server-side tool state by a reply's id (Anthropic does)."""
    replies = []
    for n in range(3):
        reply = ModelOutput.from_content("mockllm", f"<answer>{n}</answer>")
        reply.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        replies.append(reply)
    generated = [r.message.id for r in replies]
    task = Task(
        dataset=[Sample(input="", metadata={"turns": ["a", "b", "c"]})],
        solver=[use_tools(unused()), multi_turn()],
    )
    log = run_eval(task, model="mockllm/model", model_args={"custom_outputs": replies})
    sample = log.samples[0]
    users = [m for m in sample.messages if m.role == "user"][1:]
    assistants = [m for m in sample.messages if m.role == "assistant"]
    assert [m.id for m in users] == [f"{sample.uuid}-{n}-user" for n in (1, 2, 3)]
    assert [m.id for m in assistants] == generated and None not in generated
