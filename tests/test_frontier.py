"""The frontier search on the simulated executor with a planted single-turn capacity."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from long_horizon_execution.evals.frontier_cli import format_report, main
from long_horizon_execution.evals.frontier_config import SearchConfig
from long_horizon_execution.evals.frontier_results import (
    binomial_tail,
    clopper_pearson,
    horizon_text,
    sequential_verdict,
)
from long_horizon_execution.evals.frontier_search import FrontierSearch

CAPACITY = 120
STEP = 4
SPREAD = 0.02
MODEL_ARGS = {"p": 1.0, "single_turn_capacity": CAPACITY, "capacity_spread": SPREAD}
TASK_ARGS = {"dict_size": 20, "mode": "plain", "reasoning_tokens": None}


def config(log_dir: Path, **changes: object) -> SearchConfig:
    base = SearchConfig(
        model="simulated/executor",
        log_dir=str(log_dir),
        model_args=MODEL_ARGS,
        task_args=TASK_ARGS,
        granularity=STEP,
        samples=6,
        batch=3,
        also=[],
    )
    return base.model_copy(update=changes)


def test_sequential_verdicts() -> None:
    # curtailment: 10 of 20 right already guarantees accuracy >= 0.5 over all 20
    assert sequential_verdict(10, 12, 20, 0.5, alpha=0.0) == "pass"
    assert sequential_verdict(9, 20, 20, 0.5, alpha=0.0) == "fail"
    assert sequential_verdict(4, 5, 20, 0.5, alpha=0.0) is None
    # the binomial test stops clear cases early
    assert sequential_verdict(5, 5, 20, 0.5, alpha=0.05) == "pass"
    assert sequential_verdict(0, 5, 20, 0.5, alpha=0.05) == "fail"
    assert sequential_verdict(5, 5, 20, 0.8, alpha=0.05) is None  # 0.8^5 = 0.33
    assert binomial_tail(5, 5, 0.5, upper=True) == pytest.approx(1 / 32)


def test_clopper_pearson_known_values() -> None:
    low, high = clopper_pearson(0, 5)
    assert low == 0.0 and high == pytest.approx(0.5218, abs=1e-3)
    low, high = clopper_pearson(5, 10)
    assert low == pytest.approx(0.1871, abs=1e-3) and high == pytest.approx(0.8129, abs=1e-3)


def test_search_finds_the_planted_capacity_frugally_and_resumes(tmp_path: Path) -> None:
    args = ["--model", "simulated/executor", "--log-dir", str(tmp_path / "search")]
    for name, value in MODEL_ARGS.items():
        args += ["-M", f"{name}={value}"]
    args += ["-T", "dict_size=20", "-T", "mode=plain", "-T", "reasoning_tokens=null"]
    args += ["--granularity", str(STEP), "--samples", "6", "--batch", "3", "--also"]
    report = main(args)
    (primary,) = report.results
    assert abs(primary.horizon - CAPACITY) <= STEP and primary.upper == primary.horizon + STEP
    written = json.loads((tmp_path / "search" / "frontier.json").read_text())
    assert written["results"][0]["horizon"] == primary.horizon
    assert report.evals_run > 0 and report.new_tokens.total == report.tokens.total
    assert report.evals_run <= report.eval_bound == written["eval_bound"]

    # a full grid over the same K range: N samples at every K, no early stop
    top = max(probe.k for probe in report.probes)
    grid = FrontierSearch(config(tmp_path / "grid"))
    accuracy = {p.k: p.successes / p.n for p in grid.grid(range(STEP, top + 1, STEP))}
    assert accuracy[CAPACITY - 2 * STEP] == 1.0 and accuracy[CAPACITY + 2 * STEP] == 0.0
    assert 3 * report.tokens.total <= grid.grid_tokens.total

    # adding s = 0.8 reuses every probe and searches inside the bracket already found
    both = FrontierSearch(config(tmp_path / "search", also=[0.8])).run()
    strict = both.results[1]
    truth_80 = CAPACITY * math.exp(-0.8416 * SPREAD)
    assert strict.horizon <= primary.horizon and abs(strict.horizon - truth_80) <= STEP
    assert both.new_tokens.total < both.tokens.total

    # rerunning reuses every finished probe: no eval, same answer
    again = FrontierSearch(config(tmp_path / "search", also=[0.8])).run()
    assert again.evals_run == 0 and again.new_tokens.total == 0
    assert [r.horizon for r in again.results] == [primary.horizon, strict.horizon]
    assert all(p.new_batches == 0 and p.reused_batches > 0 for p in again.probes)


def test_probes_of_other_settings_are_not_reused(tmp_path: Path) -> None:
    search = FrontierSearch(config(tmp_path, max_k=10))
    search.verdict(10, 0.5)
    assert search.evals_run == 1
    other = FrontierSearch(config(tmp_path, model_args={"p": 1.0}, max_k=10))
    assert other.probes == {}
    result = FrontierSearch(config(tmp_path, max_k=10)).run().results[0]
    assert result.censored and result.horizon == 10


def test_a_first_probe_that_fails_reads_below_the_smallest_k(tmp_path: Path) -> None:
    # capacity 2: even the smallest K the search may try (one granularity step, 4) fails
    args = ["--model", "simulated/executor", "--log-dir", str(tmp_path), "--max-k", "16"]
    for name, value in {**MODEL_ARGS, "single_turn_capacity": 2}.items():
        args += ["-M", f"{name}={value}"]
    args += ["-T", "dict_size=20", "-T", "mode=plain", "-T", "reasoning_tokens=null"]
    report = main(args + ["--granularity", str(STEP), "--samples", "6", "--also"])
    (result,) = report.results
    assert (result.horizon, result.upper) == (0, STEP) and not result.censored
    assert result.below_smallest_tried
    written = json.loads((tmp_path / "frontier.json").read_text())
    assert written["results"][0]["below_smallest_tried"] is True
    assert horizon_text(result.horizon, result.upper) == "< 4 (below the smallest K tried)"
    assert "H_0.5 < 4 steps (below the smallest K tried" in format_report(report)
