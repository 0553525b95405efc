"""The adaptive run against the fixed protocol on the simulated executor, side by side.

For each planted p: one ``horizon`` run of every planned turn (the fixed protocol), then
``horizon-adaptive`` on the same samples, with every turn asked and stopped at the first
error. Prints each one's H_0.5 and H_0.8 with their intervals, the turns asked and the
input tokens spent, and whether the adaptive horizons fall inside the fixed run's intervals
(and whether they are identical: the executor's replies depend only on the conversation,
so they should be). The fixed runs take most of the time (about an hour each at 100 x
1,000 on 2 shared cores); their logs are reused when ``--log-dir`` already holds them.

    python benchmarks/adaptive_horizon.py --samples 100 --cap 1000 --p 0.99 0.95

``--rule-replications N`` adds the rule's error rate against the truth, from N simulated
runs of the executor's first errors (geometric in the turns with rate 1 - p at K = 1):
how often the true H_s lies beyond the turn the run stopped at, and how often the interval
misses it (the coverage a fixed run has too).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log

from long_horizon_execution.evals.adaptive import AdaptiveRun
from long_horizon_execution.evals.adaptive_config import AdaptiveConfig
from long_horizon_execution.evals.adaptive_results import AdaptiveReport, log_tokens
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.scorers.settling import all_settled, settled_horizons
from long_horizon_execution.scorers.survival import cumulative_steps

THRESHOLDS = (0.5, 0.8)
MODEL = "simulated/executor"


def fixed_run(log_dir: Path, p: float, samples: int, cap: int) -> tuple[EvalLog, float]:
    """The fixed protocol's log (found in ``log_dir`` or run now) and its seconds (NaN when
    found)."""
    task_args = {"samples": samples, "turns": cap}
    for info in list_eval_logs(str(log_dir)):
        header = read_eval_log(info, header_only=True)
        args = header.eval.task_args
        if (
            header.status == "success"
            and header.eval.model_args == {"p": p}
            and args.get("samples") == samples
            and args.get("turns") == cap
            and args.get("through_turn") is None
            and args.get("until", "last_turn") == "last_turn"
        ):
            return header, math.nan
    started = time.perf_counter()
    log = inspect_eval(
        horizon(**task_args),
        model=MODEL,
        model_args={"p": p},
        log_dir=str(log_dir),
        display="none",
        log_realtime=False,
    )[0]
    return log, time.perf_counter() - started


def adaptive_run(
    log_dir: Path, p: float, samples: int, cap: int, until: str
) -> tuple[AdaptiveReport, float]:
    config = AdaptiveConfig(
        model=MODEL,
        log_dir=str(log_dir),
        model_args={"p": p},
        task_args={"samples": samples, "turns": cap, "until": until},
        thresholds=list(THRESHOLDS),
        eval_args={"log_realtime": False},
    )
    started = time.perf_counter()
    report = AdaptiveRun(config).run()
    return report, time.perf_counter() - started


def cell(value: float, low: float, high: float, censored: float | bool) -> str:
    if censored:
        return f">= {value:g}"
    return f"{value:g} [{low:g}, {high:g}]"


def rule_error_rates(p: float, samples: int, cap: int, replications: int, seed: int) -> str:
    """The rule on simulated first errors: stop turn, truth beyond it, interval misses."""
    rng = np.random.default_rng(seed)
    truth = {s: math.floor(math.log(s) / math.log(p)) for s in THRESHOLDS}
    steps = cumulative_steps(cap, 1)
    beyond = dict.fromkeys(THRESHOLDS, 0)
    missed = dict.fromkeys(THRESHOLDS, 0)
    stops = []
    for _ in range(replications):
        first_error = rng.geometric(1 - p, size=samples)  # the turn of the first wrong total
        through = 10
        while True:
            turns = np.arange(1, cap + 1)
            task = np.where(turns < first_error[:, None], 1.0, 0.0)
            task[(turns > through) & (first_error[:, None] > through)] = np.nan  # still open
            horizons = settled_horizons(task, steps, THRESHOLDS)
            if all_settled(horizons, "interval") or through >= cap:
                break
            through = min(cap, through * 2)
        stops.append(through)
        for h in horizons:
            s = h.estimate.threshold
            beyond[s] += truth[s] >= through
            missed[s] += not h.estimate.low <= truth[s] <= h.estimate.high
    parts = [f"p = {p}: stopped at turn {np.median(stops):g} (median; max {max(stops)})"]
    for s in THRESHOLDS:
        parts.append(
            f"H_{s:g} = {truth[s]}: beyond the stop {beyond[s] / replications:.1%}, "
            f"outside the interval {missed[s] / replications:.1%}"
        )
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--cap", type=int, default=1000)
    parser.add_argument("--p", type=float, nargs="+", default=[0.99, 0.95])
    parser.add_argument("--log-dir", default="logs/benchmark-adaptive")
    parser.add_argument("--rule-replications", type=int, default=0)
    args = parser.parse_args()
    rows = []
    for p in args.p:
        base = Path(args.log_dir) / f"p{p}"
        fixed, fixed_seconds = fixed_run(base / "fixed", p, args.samples, args.cap)
        metrics = {k: v.value for k, v in fixed.results.scores[0].metrics.items()}
        fixed_input = log_tokens(fixed).input
        rows.append(
            [
                f"{p}",
                "fixed",
                cell(*(metrics[f"horizon_50{x}"] for x in ("", "_low", "_high", "_censored"))),
                cell(*(metrics[f"horizon_80{x}"] for x in ("", "_low", "_high", "_censored"))),
                f"{int(metrics['observed_turns']):,}",
                f"{fixed_input:,}",
                "100%",
                "",
                f"{fixed_seconds:.0f} s" if not math.isnan(fixed_seconds) else "found",
            ]
        )
        for until in ("last_turn", "first_error"):
            report, seconds = adaptive_run(
                base / f"adaptive-{until}", p, args.samples, args.cap, until
            )
            cells, inside, same = [], [], []
            for h in report.horizons:
                label = f"horizon_{round(h.threshold * 100)}"
                cells.append(cell(h.horizon, h.low, h.high, h.censored))
                inside.append(metrics[f"{label}_low"] <= h.horizon <= metrics[f"{label}_high"])
                same.append(
                    (h.horizon, h.low, h.high)
                    == (metrics[label], metrics[f"{label}_low"], metrics[f"{label}_high"])
                )
            rows.append(
                [
                    f"{p}",
                    f"adaptive, until={until} ({len(report.rounds)} rounds, through "
                    f"{report.rounds[-1].through_turn})",
                    *cells,
                    f"{report.turns_asked:,}",
                    f"{report.tokens.input:,}",
                    f"{report.tokens.input / fixed_input:.1%}",
                    f"{'yes' if all(inside) else 'NO'} / {'yes' if all(same) else 'no'}",
                    f"{seconds:.0f} s",
                ]
            )
    header = [
        "p",
        "protocol",
        "H_0.5 [95% CI]",
        "H_0.8 [95% CI]",
        "turns asked",
        "input tokens",
        "of fixed",
        "inside fixed CI / identical",
        "time",
    ]
    print(f"{args.samples} samples, cap {args.cap} turns, K = 1, simulated executor\n")
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if args.rule_replications:
        print(f"\nThe rule against the truth, {args.rule_replications} simulated runs each:")
        for p in args.p:
            print("  " + rule_error_rates(p, args.samples, args.cap, args.rule_replications, 0))


if __name__ == "__main__":
    main()
