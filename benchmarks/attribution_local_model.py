"""Which slips a model makes: error attribution of recorded ``horizon`` logs, with the
checks that tell a real lookup slip from a chance match (the numbers in
docs/error-attribution.md). No model is called; logs scored before the attribution scorer
existed are attributed from their records.

For each log: every category's share of the failed turns with its 95% interval (answer
basis; in cot mode the working's first broken step and the resolved categories too); of
the lookup slips, how many used the value of a key spelled like the right one (same first
two letters) against how many would by chance; and how the increments the model applied
compare with the right ones.

    python benchmarks/attribution_local_model.py docs/logs/horizon/*.eval
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

import numpy as np

from long_horizon_execution.evals.report.attribution_rows import attribution_result, read_trials
from long_horizon_execution.evals.report.logs import read_header
from long_horizon_execution.evals.report.tables import interval
from long_horizon_execution.evals.simulated_reading import system_dictionary

_LOOKUP = re.compile(r"'(\w+)' \((-?\d+)\) read as (-?\d+), the value of")


def _alike(first: str, second: str) -> bool:
    return first[:2] == second[:2]


def chance_alike(dictionary: dict[str, int]) -> float:
    """The chance that a key's value read as another value, drawn uniformly from the
    dictionary's other values, belongs to a key spelled alike."""
    holders: dict[int, list[str]] = {}
    for key, value in dictionary.items():
        holders.setdefault(value, []).append(key)
    hits = trials = 0
    for key, value in dictionary.items():
        for other, keys in holders.items():
            if other != value:
                trials += 1
                hits += any(_alike(key, holder) for holder in keys)
    return hits / trials if trials else float("nan")


def dictionary_of(path: str) -> dict[str, int]:
    from inspect_ai.log import read_eval_log_samples

    for sample in read_eval_log_samples(path, all_samples_required=False):
        messages = [] if isinstance(sample.input, str) else sample.input
        return system_dictionary(next(m.text for m in messages if m.role == "system"))
    return {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("logs", nargs="+")
    args = parser.parse_args()
    for path in args.logs:
        header = read_header(path)
        mode = str(header.argument("mode", "plain"))
        trials = list(read_trials(path, mode))
        result = attribution_result(header, trials)
        first = result.rows[0]
        print(f"\n== {path}\n{first.model} · {mode} · K={first.k}: {first.failed} failed turns")
        print(f"of {first.attempted} attempted, {first.samples} samples")
        for basis in dict.fromkeys(row.basis for row in result.rows):
            cells = [
                f"{row.category} {interval(row.share, row.share_low, row.share_high, 2)}"
                for row in result.rows
                if row.basis == basis and row.share > 0
            ]
            print(f"  {basis:<9}", "; ".join(cells))
        dictionary = dictionary_of(path)
        alike: Counter[bool] = Counter()
        applied: list[int] = []
        right: list[int] = []
        restarts = 0
        for trial in trials:
            for entry in trial.turns:
                for detail in entry.get("details", []) if entry["category"] == "lookup" else []:
                    match = _LOOKUP.match(detail)
                    if match:
                        key, read = match.group(1), int(match.group(3))
                        holders = [k for k, v in dictionary.items() if v == read]
                        alike[any(_alike(key, holder) for holder in holders)] += 1
                if entry.get("answer") is not None:
                    applied.append(entry["answer"] - entry["previous"])
                    right.append(entry["expected"] - entry["previous"])
                    restarts += entry["answer"] == entry["expected"] - entry["previous"]
        lookups = alike[True] + alike[False]
        print(
            f"  lookup slips using the value of a key spelled alike: {alike[True]}/{lookups} "
            f"(chance {chance_alike(dictionary):.3f})"
        )
        if applied:
            done, due = np.abs(np.array(applied)), np.abs(np.array(right))
            same_sign = np.mean(np.sign(applied) == np.sign(right))
            print(
                f"  increments applied: median |d| {np.median(done):.1f} against "
                f"{np.median(due):.1f} due; sign as due {same_sign:.2f}; answers equal to "
                f"the turn's own sum (a restart from 0) {restarts}"
            )


if __name__ == "__main__":
    main()
