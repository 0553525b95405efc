"""A first run in one command: the ``horizon`` task on a model, then the headline numbers.

    horizon-quickstart                         # the offline Qwen model
    horizon-quickstart --model simulated/executor --samples 20 --turns 50

The numbers printed are the task's own metrics as logged; the log opens in ``inspect view``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from inspect_ai import eval
from inspect_ai.log import EvalLog

from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError

DEFAULT_MODEL = "local/qwen2.5-coder-1.5b"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="horizon-quickstart",
        description="Run horizon and print its headline.",
    )
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--mode", default="cot", choices=["plain", "cot", "thinking"])
    parser.add_argument("--log-dir", default="logs")
    parser.add_argument(
        "-M",
        dest="model_args",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="model argument, as with inspect eval -M",
    )
    return parser.parse_args(argv)


def model_arguments(pairs: list[str]) -> dict[str, str]:
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"quickstart: -M takes KEY=VALUE, got {pair!r}")
        parsed[key] = value
    return parsed


def headline(log: EvalLog) -> str:
    """The numbers a newcomer looks at first, read from the log's metrics."""
    if log.results is None or not log.results.scores:
        return f"no results: the eval ended with status {log.status}"
    m = {name: metric.value for name, metric in log.results.scores[0].metrics.items()}
    spec = log.eval.task_args
    steps = int(spec.get("turns", 0)) * int(spec.get("k", 1))

    def horizon_line(label: str) -> str:
        at_least = ">= " if m[f"horizon_{label}_censored"] else ""
        return (
            f"  H_{int(label) / 100:g}          {at_least}{m[f'horizon_{label}']:.0f} steps "
            f"(95% interval {m[f'horizon_{label}_low']:.0f} to {m[f'horizon_{label}_high']:.0f}; "
            f"Proposition 1 predicts {m[f'theory_horizon_{label}']:.0f})"
        )

    task = m["task_accuracy"]
    task_line = (
        f"  task accuracy  {task:.3f}   (all {steps} steps right)"
        if not math.isnan(task)
        else f"  task accuracy  unknown after step {m['known_steps']:.0f} (every run still "
        "right had stopped early)"
    )
    return "\n".join(
        [
            f"horizon on {log.eval.model}: mode {spec.get('mode')}, K={spec.get('k')}, "
            f"{len(log.samples or [])} samples x {spec.get('turns')} turns "
            f"({m['observed_turns']:.0f} of {m['planned_turns']:.0f} turns answered)",
            f"  turn accuracy  {m['turn_accuracy']:.3f}   (per-step p = {m['p_step']:.3f})",
            task_line,
            horizon_line("50"),
            horizon_line("80"),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    try:
        task = horizon(samples=args.samples, turns=args.turns, k=args.k, mode=args.mode)
    except ParameterError as error:
        print(error, file=sys.stderr)
        return 2
    model_args = model_arguments(args.model_args)
    # One sample at a time per server slot keeps each conversation in the slot's prefix
    # cache; interleaving samples would make the server re-read every history each turn.
    max_samples = int(model_args.get("n_parallel", 1)) if args.model.startswith("local/") else None
    log = eval(
        task, model=args.model, model_args=model_args, log_dir=args.log_dir, max_samples=max_samples
    )[0]
    print()
    print(headline(log))
    print(f"\nLog: {log.location}")
    print(f"Browse it: inspect view --log-dir {Path(args.log_dir)}")
    return 0 if log.status == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
