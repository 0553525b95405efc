"""Faults from a real OpenAI-compatible endpoint: retried, scored, never a lost sample.

Every run goes through Inspect's own ``openai-api`` provider to a local fake server that
answers like the simulated executor, so a run with faults is compared with a clean one.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai_server import Action, FakeOpenAIServer, RequestInfo, serving
from inspect_ai import Task, eval
from inspect_ai.log import EvalLog, EvalSample

from long_horizon_execution.core import TurnLog, format_answer
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.simulated_behaviour import SimulatedBehaviour
from long_horizon_execution.evals.simulated_reading import read_conversation
from tests.score_reading import per_turn_flat

MODEL = "openai-api/fake/executor"
BEHAVIOUR = SimulatedBehaviour(p=0.9, seed=11)
STALL = 2.5
"""Seconds a stalled reply waits: longer than the client's 1 s timeout."""
FAST = {
    # the SDK's own timeout and retries (fast, honouring retry-after-ms), then Inspect's
    "model_args": {"client_timeout": 1.0},
    "max_retries": 6,
    "timeout": 60,
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with serving(BEHAVIOUR) as running:
        yield running


@pytest.fixture
def fresh(server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    server.reset()
    server.set_plan(None)
    server.state.behaviour = BEHAVIOUR
    yield server
    server.set_plan(None)


def run(task: Task, log_dir: Path, **kwargs: Any) -> EvalLog:
    options = {**FAST, **kwargs}
    log = eval(task, model=MODEL, display="none", log_dir=str(log_dir), **options)[0]
    assert log.status == "success", log.error
    for sample in log.samples or []:
        assert sample.error is None, sample.error
    return log


def score_list(sample: EvalSample) -> list[float]:
    """The sample's flat per-turn correctness (index, task, turn)."""
    assert sample.scores is not None
    return per_turn_flat(sample.scores["execution_scorer"])


def score_metadata(sample: EvalSample) -> dict[str, Any]:
    assert sample.scores is not None
    return sample.scores["execution_scorer"].metadata or {}


def values(log: EvalLog) -> dict[Any, str]:
    """Each sample's per-turn correctness, as text so that NaN (unobserved) compares equal."""
    return {s.id: repr(score_list(s)) for s in log.samples or []}


def metrics(log: EvalLog) -> dict[str, float]:
    assert log.results is not None
    return {name: m.value for name, m in log.results.scores[0].metrics.items()}


def same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a
    )


def transient_plan(seed: int, rate: float) -> Any:
    """A seeded share of conversations fails on its first attempt (500, 429 or a stall);
    the first turn-5 conversation fails three times, more than the SDK retries, so
    Inspect's own retry has to recover it."""
    escalated: list[str] = []

    def plan(info: RequestInfo) -> Action | None:
        if info.turn == 5 and (not escalated or escalated[0] == info.digest):
            escalated[:] = [info.digest]
            return Action(status=500) if info.attempt <= 3 else None
        draw = int(hashlib.sha256(f"{seed}/{info.digest}".encode()).hexdigest()[:8], 16)
        if info.attempt > 1 or draw % 1000 >= rate * 1000:
            return None
        return [Action(status=500), Action(status=429), Action(stall=STALL)][draw % 3]

    return plan


def test_transient_faults_are_retried_and_scores_match_a_clean_run(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    task_args: dict[str, Any] = {"samples": 4, "turns": 8, "k": 2}
    clean = run(horizon(**task_args), tmp_path)
    assert fresh.requests == 32
    # the server answers exactly as the in-process simulated executor would
    local = eval(
        horizon(**task_args),
        model="simulated/executor",
        model_args=BEHAVIOUR.model_dump(exclude_none=True),
        display="none",
        log_dir=str(tmp_path),
    )[0]
    assert values(local) == values(clean)

    fresh.reset()
    fresh.set_plan(transient_plan(seed=5, rate=0.4))
    faulty = run(horizon(**task_args), tmp_path)
    served = fresh.served
    kinds = Counter(
        "stall" if s.action.stall else str(s.action.status) for s in served if s.info.attempt == 1
    )
    assert kinds["500"] >= 1 and kinds["429"] >= 1 and kinds["stall"] >= 1, kinds
    assert max(s.info.attempt for s in served) == 4  # past the SDK's retries: Inspect's
    answered = {s.info.digest for s in served if s.action.status == 200 and not s.action.stall}
    assert len(answered) == 32  # every turn answered once the faults passed
    assert values(faulty) == values(clean)
    assert same(metrics(faulty), metrics(clean))
    for sample in faulty.samples or []:
        assert TurnLog.of_sample(sample).ended == "completed"


def true_total(info: RequestInfo) -> int:
    """The running total after this turn, from the conversation itself."""
    conversation = read_conversation(list(info.messages))
    return sum(conversation.dictionary[key] for keys in conversation.turns for key in keys)


def correct(info: RequestInfo) -> str:
    return format_answer(true_total(info))


MALFORMED: dict[int, tuple[Any, str, float]] = {
    # turn: (reply, parsed status, index correctness of the turn)
    2: (lambda info: Action(content=""), "no_answer", 0.0),
    3: (lambda info: Action(content="x" * 2_000_000 + correct(info)), "int", 1.0),
    4: (lambda info: Action(content="<answer>\ufffd\ufffd7</answer>"), "invalid", 0.0),
    5: (lambda info: Action(content="I lost track.", reasoning=correct(info)), "no_answer", 0.0),
    6: (lambda info: Action(content=f"<think>{correct(info)}</think>not sure"), "no_answer", 0.0),
    7: (lambda info: Action(content=f"{correct(info)} or <answer>1</answer>"), "int", 1.0),
    8: (
        lambda info: Action(content=f"{format_answer(true_total(info) + 1)} or {correct(info)}"),
        "int",
        0.0,
    ),
    9: (lambda info: Action(content="<answer>1</answer", finish_reason="stop"), "no_answer", 0.0),
    # non-ASCII text before the tag must not shift where the tag is read
    10: (lambda info: Action(content=f"\u0130\u015fte toplam: {correct(info)}"), "int", 1.0),
}


def test_malformed_replies_are_scored_and_never_crash_a_sample(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    fresh.state.behaviour = SimulatedBehaviour(p=1.0, seed=11)

    def plan(info: RequestInfo) -> Action | None:
        entry = MALFORMED.get(info.turn)
        return None if entry is None else entry[0](info)

    fresh.set_plan(plan)
    log = run(horizon(samples=2, turns=10), tmp_path)
    for sample in log.samples or []:
        record = TurnLog.of_sample(sample)
        assert record.ended == "completed" and len(record.turns) == 10
        index = score_list(sample)[:10]
        for turn, (_, status, expected) in MALFORMED.items():
            assert record.turns[turn - 1].answer.status == status, turn
            assert index[turn - 1] == expected, turn
        assert index[0] == 1.0
        assert len(record.turns[2].reply) > 2_000_000  # the enormous reply kept whole
        task = score_list(sample)[10:20]
        assert task == [1.0] + [0.0] * 9


def test_a_corrupt_response_body_is_recovered_by_retry_on_error(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    """Bytes that are not UTF-8 make the SDK's JSON decoding fail, which Inspect does not
    retry: the sample errors, and ``retry_on_error`` reruns it from the start."""
    clean = run(horizon(samples=2, turns=5), tmp_path)
    fresh.reset()

    def plan(info: RequestInfo) -> Action | None:
        if info.turn == 3 and info.attempt == 1:
            return Action(raw_content=b"<answer>\xff\xfe12</answer>")
        return None

    fresh.set_plan(plan)
    log = run(horizon(samples=2, turns=5), tmp_path, retry_on_error=2)
    assert values(log) == values(clean)
    retried = [s for s in log.samples or [] if s.error_retries]
    assert len(retried) == 2  # both samples hit the corrupt turn once, then finished


@pytest.mark.xfail(
    strict=True,
    reason="inspect-ai 0.3.285 cannot write a reply holding a lone surrogate to the log",
)
def test_a_lone_surrogate_in_a_reply_is_logged(fresh: FakeOpenAIServer, tmp_path: Path) -> None:
    def plan(info: RequestInfo) -> Action | None:
        return Action(raw_content=b"<answer>\\udc80</answer>") if info.turn == 2 else None

    fresh.set_plan(plan)
    run(horizon(samples=1, turns=3), tmp_path, fail_on_error=False)


def test_context_overflow_censors_one_sample_and_the_others_finish(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    fresh.state.behaviour = SimulatedBehaviour(p=1.0, seed=11)
    task = horizon(samples=3, turns=8, k=2)
    overflowing = task.dataset[1]
    first_turn = ", ".join(overflowing.metadata["turns"][0])  # type: ignore[index]

    def plan(info: RequestInfo) -> Action | None:
        if info.users[0] == first_turn and info.turn == 5:
            return Action(
                status=400,
                error_code="context_length_exceeded",
                error_message="This model's maximum context length is 900 tokens.",
            )
        return None

    fresh.set_plan(plan)
    log = run(task, tmp_path)
    assert sum(s.action.status == 400 for s in fresh.served) == 1  # not retried
    for sample in log.samples or []:
        record = TurnLog.of_sample(sample)
        flat, meta = score_list(sample), score_metadata(sample)
        index, task_ok = flat[:8], flat[8:16]
        if sample.id == overflowing.id:
            assert record.ended == "context_exhausted"
            assert [r.stop_reason for r in record.turns][-1] == "model_length"
            assert len(record.turns) == 5
            assert task_ok[:4] == [1.0] * 4
            assert all(math.isnan(v) for v in index[4:] + task_ok[4:])  # censored, not wrong
            assert meta["ended"] == "context_exhausted"
            assert meta["observed_turns"] == 4
        else:
            assert record.ended == "completed" and len(record.turns) == 8
            assert task_ok == [1.0] * 8
    summary = metrics(log)
    assert summary["task_accuracy"] == 1.0  # Kaplan-Meier: censoring is not failure
    assert summary["horizon_50_censored"] == 1.0
    assert summary["turn_accuracy"] == 1.0


def test_the_provider_context_error_censors_like_the_simulated_model(
    fresh: FakeOpenAIServer, tmp_path: Path
) -> None:
    """The server turns the executor's context window into OpenAI's 400
    context_length_exceeded; Inspect's provider maps it to model_length, and the scores
    equal those of the in-process executor with the same window."""
    behaviour = SimulatedBehaviour(p=0.95, seed=11, context_window=520)
    fresh.state.behaviour = behaviour
    remote = run(horizon(samples=2, turns=40), tmp_path)
    local = eval(
        horizon(samples=2, turns=40),
        model="simulated/executor",
        model_args=behaviour.model_dump(exclude_none=True),
        display="none",
        log_dir=str(tmp_path),
    )[0]
    assert values(remote) == values(local)
    for sample in remote.samples or []:
        record = TurnLog.of_sample(sample)
        assert record.ended == "context_exhausted" and 0 < len(record.turns) < 40
        assert math.isnan(score_list(sample)[39])
