"""Conversations that stop before their last planned turn on purpose: at their first wrong
total (``until=first_error``), or paused at ``through_turn`` and extended by a later run
(``continue_from``). The simulated executor's replies depend only on the conversation, so
a stopped or extended run must agree with the run of every turn wherever both asked."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from inspect_ai import eval as inspect_eval

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.scorers.continuation import CONDITIONAL_TURN_ACCURACY
from long_horizon_execution.scorers.correctness import TurnCorrectness
from long_horizon_execution.scorers.execution import ExecutionMatrices, summarise

P = {"p": 0.9}


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for name, m in log.results.scores[0].metrics.items()}


def correctness(sample: Any) -> TurnCorrectness:
    score = sample.scores["execution_scorer"]
    return TurnCorrectness.from_score(score.value, score.metadata)


def texts(log: Any) -> dict[Any, list[str]]:
    return {sample.id: [m.text for m in sample.messages] for sample in log.samples}


def test_first_error_stops_after_the_first_wrong_total(run_eval: Any) -> None:
    full = run_eval(horizon(samples=6, turns=25), model_args=P)
    stopped = run_eval(horizon(samples=6, turns=25, until="first_error"), model_args=P)
    ended = set()
    for whole, cut in zip(full.samples, stopped.samples, strict=True):
        task = correctness(whole).task
        first_wrong = int(np.flatnonzero(task == 0.0)[0]) + 1 if (task == 0.0).any() else None
        log = TurnLog.of_sample(cut)
        ended.add(log.ended)
        assert len(log.turns) == (first_wrong or 25)
        assert log.ended == ("first_error" if first_wrong else "completed")
        # the same replies up to the stop: the stopped run is a prefix of the full one
        assert [m.text for m in cut.messages] == [m.text for m in whole.messages][
            : len(cut.messages)
        ]
    assert "first_error" in ended
    cut_metrics, full_metrics = metrics(stopped), metrics(full)
    for name in ("horizon_50", "horizon_50_low", "horizon_50_high", "horizon_80", "task_accuracy"):
        assert cut_metrics[name] == full_metrics[name], name
    assert math.isnan(cut_metrics["turn_accuracy"])
    assert 0.0 < cut_metrics[CONDITIONAL_TURN_ACCURACY] < 1.0
    assert CONDITIONAL_TURN_ACCURACY not in full_metrics
    value = stopped.samples[0].scores["execution_scorer"].value
    assert CONDITIONAL_TURN_ACCURACY in value and "turn_accuracy" not in value
    assert stopped.samples[0].scores["execution_scorer"].metadata["until"] == "first_error"
    assert "until" not in full.samples[0].scores["execution_scorer"].metadata
    # attribution needs the turns after an error: left out rather than biased
    assert set(full.samples[0].scores) == {"execution_scorer", "error_attribution"}
    assert set(stopped.samples[0].scores) == {"execution_scorer"}


def test_paused_rounds_extended_give_the_run_of_every_turn(run_eval: Any) -> None:
    full = run_eval(horizon(samples=4, turns=30), model_args=P)
    first = run_eval(horizon(samples=4, turns=30, through_turn=8), model_args=P)
    assert {TurnLog.of_sample(s).ended for s in first.samples} == {"paused"}
    assert metrics(first)["known_steps"] == 8.0
    assert math.isnan(metrics(first)["full_correct"])  # paused while right: unknown
    second = run_eval(
        horizon(samples=4, turns=30, through_turn=19, continue_from=first.location),
        model_args=P,
    )
    last = run_eval(horizon(samples=4, turns=30, continue_from=second.location), model_args=P)
    assert texts(last) == texts(full)
    assert metrics(last) == pytest.approx(metrics(full), nan_ok=True)
    # each round asked only its own turns
    asked = sum(u.input_tokens for u in second.stats.model_usage.values())
    assert asked < sum(u.input_tokens for u in full.stats.model_usage.values())
    records = [TurnLog.of_sample(s).turns for s in second.samples]
    assert all([r.turn for r in turns] == list(range(1, 20)) for turns in records)


def test_a_conversation_that_ended_is_carried_over_unchanged(run_eval: Any) -> None:
    first = run_eval(
        horizon(samples=4, turns=30, through_turn=10, until="first_error"), model_args=P
    )
    ended = {s.id: TurnLog.of_sample(s) for s in first.samples}
    assert any(log.ended == "first_error" for log in ended.values())
    later = run_eval(
        horizon(samples=4, turns=30, until="first_error", continue_from=first.location),
        model_args=P,
    )
    for sample in later.samples:
        before, after = ended[sample.id], TurnLog.of_sample(sample)
        if before.ended == "first_error":
            assert after.turns == before.turns and after.ended == "first_error"
        else:
            assert len(after.turns) > len(before.turns)


def test_full_correct_is_known_when_every_paused_trial_had_failed() -> None:
    failed = TurnCorrectness(
        index=np.array([1.0, 0.0, np.nan]),
        task=np.array([1.0, 0.0, np.nan]),
        turn=np.array([1.0, 0.0, np.nan]),
    )
    alive = TurnCorrectness(
        index=np.array([1.0, 1.0, np.nan]),
        task=np.array([1.0, 1.0, np.nan]),
        turn=np.array([1.0, 1.0, np.nan]),
    )
    paused = {"ended": "paused", "k": 1}
    only_failed = ExecutionMatrices.from_values([{}], [paused | {"per_turn": failed.as_metadata()}])
    assert summarise(only_failed)["full_correct"] == 0.0
    both = ExecutionMatrices.from_values(
        [{}, {}],
        [paused | {"per_turn": failed.as_metadata()}, paused | {"per_turn": alive.as_metadata()}],
    )
    assert math.isnan(summarise(both)["full_correct"])


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"through_turn": 31}, "through_turn"),
        ({"through_turn": 0}, "through_turn"),
        ({"through_turn": 5, "votes": 3}, "through_turn"),
        ({"until": "first_wrong"}, "until"),
        ({"continue_from": "no/such.eval"}, "continue_from"),
    ],
)
def test_bad_stopping_parameters_are_refused(arguments: dict[str, Any], named: str) -> None:
    with pytest.raises(ParameterError, match=f"invalid parameter '{named}'"):
        horizon(samples=2, turns=30, **arguments)


def test_continue_from_refuses_a_log_of_other_settings(run_eval: Any, tmp_path: Path) -> None:
    first = run_eval(horizon(samples=2, turns=10, through_turn=4), model_args=P)
    with pytest.raises(ParameterError, match="continue_from.*its run had k=1, this one k=2"):
        horizon(samples=2, turns=10, k=2, continue_from=first.location)
    with pytest.raises(ParameterError, match="past this run's through_turn=3"):
        horizon(samples=2, turns=10, through_turn=3, continue_from=first.location)
    foreign = tmp_path / "foreign.eval"
    foreign.write_bytes(b"not a log")
    with pytest.raises(ParameterError, match="not a readable Inspect log"):
        horizon(samples=2, turns=10, continue_from=str(foreign))


def test_continue_from_refuses_another_model_before_asking(run_eval: Any) -> None:
    first = run_eval(horizon(samples=2, turns=10, through_turn=4), model_args=P)
    log = inspect_eval(
        horizon(samples=2, turns=10, continue_from=first.location),
        model="simulated/executor",
        model_args={"p": 0.5},
        display="none",
        log_dir=str(Path(first.location).parent),
    )[0]
    assert log.status == "error"
    assert "this run's model" in (log.error.message if log.error else "")
    assert not log.stats.model_usage


def test_each_epoch_is_continued_from_its_own_conversation(tmp_path: Path) -> None:
    """Epochs of a sample differ on a sampled model: each must be extended from the same
    epoch of the earlier run, never from another's conversation."""
    import random

    from fake_openai_server import Action, serving

    from long_horizon_execution.evals.simulated_behaviour import SimulatedBehaviour

    draws = random.Random(7)
    options: dict[str, Any] = {
        "model": "openai-api/fake/executor",
        "model_args": {"client_timeout": 5.0},
        "epochs": 3,
        "display": "none",
        "log_dir": str(tmp_path),
    }
    with serving(SimulatedBehaviour(p=1.0, seed=3)) as server:
        server.set_plan(lambda info: Action(content=f"<answer>{draws.randint(0, 999)}</answer>"))
        (first,) = inspect_eval(horizon(samples=2, turns=6, through_turn=3), **options)
        assert first.status == "success" and first.location is not None
        (second,) = inspect_eval(
            horizon(samples=2, turns=6, continue_from=first.location), **options
        )
    assert second.status == "success"
    before = {(s.id, s.epoch): [m.text for m in s.messages] for s in first.samples or []}
    after = {(s.id, s.epoch): [m.text for m in s.messages] for s in second.samples or []}
    assert len(before) == len(after) == 6
    assert len({tuple(texts) for texts in before.values()}) == 6  # the epochs differ
    for key, texts in after.items():
        assert texts[: len(before[key])] == before[key], key
        assert len(texts) > len(before[key])
        turns = [r.turn for r in TurnLog.of_sample(_sample(second, key)).turns]
        assert turns == list(range(1, 7))


def _sample(log: Any, key: tuple[Any, int]) -> Any:
    return next(s for s in log.samples if (s.id, s.epoch) == key)
