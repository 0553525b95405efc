"""Context decay versus self-conditioning: the hazard fit recovers what the simulated
executor plants and tells the two apart; its inputs agree with the scorers; degenerate data
gives NaN with a flag, never a number that looks fine."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from long_horizon_execution.core import ParsedAnswer, TurnRecord
from long_horizon_execution.evals.hazard_validation import (
    SCENARIOS,
    Scenario,
    recovery,
    simulated_turns,
)
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.simulated import SimulatedExecutor
from long_horizon_execution.scorers.correctness import TurnCorrectness
from long_horizon_execution.scorers.hazard import (
    CONTEXT_UNIT,
    HazardFit,
    HazardTurns,
    fit_hazard,
)
from long_horizon_execution.scorers.hazard_inputs import (
    hazard_turns,
    logged_hazard_turns,
    sample_history,
)
from long_horizon_execution.scorers.self_conditioning import split_value

# --- recovery on the simulated executor ------------------------------------------------------

SAMPLES, TURNS = 60, 30
SEED = 1
"""The executor's seed. A 95% interval misses its planted value one time in twenty, so a
fixed seed is a draw that passes; ``benchmarks/hazard_recovery.py`` measures how often
intervals hold the planted values over many seeds."""


@pytest.fixture(scope="module")
def fits() -> dict[str, HazardFit]:
    return {
        scenario.name: fit_hazard(simulated_turns(scenario, SAMPLES, TURNS, SEED))
        for scenario in SCENARIOS
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_planted_coefficients_are_recovered_and_told_apart(
    fits: dict[str, HazardFit], scenario: Scenario
) -> None:
    fit = fits[scenario.name]
    result = recovery(scenario, fit)
    print(scenario.name, fit.model_dump(include={"baseline", "decay", "conditioning"}))
    assert fit.flags == []
    assert fit.turns == SAMPLES * TURNS and fit.samples == SAMPLES
    assert result.contained == {"baseline": True, "decay": True, "conditioning": True}
    # decay-only shows no self-conditioning, self-conditioning-only no decay
    assert result.told_apart == {"decay": True, "conditioning": True}


def test_a_decay_only_run_would_look_like_self_conditioning_without_the_context_term(
    fits: dict[str, HazardFit],
) -> None:
    """The share of wrong totals grows with the turn, so both effects raise it: only the
    joint fit separates them (which is why both covariates are in the model)."""
    rows = simulated_turns(SCENARIOS[1], 30, TURNS, SEED)
    assert np.corrcoef(rows.turn, rows.wrong_share)[0, 1] > 0.3
    history_only = rows.model_copy(update={"turn": np.full(rows.turn.size, 1.0)})
    confounded = fit_hazard(history_only, resamples=200)
    assert "context_constant" in confounded.flags
    assert confounded.conditioning.low > 0.0  # spurious without the context term


# --- inputs: what the model was shown, and its turn errors ---------------------------------


def record(turn: int, value: int | None) -> TurnRecord:
    answer = ParsedAnswer(status="no_answer") if value is None else ParsedAnswer.of(value)
    return TurnRecord(
        turn=turn, reply=str(value), answer=answer, shown=str(value), stop_reason="stop"
    )


def test_turn_errors_are_judged_against_the_total_shown() -> None:
    truths = [5, 8, 10, 17]  # increments 5, 3, 2, 7
    # turn 2 slips (9), turn 3 continues from it correctly (11), turn 4 shows no answer
    history = sample_history(
        [record(1, 5), record(2, 9), record(3, 11), record(4, None)], {}, truths
    )
    assert history.error.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert history.wrong_shown.tolist() == [0.0, 1.0, 1.0, 1.0]


def test_rewritten_turns_count_as_shown_not_as_answered() -> None:
    truths = [5, 8, 10]
    # turns 1 and 2 synthetic (turn 2 shows an induced error), turn 3 generated
    shown = {1: 5, 2: 100, 3: 10}
    history = sample_history([record(3, 102)], shown, truths)
    assert np.isnan(history.error[:2]).all() and history.error[2] == 0.0  # 100 + 2
    assert history.wrong_shown.tolist() == [0.0, 1.0, 0.0]
    rows = hazard_turns([history])
    assert rows.turn.tolist() == [3.0] and rows.wrong_share.tolist() == [0.5]


def test_shares_windows_and_first_turn() -> None:
    history = sample_history(
        [record(1, 1), record(2, 99), record(3, 100), record(4, 4)], {}, [1, 2, 3, 4]
    )
    rows = hazard_turns([history])
    assert rows.wrong_share.tolist() == [0.0, 0.0, 0.5, 2 / 3]
    assert rows.error.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert hazard_turns([history], window=1).wrong_share.tolist() == [0.0, 0.0, 1.0, 1.0]
    later = hazard_turns([history], first_turn=2)
    assert later.turn.tolist() == [2.0, 3.0, 4.0]
    assert rows.context.tolist() == [t / CONTEXT_UNIT for t in range(4)]


def test_logged_horizon_inputs_agree_with_the_execution_scorer(run_eval: Any) -> None:
    log = run_eval(horizon(samples=4, turns=12), model_args={"p": 0.8})
    rows, notes = logged_hazard_turns(log.samples)
    assert notes == [] and rows.error.size == 48
    for trial, sample in enumerate(log.samples):
        score = sample.scores["execution_scorer"]
        scored = TurnCorrectness.from_score(score.value, score.metadata)
        mine = rows.error[rows.trial == trial]
        assert mine.tolist() == (1.0 - scored.turn).tolist()
        wrong = 1.0 - scored.index  # the history shows the model's own totals
        shares = [wrong[:t].mean() if t else 0.0 for t in range(12)]
        assert np.allclose(rows.wrong_share[rows.trial == trial], shares)


def test_logged_full_protocol_inputs_agree_with_the_self_conditioning_scorer(
    run_eval: Any,
) -> None:
    log = run_eval(
        self_conditioning(samples=3, rates=[0.0, 0.5], target_turn=8, protocol="full"),
        model_args={"p": 0.9},
    )
    rows, _ = logged_hazard_turns(log.samples)
    assert rows.units == [0, 1, 2, 0, 1, 2]  # the instance: both rates resampled together
    for trial, sample in enumerate(log.samples):
        score = sample.scores["self_conditioning_scorer"]
        shown_basis, _ = split_value(score.value, score.metadata)
        assert rows.error[rows.trial == trial].tolist() == (1.0 - shown_basis).tolist()
        induced = np.array(
            [
                t in sample.scores["self_conditioning_scorer"].metadata["induced_turns"]
                for t in range(1, 8)
            ],
            dtype=float,
        )
        shares = [induced[:t].mean() if t else 0.0 for t in range(8)]
        assert np.allclose(rows.wrong_share[rows.trial == trial], shares)


def test_the_report_fits_every_multi_turn_run(run_eval: Any, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from long_horizon_execution.evals.report.cli import build_report

    run_eval(horizon(samples=6, turns=10), model_args={"hazard_baseline": -1.0})
    run_eval(
        self_conditioning(samples=4, rates=[0.0, 1.0], target_turn=6),
        model_args={"hazard_baseline": -1.0, "hazard_conditioning": 1.0},
    )
    report = build_report([str(tmp_path / "logs")], str(tmp_path / "out"), quiet=True)
    by_task = {row.task: row for row in report.hazard}
    assert set(by_task) == {"horizon", "self_conditioning (target protocol)"}
    assert (by_task["horizon"].samples, by_task["horizon"].turns) == (6, 60)
    target = by_task["self_conditioning (target protocol)"]
    assert (target.samples, target.turns, target.baseline_turn) == (4, 8, 6.0)
    assert math.isnan(target.decay) and "decay is not identified" in target.flags
    table = (tmp_path / "out" / "hazard.md").read_text()
    assert "at turn 6" in table and "decay per 10 turns" in table
    assert (tmp_path / "out" / "hazard.png").stat().st_size > 0


# --- degenerate data -------------------------------------------------------------------------


def turns_of(
    error: list[float], turn: list[float], share: list[float], trial: list[int]
) -> HazardTurns:
    units: list[int | str] = list(range(max(trial) + 1)) if trial else []
    return HazardTurns(
        error=np.array(error, dtype=float),
        turn=np.array(turn, dtype=float),
        wrong_share=np.array(share, dtype=float),
        trial=np.array(trial, dtype=np.int64),
        units=units,
    )


def undefined(fit: HazardFit, *names: str) -> bool:
    return all(
        math.isnan(getattr(fit, name).value)
        and math.isnan(getattr(fit, name).low)
        and math.isnan(getattr(fit, name).high)
        for name in names
    )


def grid(samples: int = 20, turns: int = 10, seed: int = 3) -> HazardTurns:
    rng = np.random.default_rng(seed)
    n = samples * turns
    return turns_of(
        (rng.random(n) < 0.3).astype(float).tolist(),
        np.tile(np.arange(1, turns + 1), samples).tolist(),
        rng.random(n).tolist(),
        np.repeat(np.arange(samples), turns).tolist(),
    )


@pytest.mark.parametrize(
    ("error", "flag"), [(0.0, "no_errors"), (1.0, "all_errors")], ids=["no-errors", "all-errors"]
)
def test_without_both_outcomes_nothing_is_defined(error: float, flag: str) -> None:
    data = grid()
    fit = fit_hazard(data.model_copy(update={"error": np.full(data.error.size, error)}))
    assert fit.flags == [flag]
    assert undefined(fit, "baseline", "decay", "conditioning")


def test_no_turns() -> None:
    fit = fit_hazard(HazardTurns.empty())
    assert fit.flags == ["no_turns"] and fit.turns == 0
    assert undefined(fit, "baseline", "decay", "conditioning")


def test_one_sample_has_estimates_but_no_intervals() -> None:
    data = grid(samples=1, turns=200)
    fit = fit_hazard(data)
    assert "one_sample" in fit.flags
    assert not math.isnan(fit.decay.value) and math.isnan(fit.decay.low)


def test_a_constant_covariate_leaves_its_coefficient_undefined() -> None:
    data = grid()
    at_one_turn = fit_hazard(data.model_copy(update={"turn": np.full(data.turn.size, 20.0)}))
    assert "context_constant" in at_one_turn.flags and at_one_turn.reference_turn == 20.0
    assert undefined(at_one_turn, "decay") and not math.isnan(at_one_turn.conditioning.low)
    clean = fit_hazard(data.model_copy(update={"wrong_share": np.zeros(data.turn.size)}))
    assert "history_constant" in clean.flags and undefined(clean, "conditioning")
    assert clean.reference_turn == 1.0 and not math.isnan(clean.decay.low)


def test_collinear_covariates_are_not_split() -> None:
    data = grid()
    fit = fit_hazard(data.model_copy(update={"wrong_share": data.turn / 10.0}))
    assert fit.flags == ["collinear"]
    assert undefined(fit, "baseline", "decay", "conditioning")


def test_separated_data_are_flagged() -> None:
    data = grid()
    separated = (data.wrong_share > 0.5).astype(float)
    fit = fit_hazard(data.model_copy(update={"error": separated}), resamples=100)
    assert "separated" in fit.flags
    assert fit.conditioning.value > 5.0  # finite, set by the ridge


def test_too_few_errors_to_resample_gives_no_interval() -> None:
    data = grid()
    one = np.zeros(data.error.size)
    one[7] = 1.0
    fit = fit_hazard(data.model_copy(update={"error": one}), resamples=200)
    assert {"few_errors", "unstable_resamples"} <= set(fit.flags)
    assert fit.undefined_resamples > 10
    assert math.isnan(fit.conditioning.low) and math.isnan(fit.baseline.high)


def test_the_bootstrap_resamples_instances_together() -> None:
    """Trials sharing an instance are drawn together: every trial run twice under its
    instance gives the intervals of one run (the ridge aside), not narrower ones as twice
    as many independent instances would."""
    data = grid(samples=15)
    twice = HazardTurns(
        error=np.concatenate([data.error, data.error]),
        turn=np.concatenate([data.turn, data.turn]),
        wrong_share=np.concatenate([data.wrong_share, data.wrong_share]),
        trial=np.concatenate([data.trial, data.trial + 15]),
        units=data.units + data.units,
    )
    apart = twice.model_copy(update={"units": list(range(30))})
    once, paired, independent = (fit_hazard(d, resamples=400) for d in (data, twice, apart))
    assert (paired.samples, paired.trials, independent.samples) == (15, 30, 30)
    for name in ("baseline", "decay", "conditioning"):
        one, two, many = (fit.coefficient(name) for fit in (once, paired, independent))
        assert two.value == many.value
        assert math.isclose(one.low, two.low, abs_tol=0.05)
        assert math.isclose(one.high, two.high, abs_tol=0.05)
        assert many.high - many.low < 0.85 * (two.high - two.low)


# --- the planted hazard in the executor ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ({"hazard_decay": 1.0}, "'hazard_decay': a planted hazard needs hazard_baseline"),
        ({"hazard_conditioning": 1.0}, "'hazard_conditioning'"),
        ({"hazard_baseline": -3, "p": 0.9}, "'p': p does not apply with a planted hazard"),
        ({"hazard_baseline": -3, "self_conditioning": 0.1}, "'self_conditioning'"),
        ({"hazard_baseline": -3, "single_turn_capacity": 5}, "'single_turn_capacity'"),
        ({"hazard_baseline": "nan"}, "'hazard_baseline'"),
        ({"hazard_baseline": -3, "hazard_decay": 1e9}, "'hazard_decay'"),
    ],
)
def test_bad_hazard_arguments_are_refused_in_one_line(args: dict[str, Any], named: str) -> None:
    with pytest.raises(ParameterError) as error:
        SimulatedExecutor("executor", **args)
    message = str(error.value)
    assert message.startswith("simulated model: ") and named in message and "\n" not in message


def test_a_planted_certain_error_makes_every_turn_wrong_and_none_keeps_it_right() -> None:
    always = Scenario(name="always", baseline=50.0)
    rows = simulated_turns(always, 3, 5, k=3)
    assert rows.error.tolist() == [1.0] * 15
    never = simulated_turns(Scenario(name="never", baseline=-50.0), 3, 5, k=3)
    assert never.error.tolist() == [0.0] * 15
