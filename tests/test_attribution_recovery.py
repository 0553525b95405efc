"""Error attribution recovers the slips the simulated executor planted at known rates.

The executor names the slip it planted in each output's metadata, never in the reply; the
attribution sees only the replies, the dictionary and the history. A planted slip is
named as itself or as ambiguous among candidates that include it (never as another kind),
so each kind's planted share lies between its share and its share counting every
ambiguous turn it may be, and within those shares' bootstrap intervals. The larger run is
``benchmarks/attribution_recovery.py``.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.simulated import SimulatedExecutor
from long_horizon_execution.evals.simulated_slips import planted_attributions
from long_horizon_execution.scorers.attribution import SLIPS
from long_horizon_execution.scorers.attribution_sample import BREAK_SLIP, COUNT_KEYS

RATES = {f"{kind}_slip": 0.1 for kind in (*SLIPS, "other")}
PLANTED = {"p": 1.0, **RATES, "format_error": 0.03}


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for score in log.results.scores for name, m in score.metrics.items()}


def planted_and_found(log: Any) -> list[tuple[str | None, dict[str, Any] | None]]:
    """(planted kind, the turn's attribution) for every turn of every sample."""
    return [pair for sample in log.samples for pair in planted_attributions(sample)]


def check_recovery(log: Any) -> Counter[str]:
    """Every planted slip named as itself (or ambiguous with it a candidate), no failed turn
    without one; each kind's planted share within [share low, max high]. Returns the
    planted counts."""
    planted: Counter[str] = Counter()
    for kind, found in planted_and_found(log):
        assert (kind is None) == (found is None), (kind, found)
        if kind is None or found is None:
            continue
        planted[kind] += 1
        if found["category"] == "ambiguous":
            assert kind in found["candidates"], (kind, found)
        else:
            assert found["category"] == kind, (kind, found)
    values = metrics(log)
    failed = sum(planted.values())
    assert values["failed_turns"] == failed
    for kind in (*SLIPS, "format", "other"):
        share = planted[kind] / failed
        upper = "_max_high" if kind in SLIPS else "_high"
        print(kind, round(share, 3), [round(values[f"{kind}{e}"], 3) for e in ("_low", upper)])
        assert values[f"{kind}_low"] <= share <= values[f"{kind}{upper}"]
    return planted


def test_planted_slips_are_recovered_within_their_intervals(run_eval: Any) -> None:
    turns, samples = 16, 16
    log = run_eval(horizon(samples=samples, turns=turns), model_args=PLANTED)
    planted = check_recovery(log)
    # the knob plants at the rates asked for (a stale slip needs an earlier total: none
    # at turn 1), within four standard deviations
    replies = turns * samples
    for kind in (*SLIPS, "other"):
        possible = replies - samples if kind == "stale" else replies
        expected = 0.1 * (1 - PLANTED["format_error"]) * possible
        assert abs(planted[kind] - expected) < 4 * math.sqrt(expected), (kind, planted[kind])
    assert 0 < planted["format"] < 25
    values = metrics(log)
    assert 0 < values["ambiguous"] < 0.5


def test_cot_working_shows_where_each_planted_slip_happened(run_eval: Any) -> None:
    """With two keys a turn every slip leaves a mark in the working, so the first broken
    step names the planted slip and resolves every ambiguous turn to it."""
    log = run_eval(horizon(samples=6, turns=8, k=2, mode="cot"), model_args=PLANTED)
    check_recovery(log)
    seen = set()
    for kind, found in planted_and_found(log):
        if found is None or kind in (None, "format"):
            continue
        working = found["working"]
        assert working["status"] == "broken", (kind, found)
        if kind == "other":
            assert working["broke"] in ("lookup", "addition")
        else:
            assert BREAK_SLIP[working["broke"]] == kind, (kind, found)
            assert found["resolved"] == kind
        seen.add(kind)
    assert seen == {*SLIPS, "other"}


def test_a_clean_executor_has_no_failed_turn_and_every_count_key(run_eval: Any) -> None:
    log = run_eval(horizon(samples=2, turns=4), model_args={"p": 1.0})
    for sample in log.samples:
        value = sample.scores["error_attribution"].value
        assert set(value) == set(COUNT_KEYS) and value["failed"] == 0 and value["turns"] == 4
    assert math.isnan(metrics(log)["lookup"])
    assert [score.name for score in log.results.scores] == ["execution_scorer", "error_attribution"]


def test_self_conditioning_attributes_against_the_history_shown(run_eval: Any) -> None:
    """Induced errors in the history are not the model's slips: a perfect executor
    continuing from a wrong shown total fails no turn; a planted stale slip is stale."""
    task = self_conditioning(samples=3, rates=[0.0, 1.0], target_turn=4)
    clean = run_eval(task, model_args={"p": 1.0})
    assert all(s.scores["error_attribution"].value["failed"] == 0 for s in clean.samples)
    assert metrics(clean)["shown_100"] == 1.0 and "turns_100" in metrics(clean)
    stale = run_eval(task, model_args={"p": 1.0, "stale_slip": 1.0})
    for sample in stale.samples:
        entries = sample.scores["error_attribution"].metadata["turns"]
        assert [(e["turn"], e["category"] in ("stale", "ambiguous")) for e in entries] == [
            (4, True)
        ]
        assert "stale" in entries[0]["candidates"]


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"lookup_slip": 0.6, "stale_slip": 0.5}, "lookup_slip"),
        ({"other_slip": -0.1}, "other_slip"),
        ({"arithmetic_slip": 1.5}, "arithmetic_slip"),
        ({"skip_repeat_slip": True}, "skip_repeat_slip"),
    ],
)
def test_slip_rates_are_checked_before_any_request(arguments: dict[str, Any], named: str) -> None:
    with pytest.raises(ParameterError, match=named):
        SimulatedExecutor("executor", **arguments)


def test_slip_rates_may_arrive_as_text() -> None:
    model = SimulatedExecutor("executor", lookup_slip="0.25", other_slip="0.75")
    assert model.behaviour.lookup_slip == 0.25 and model.behaviour.slip_rates()["other"] == 0.75
