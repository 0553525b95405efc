"""A run killed mid-way and resumed: finished samples are kept, never asked again, and
score exactly as in an uninterrupted run."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai_server import Action, FakeOpenAIServer, RequestInfo
from inspect_ai import eval, eval_retry
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log

from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.simulated_behaviour import SimulatedBehaviour
from tests.score_reading import per_turn_flat

SAMPLES, TURNS, FINISHED = 6, 4, 3
MODEL = "openai-api/fake/executor"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with (
        FakeOpenAIServer(SimulatedBehaviour(p=0.85, seed=4), final_turn=TURNS) as running,
        pytest.MonkeyPatch.context() as patch,
    ):
        for name, value in running.environment().items():
            patch.setenv(name, value)
        yield running


def scores(log: EvalLog) -> dict[Any, str]:
    """Each sample's per-turn correctness, as text so that NaN (unobserved) compares equal."""
    return {
        s.id: repr(per_turn_flat((s.scores or {})["execution_scorer"])) for s in log.samples or []
    }


def metrics(log: EvalLog) -> dict[str, str]:
    """Metric values as text, so NaN compares equal to NaN."""
    assert log.results is not None
    return {name: repr(m.value) for name, m in log.results.scores[0].metrics.items()}


def run_until_killed(log_dir: Path) -> None:
    """The interrupted run: one sample at a time, each flushed to the log when done."""
    eval(
        horizon(samples=SAMPLES, turns=TURNS),
        model=MODEL,
        max_samples=1,
        log_buffer=1,
        log_dir=str(log_dir),
        display="none",
    )


def wait_for_logged_samples(log_dir: Path, count: int, timeout: float) -> Path:
    """The run's log file once it holds ``count`` finished samples."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for info in list_eval_logs(str(log_dir)):
            try:
                log = read_eval_log(info.name)
            except Exception:  # a flush in progress
                continue
            if len(log.samples or []) >= count:
                return Path(info.name.removeprefix("file://"))
        time.sleep(0.2)
    raise AssertionError(f"no log with {count} samples after {timeout} s")


def test_killed_run_resumes_without_redoing_finished_samples(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    release = threading.Event()
    # the uninterrupted run first (it also loads the provider, so the fork starts warm)
    reference = eval(
        horizon(samples=SAMPLES, turns=TURNS),
        model=MODEL,
        display="none",
        log_dir=str(tmp_path / "reference"),
    )[0]
    server.reset()

    def hold_after_finished(info: RequestInfo) -> Action | None:
        done = sum(s.final for s in server.served)
        return Action(hold=release) if done >= FINISHED else None

    server.set_plan(hold_after_finished)
    log_dir = tmp_path / "logs"
    # a separate process, forked so that it need not import Inspect again
    process = multiprocessing.get_context("fork").Process(target=run_until_killed, args=(log_dir,))
    process.start()
    try:
        assert server.wait_for_final_replies(FINISHED, timeout=60)
        killed_log = wait_for_logged_samples(log_dir, FINISHED, timeout=30)
        assert process.pid is not None and process.is_alive()
        os.kill(process.pid, signal.SIGKILL)  # the run is stuck on sample 4: kill it
        process.join(timeout=10)
    finally:
        if process.is_alive():
            process.kill()
        release.set()
    server.set_plan(None)

    interrupted = read_eval_log(str(killed_log))
    assert interrupted.status == "started"  # never finished
    kept = scores(interrupted)
    assert len(kept) == FINISHED
    asked_before = server.requests
    assert asked_before == FINISHED * TURNS + 1  # the held first turn of sample 4
    held = server.served[-1].info.digest
    finished_conversations = {s.info.digest for s in server.served} - {held}

    resumed = eval_retry(str(killed_log), log_dir=str(log_dir), display="none")[0]
    assert resumed.status == "success", resumed.error
    asked = server.served[asked_before:]
    assert len(asked) == (SAMPLES - FINISHED) * TURNS  # nothing finished was asked again
    assert not {s.info.digest for s in asked} & finished_conversations
    final = scores(resumed)
    assert len(final) == SAMPLES
    assert {sid: final[sid] for sid in kept} == kept

    assert scores(reference) == final  # as if it had never been interrupted
    assert metrics(reference) == metrics(resumed)
