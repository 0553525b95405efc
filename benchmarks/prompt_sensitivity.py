"""How much the prompt protocol moves the numbers: two sets of multi-turn logs of the same
model, instances and mode, one per protocol, compared side by side.

For each mode found in both sets it prints turn-1 accuracy, turn accuracy, task accuracy
after a few step counts and H_0.5 / H_0.8, each with its 95% bootstrap interval, and the
paired difference (B - A) of per-instance turn accuracy and of survival to each step count,
with an interval that resamples instances (both protocols saw the same instances).

    python benchmarks/prompt_sensitivity.py docs/logs/suite-layout/horizon docs/logs/horizon
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from long_horizon_execution.evals.report.logs import (
    ScoredSample,
    log_files,
    read_header,
    scored_samples,
)
from long_horizon_execution.scorers.execution import ExecutionMatrices, summarise
from long_horizon_execution.scorers.metrics import Estimate, mean_estimate, survival_band
from long_horizon_execution.scorers.survival import survival_curve

CHECKPOINTS = (1, 2, 4, 8, 13, 20)


def runs_by_mode(folder: str) -> dict[str, tuple[str, list[ScoredSample]]]:
    """The newest horizon log of each mode in ``folder``, with its scored trials."""
    found: dict[str, tuple[str, str, list[ScoredSample]]] = {}
    for path in log_files([folder]):
        header = read_header(path)
        if header.experiment != "horizon" or header.status != "success":
            continue
        mode = str(header.argument("mode", "plain"))
        if mode not in found or header.created > found[mode][0]:
            found[mode] = (header.created, path, scored_samples(header)[0])
    return {mode: (path, samples) for mode, (_, path, samples) in found.items()}


def interval(estimate: Estimate, digits: int = 2) -> str:
    return f"{estimate.value:.{digits}f} [{estimate.low:.{digits}f}, {estimate.high:.{digits}f}]"


def per_instance(samples: list[ScoredSample]) -> dict[object, ExecutionMatrices]:
    """Each instance's first epoch (the pairing is instance by instance)."""
    first: dict[object, ExecutionMatrices] = {}
    for s in samples:
        first.setdefault(s.id, ExecutionMatrices.from_values([s.value], [s.metadata]))
    return first


def describe(label: str, samples: list[ScoredSample]) -> list[str]:
    matrices = ExecutionMatrices.from_values(
        [s.value for s in samples], [s.metadata for s in samples], [s.id for s in samples]
    )
    summary = summarise(matrices)
    curve = survival_curve(matrices.task)
    low, high = survival_band(matrices.task, units=matrices.units)
    turn1 = mean_estimate(matrices.turn[:, 0])
    turns = mean_estimate(np.nanmean(matrices.turn, axis=1))
    lines = [
        f"  {label}: {len(samples)} trials",
        f"    turn-1 accuracy           {interval(turn1)}",
        f"    turn accuracy (per inst.) {interval(turns)}",
    ]
    for step in CHECKPOINTS:
        if step <= curve.size:
            t = step - 1
            lines.append(
                f"    task accuracy, {step:>2} steps  {curve[t]:.2f} [{low[t]:.2f}, {high[t]:.2f}]"
            )
    for label_s in ("50", "80"):
        value = summary[f"horizon_{label_s}"]
        at_least = ">= " if summary[f"horizon_{label_s}_censored"] else ""
        lines.append(
            f"    H_0.{label_s[0]}                     {at_least}{value:.0f} "
            f"[{summary[f'horizon_{label_s}_low']:.0f}, {summary[f'horizon_{label_s}_high']:.0f}]"
        )
    return lines


def paired(a: list[ScoredSample], b: list[ScoredSample]) -> list[str]:
    """B - A per instance seen by both, with intervals over instances."""
    first, second = per_instance(a), per_instance(b)
    shared = [i for i in first if i in second]
    lines = [f"  paired, B - A, over {len(shared)} shared instances:"]
    turn = np.array(
        [np.nanmean(second[i].turn) - np.nanmean(first[i].turn) for i in shared], dtype=float
    )
    lines.append(f"    turn accuracy             {interval(mean_estimate(turn))}")
    for step in CHECKPOINTS:
        t = step - 1
        if all(t < first[i].task.shape[1] and t < second[i].task.shape[1] for i in shared):
            alive = np.array(
                [second[i].task[0, t] - first[i].task[0, t] for i in shared], dtype=float
            )
            lines.append(f"    alive after {step:>2} steps     {interval(mean_estimate(alive))}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="logs of protocol A (folder)")
    parser.add_argument("b", help="logs of protocol B (folder)")
    args = parser.parse_args()
    a, b = runs_by_mode(args.a), runs_by_mode(args.b)
    for mode in sorted(a.keys() & b.keys()):
        print(f"\nmode {mode}")
        print(f"  A = {Path(a[mode][0]).name}\n  B = {Path(b[mode][0]).name}")
        for line in describe("A", a[mode][1]) + describe("B", b[mode][1]):
            print(line)
        for line in paired(a[mode][1], b[mode][1]):
            print(line)


if __name__ == "__main__":
    main()
