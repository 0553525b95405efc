"""Error attribution against the truth: slips planted by the simulated executor at known
rates, recovered from the replies alone.

For each setting, one ``horizon`` run with every kind planted; printed side by side per
kind: the rate asked for and the rate got (per reply: a stale slip cannot be made at the
first turn), the share of failed turns it took (planted),
the share attribution gives it with its 95% bootstrap interval, its share were every
ambiguous turn it is a candidate for counted as it (max, with the interval's upper end),
whether the planted share lies within [share low, max high], and how its planted turns were
named (as itself, ambiguous, as something else). In cot mode, the share once the working
is read (resolved) too. Offline; a few minutes at the defaults:

    python benchmarks/attribution_recovery.py --samples 60 --turns 40
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from typing import Any

from inspect_ai import eval as inspect_eval

from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.simulated_slips import planted_attributions
from long_horizon_execution.scorers.attribution import SLIPS

KINDS = (*SLIPS, "other", "format")
SETTINGS = [
    {"k": 1, "mode": "plain"},
    {"k": 3, "mode": "plain"},
    {"k": 2, "mode": "cot"},
]


def run(setting: dict[str, Any], args: argparse.Namespace, log_dir: str) -> Any:
    rates = {f"{kind}_slip": args.rate for kind in (*SLIPS, "other")}
    model_args = {"p": 1.0, "format_error": args.format_error, "seed": args.seed, **rates}
    task = horizon(samples=args.samples, turns=args.turns, **setting)
    return inspect_eval(
        task, model="simulated/executor", model_args=model_args, display="none", log_dir=log_dir
    )[0]


def report(log: Any, args: argparse.Namespace, cot: bool) -> bool:
    """Print the side-by-side table; True when every planted share is within bounds."""
    values = {
        name: metric.value
        for score in log.results.scores
        if score.name == "error_attribution"
        for name, metric in score.metrics.items()
    }
    planted: Counter[str] = Counter()
    named: Counter[tuple[str, str]] = Counter()
    resolved: Counter[str] = Counter()
    unplanted_failures = 0
    replies = 0
    for sample in log.samples:
        for kind, found in planted_attributions(sample):
            replies += 1
            if found is None:
                continue
            if kind is None:
                unplanted_failures += 1
                continue
            planted[kind] += 1
            category = found["category"]
            verdict = (
                "self" if category == kind else "ambiguous" if category == "ambiguous" else "wrong"
            )
            named[(kind, verdict)] += 1
            resolved[found.get("resolved", category)] += 1
    failed = sum(planted.values()) + unplanted_failures
    header = f"{'kind':<12}{'asked':>7}{'got':>7}{'planted':>9}  "
    header += f"{'recovered [95% CI]':<22}{'max [.., high]':<18}"
    header += f"{'within':<8}{'self/ambig/wrong':<18}"
    print(header + ("resolved (working)" if cot else ""))
    all_within = True
    for kind in KINDS:
        asked = args.format_error if kind == "format" else args.rate
        share = planted[kind] / failed if failed else float("nan")
        value, low, high = (values[f"{kind}{end}"] for end in ("", "_low", "_high"))
        if kind in SLIPS:
            top, top_high = values[f"{kind}_max"], values[f"{kind}_max_high"]
        else:
            top, top_high = value, high
        within = low <= share <= top_high
        all_within &= within
        counts = "/".join(str(named[(kind, v)]) for v in ("self", "ambiguous", "wrong"))
        line = f"{kind:<12}{asked:>7.3f}{planted[kind] / replies:>7.3f}{share:>9.3f}  "
        line += f"{f'{value:.3f} [{low:.3f}, {high:.3f}]':<22}"
        line += f"{f'{top:.3f} [.., {top_high:.3f}]':<18}{'yes' if within else 'NO':<8}{counts:<18}"
        if cot:
            line += f"{resolved[kind] / failed:.3f}" if failed else "-"
        print(line)
    ambiguous = (
        f"{values['ambiguous']:.3f} [{values['ambiguous_low']:.3f}, {values['ambiguous_high']:.3f}]"
    )
    line = f"{'ambiguous':<12}{'':>23}  {ambiguous:<22}"
    print(line + (f"{'':<44}{resolved['ambiguous'] / failed:.3f}" if cot and failed else ""))
    print(f"failed turns {failed}, of them without a planted slip {unplanted_failures}")
    return all_within and unplanted_failures == 0 and not any(v == "wrong" for _, v in named)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.06, help="per kind, per reply")
    parser.add_argument("--format-error", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    verdicts = []
    with tempfile.TemporaryDirectory() as log_dir:
        for setting in SETTINGS:
            started = time.perf_counter()
            log = run(setting, args, log_dir)
            seconds = time.perf_counter() - started
            print(
                f"\n== K={setting['k']} {setting['mode']}: {args.samples} samples x "
                f"{args.turns} turns ({seconds:.0f} s)"
            )
            verdicts.append(report(log, args, setting["mode"] == "cot"))
    print("\nevery planted share within its bounds:", "yes" if all(verdicts) else "NO")


if __name__ == "__main__":
    main()
