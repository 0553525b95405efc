"""Decay versus self-conditioning at scale: the hazard fit against what the simulated executor
planted, side by side.

1. Each scenario (neither, decay only, self-conditioning only, both) at a larger size than
   the tests, each with an executor seed of its own: planted and fitted coefficients with
   95% intervals, and whether each slope's interval excludes zero exactly when its effect
   was planted.
2. Coverage: over many executor seeds at the tests' size, how often each interval holds its
   planted value (nominally 95%) and how often the two effects are told apart.
3. The self-conditioning task's full protocol, run through Inspect with the executor
   planting each scenario and fitted from the logs, where the wrong totals shown are
   induced at random rates rather than the model's own.

    python benchmarks/hazard_recovery.py [--samples 200] [--turns 50] [--seed 0] [--replications 20]
        [--full-instances 20] [--full-turns 30] [--skip-full]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
from inspect_ai import eval as inspect_eval

from long_horizon_execution.evals.hazard_validation import (
    SCENARIOS,
    Scenario,
    recovery,
    simulated_turns,
)
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.scorers.hazard import COEFFICIENTS, HazardFit, fit_hazard
from long_horizon_execution.scorers.hazard_inputs import logged_hazard_turns

TEST_SIZE = (60, 30)
RATES = [0.0, 0.25, 0.5, 0.75, 1.0]


def cell(fit: HazardFit, name: str) -> str:
    estimate = fit.coefficient(name)
    return f"{estimate.value:6.2f} [{estimate.low:6.2f}, {estimate.high:6.2f}]"


def side_by_side(title: str, fits: list[tuple[Scenario, HazardFit, float]]) -> None:
    print(f"\n{title}")
    header = f"{'scenario':<24}" + "".join(f"{name:>36}" for name in COEFFICIENTS)
    print(header + f"{'told apart':>12}{'turns':>8}{'errors':>8}{'seconds':>9}")
    for scenario, fit, seconds in fits:
        result = recovery(scenario, fit)
        cells = "".join(
            f"{scenario.planted(name):>7.2f} -> {cell(fit, name)}"
            + ("  " if result.contained[name] else " !")
            for name in COEFFICIENTS
        )
        apart = "yes" if all(result.told_apart.values()) else "NO"
        flags = f"  flags: {', '.join(fit.flags)}" if fit.flags else ""
        print(
            f"{scenario.name:<24}{cells}{apart:>12}{fit.turns:>8}{fit.errors:>8}"
            f"{seconds:>9.1f}{flags}"
        )
    print("(planted -> fitted [95% interval]; ! marks an interval that misses the planted value)")


def scale(samples: int, turns: int, seed: int) -> None:
    """Each scenario with an executor seed of its own (seed, seed + 1, ...): with one seed
    the scenarios would share their draws, and a fluctuation with them."""
    fits = []
    for index, scenario in enumerate(SCENARIOS):
        start = time.perf_counter()
        fit = fit_hazard(simulated_turns(scenario, samples, turns, seed=seed + index))
        fits.append((scenario, fit, time.perf_counter() - start))
    side_by_side(f"1. {samples} samples x {turns} turns (K = 1), horizon protocol", fits)


def coverage(replications: int) -> None:
    samples, turns = TEST_SIZE
    print(f"\n2. Coverage over {replications} executor seeds, {samples} samples x {turns} turns")
    print(
        f"{'scenario':<24}"
        + "".join(f"{name:>14}" for name in COEFFICIENTS)
        + f"{'told apart':>12}"
    )
    for scenario in SCENARIOS:
        held = np.zeros(len(COEFFICIENTS))
        apart = 0
        for seed in range(replications):
            fit = fit_hazard(simulated_turns(scenario, samples, turns, seed=seed))
            result = recovery(scenario, fit)
            held += [result.contained[name] for name in COEFFICIENTS]
            apart += all(result.told_apart.values())
        shares = "".join(f"{count / replications:>14.2f}" for count in held)
        print(f"{scenario.name:<24}{shares}{apart / replications:>12.2f}")
    print("(share of intervals holding the planted value, nominally 0.95; share of runs in")
    print(" which each slope's interval excludes zero exactly when its effect was planted)")


def full_protocol(instances: int, turns: int) -> None:
    fits = []
    with tempfile.TemporaryDirectory() as folder:
        for scenario in SCENARIOS:
            start = time.perf_counter()
            log = inspect_eval(
                self_conditioning(
                    samples=instances, rates=RATES, target_turn=turns, protocol="full"
                ),
                model="simulated/executor",
                model_args=scenario.model_args(),
                log_dir=folder,
                display="none",
            )[0]
            rows, notes = logged_hazard_turns(log.samples or [])
            if log.status != "success" or notes:
                raise SystemExit(f"{scenario.name}: run {log.status}, {notes}")
            fits.append((scenario, fit_hazard(rows), time.perf_counter() - start))
    side_by_side(
        f"3. self_conditioning, full protocol: {instances} instances x {len(RATES)} rates x "
        f"{turns} turns, through Inspect logs",
        fits,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0, help="part 1's first executor seed")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--full-instances", type=int, default=20)
    parser.add_argument("--full-turns", type=int, default=30)
    parser.add_argument("--skip-full", action="store_true")
    args = parser.parse_args()
    print("Planted: " + "; ".join(f"{s.name}: {s.model_args()}" for s in SCENARIOS))
    scale(args.samples, args.turns, args.seed)
    if args.replications:
        coverage(args.replications)
    if not args.skip_full:
        full_protocol(args.full_instances, args.full_turns)


if __name__ == "__main__":
    main()
