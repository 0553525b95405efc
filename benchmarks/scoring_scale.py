"""Scoring at the paper's scale: every metric of the horizon task, bootstrap intervals
included, for 100 samples x 50,000 steps (K = 1), against a plain per-element Python
implementation of the same definitions, side by side in one run. Both must agree exactly.

    python benchmarks/scoring_scale.py [--samples 100] [--steps 50000] [--p 0.999]

The data is a model with per-step accuracy p (each wrong step adds a nonzero offset), so
index, task and turn correctness follow the suite's definitions. A second case censors a
fifth of the samples at a random turn (the context ran out), which the metrics treat as
Kaplan-Meier right-censoring. The Python baseline stops each resample's curve at its first
crossing; computing all 50,000 turns per resample would take it hours.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

import numpy as np
from inspect_ai.scorer import SampleScore, Score

from long_horizon_execution.scorers.correctness import TurnCorrectness
from long_horizon_execution.scorers.execution import (
    THRESHOLDS,
    ExecutionMatrices,
    execution_metrics,
    summarise,
)
from long_horizon_execution.scorers.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    CONFIDENCE,
    _matrix_horizons,
    resample_weights,
)
from long_horizon_execution.scorers.survival import cumulative_steps

T = TypeVar("T")
TOLERANCE = 1e-9
Rows = list[list[float]]


def simulated_rows(
    samples: int, steps: int, p: float, censor: float, seed: int
) -> list[TurnCorrectness]:
    """Correctness rows of a model that slips with probability 1 - p per step."""
    rng = np.random.default_rng(seed)
    slips = rng.random((samples, steps)) >= p
    offsets = np.where(slips, rng.integers(1, 11, (samples, steps)), 0)
    turn = (offsets == 0).astype(np.float64)
    index = (np.cumsum(offsets, axis=1) == 0).astype(np.float64)
    task = np.logical_and.accumulate(index > 0, axis=1).astype(np.float64)
    rows = []
    for i in range(samples):
        row = TurnCorrectness(index=index[i], task=task[i], turn=turn[i])
        if rng.random() < censor:
            end = int(rng.integers(1, steps))
            for values in (row.index, row.task, row.turn):
                values[end:] = np.nan
        rows.append(row)
    return rows


# --- the baseline: the metric definitions, one element at a time -------------------------


def py_mean_observed(rows: Rows) -> float:
    total, count = 0.0, 0
    for row in rows:
        for value in row:
            if value == value:
                total += value
                count += 1
    return total / count if count else math.nan


def py_settled(task: Rows) -> Rows:
    """Every turn after a row's first failure set to 0, observed or not."""
    settled = []
    for row in task:
        failed, out = False, []
        for value in row:
            failed = failed or value == 0.0
            out.append(0.0 if failed else value)
        settled.append(out)
    return settled


def py_curve(task: Rows, picks: Sequence[int], turns: int, stop_below: float) -> list[float]:
    """Kaplan-Meier over the picked rows (duplicates count twice), NaN from the first turn
    at which nobody is at risk while the curve is above 0; it stops after the first value
    below ``stop_below``, which is all a horizon needs."""
    curve, value = [], 1.0
    for t in range(turns):
        surviving, at_risk = 0.0, 0.0
        for i in picks:
            current = task[i][t]
            if current == current:
                before = 1.0 if t == 0 else task[i][t - 1]
                at_risk += before if before == before else 0.0
                surviving += current
        if at_risk > 0:
            value *= surviving / at_risk
        curve.append(math.nan if at_risk == 0 and value > 0 else value)
        if curve[-1] < stop_below - TOLERANCE:
            break
    return curve


def py_horizon(curve: list[float], steps: list[int], threshold: float) -> tuple[float, bool]:
    """(the largest step count still at the threshold, censored): the turn before the
    first one below it, else the last turn known."""
    before = [0, *steps]
    for t, value in enumerate(curve):
        if value < threshold - TOLERANCE:
            return float(before[t]), False
    known = [t for t, value in enumerate(curve) if value == value]
    return float(before[known[-1] + 1] if known else 0), True


