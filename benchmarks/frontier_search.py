"""Frontier search versus a full grid on the simulated executor with a planted capacity.

Prints where the search lands against the planted truth and the tokens it spent next to
a full grid (N samples at every K on the same range, no early stopping). Offline, about a
minute:

    python benchmarks/frontier_search.py --capacity 200 --granularity 10
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from long_horizon_execution.evals.frontier_cli import format_report
from long_horizon_execution.evals.frontier_config import SearchConfig
from long_horizon_execution.evals.frontier_search import FrontierSearch

Z_80 = 0.8416  # standard normal quantile at 0.8


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--capacity", type=float, default=200)
    parser.add_argument("--spread", type=float, default=0.05)
    parser.add_argument("--granularity", type=int, default=10)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--mode", default="thinking")
    args = parser.parse_args()
    model_args = {
        "p": 1.0,
        "single_turn_capacity": args.capacity,
        "capacity_spread": args.spread,
    }
    with tempfile.TemporaryDirectory() as tmp:
        config = SearchConfig(
            model="simulated/executor",
            log_dir=str(Path(tmp) / "search"),
            model_args=model_args,
            task_args={"mode": args.mode},
            granularity=args.granularity,
            samples=args.samples,
            batch=args.batch,
        )
        started = time.perf_counter()
        search = FrontierSearch(config)
        primary = search.search(config.threshold)
        primary_tokens = search.report([primary]).tokens.total
        report = search.report([primary, search.search(0.8, lo=0, hi=primary.upper)])
        search_seconds = time.perf_counter() - started
        print(format_report(report))

        top = max(probe.k for probe in report.probes)
        grid = FrontierSearch(config.model_copy(update={"log_dir": str(Path(tmp) / "grid")}))
        started = time.perf_counter()
        grid.grid(range(args.granularity, top + 1, args.granularity))
        grid_seconds = time.perf_counter() - started

    truth = {0.5: args.capacity, 0.8: args.capacity * math.exp(-Z_80 * args.spread)}
    print()
    for result in report.results:
        error = result.horizon - truth[result.threshold]
        print(
            f"H_{result.threshold:g}: search {result.horizon}, truth {truth[result.threshold]:.1f}"
            f" (off by {error:+.1f}; granularity {args.granularity})"
        )
    grid_probes = len(range(args.granularity, top + 1, args.granularity))
    print(
        f"grid: {grid_probes} probes x {args.samples} samples over K in [{args.granularity}, {top}]"
    )
    print(f"tokens, H_0.5 search only: {primary_tokens}")
    print(f"tokens, H_0.5 and H_0.8:   {report.tokens.total}")
    print(f"tokens, full grid:         {grid.grid_tokens.total}")
    print(
        f"ratio grid / search: {grid.grid_tokens.total / primary_tokens:.1f}x (H_0.5 only), "
        f"{grid.grid_tokens.total / report.tokens.total:.1f}x (both thresholds)"
    )
    print(f"wall time: search {search_seconds:.1f}s, grid {grid_seconds:.1f}s")


if __name__ == "__main__":
    main()