def py_percentile(values: list[float], q: float) -> float:
    """The inverted-CDF percentile: the smallest value whose cumulative share reaches q."""
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def py_summary(
    task: Rows, turn: Rows, k: int, steps: list[int], picks: list[list[int]]
) -> dict[str, float]:
    task = py_settled(task)
    samples, turns = len(task), len(task[0])
    turn_accuracy = py_mean_observed(turn)
    everyone = list(range(samples))
    curve = py_curve(task, everyone, turns, -math.inf)
    known = [t for t, value in enumerate(curve) if value == value]
    p_step = max(turn_accuracy, 0.0) ** (1.0 / k)
    observed = sum(1 for row in turn for value in row if value == value)
    result = {
        "turn_accuracy": turn_accuracy,
        "turn1_accuracy": py_mean_observed([row[:1] for row in turn]),
        "task_accuracy": curve[-1],
        "known_steps": float([0, *steps][known[-1] + 1] if known else 0),
        "full_correct": sum(row[-1] if row[-1] == row[-1] else 0.0 for row in task) / samples,
        "p_step": p_step,
        "observed_turns": float(observed),
        "planned_turns": float(samples * turns),
    }
    tail = (1.0 - CONFIDENCE) / 2 * 100
    for threshold in THRESHOLDS:
        label = f"{round(threshold * 100):d}"
        value, censored = py_horizon(curve, steps, threshold)
        replicates = [
            py_horizon(py_curve(task, pick, turns, threshold), steps, threshold)[0]
            for pick in picks
        ]
        turns_theory = math.log(threshold) / math.log(p_step) / k if p_step < 1 else math.inf
        theory = k * math.floor(turns_theory + TOLERANCE) if p_step < 1 else math.inf
        result |= {
            f"horizon_{label}": value,
            f"horizon_{label}_low": py_percentile(replicates, tail),
            f"horizon_{label}_high": py_percentile(replicates, 100 - tail),
            f"horizon_{label}_censored": float(censored),
            f"theory_horizon_{label}": float(theory),
        }
    return result


# --- timing ------------------------------------------------------------------------------


def timed(function: Callable[[], T], repeats: int) -> tuple[float, T]:
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def run_case(name: str, rows: list[TurnCorrectness], steps_total: int) -> None:
    samples = len(rows)
    scores = [
        SampleScore(
            score=Score(value=row.as_value(), metadata={"k": 1, "total_steps": steps_total}),
            sample_id=i,
        )
        for i, row in enumerate(rows)
    ]
    metric = cast(Callable[[list[SampleScore]], object], execution_metrics())
    ours, summary = timed(lambda: summarise(ExecutionMatrices(rows, 1, steps_total)), 5)
    from_scores, _ = timed(lambda: metric(scores), 3)
    matrices = ExecutionMatrices(rows, 1, steps_total)
    weights = resample_weights(samples, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED)
    general, _ = timed(lambda: _matrix_horizons(weights, matrices.task, matrices.steps, 0.5), 1)

    task_rows = [row.task.tolist() for row in rows]
    turn_rows = [row.turn.tolist() for row in rows]
    steps = cumulative_steps(len(task_rows[0]), 1, steps_total).tolist()
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, samples, size=(BOOTSTRAP_RESAMPLES, samples)).tolist()
    plain, expected = timed(lambda: py_summary(task_rows, turn_rows, 1, steps, picks), 1)

    summary.pop("cached_input_share")
    agree = summary.keys() == expected.keys() and all(
        summary[key] == expected[key] or (math.isnan(summary[key]) and math.isnan(expected[key]))
        for key in summary
    )
    print(f"\n{name}: {samples} samples x {steps_total:,} steps (K = 1)")
    print(f"  every metric, from stacked rows:        {ours * 1000:9.1f} ms")
    print(f"  the Inspect metric, from Score values:  {from_scores * 1000:9.1f} ms")
    print(f"  one bootstrap on the general path:      {general * 1000:9.1f} ms")
    print(f"  plain per-element Python:               {plain * 1000:9.1f} ms")
    print(f"  speed-up over plain Python:             {plain / ours:9.1f} x")
    print(f"  results identical:                      {agree}")
    print(
        f"  H_0.5 = {summary['horizon_50']:.0f} [{summary['horizon_50_low']:.1f}, "
        f"{summary['horizon_50_high']:.1f}], H_0.8 = {summary['horizon_80']:.0f}"
    )
    if not agree:
        for key in summary:
            print(f"    {key}: ours {summary[key]!r} plain {expected.get(key)!r}")
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--p", type=float, default=0.999, help="per-step accuracy")
    args = parser.parse_args()
    run_case("uncensored", simulated_rows(args.samples, args.steps, args.p, 0.0, 1), args.steps)
    run_case(
        "a fifth censored", simulated_rows(args.samples, args.steps, args.p, 0.2, 2), args.steps
    )


if __name__ == "__main__":
    main()
