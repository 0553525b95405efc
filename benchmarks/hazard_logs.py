"""Decay versus self-conditioning in real logs: the hazard fit of every multi-turn log given,
over all turns and again from turn 2 (turn 1 adds to no earlier total, so a model that can
look values up but not add fails from turn 2 on whatever its history shows), with the
error rate per turn and per share of wrong totals shown beside it.

    python benchmarks/hazard_logs.py docs/logs/horizon docs/logs/self_conditioning
"""

from __future__ import annotations

import argparse

import numpy as np
from inspect_ai.log import read_eval_log_samples

from long_horizon_execution.evals.report.logs import log_files, read_header
from long_horizon_execution.evals.report.runs import model_label, variant
from long_horizon_execution.scorers.hazard import (
    COEFFICIENTS,
    HazardFit,
    HazardTurns,
    fit_hazard,
    flag_text,
)
from long_horizon_execution.scorers.hazard_inputs import logged_hazard_turns

SHARE_BINS = ((0.0, 0.0), (0.0, 0.5), (0.5, 1.0))


def fit_line(label: str, fit: HazardFit) -> str:
    cells = []
    for name in COEFFICIENTS:
        estimate = fit.coefficient(name)
        cells.append(f"{name} {estimate.value:.2f} [{estimate.low:.2f}, {estimate.high:.2f}]")
    flags = f"\n      flags: {flag_text(fit.flags)}" if fit.flags else ""
    return (
        f"  {label:<14} turns {fit.turns}, errors {fit.errors}, samples {fit.samples}; "
        + "; ".join(cells)
        + flags
    )


def rates(rows: HazardTurns) -> str:
    by_turn = []
    for turn in np.unique(rows.turn):
        chosen = rows.error[rows.turn == turn]
        by_turn.append(f"{int(turn)}:{int(chosen.sum())}/{chosen.size}")
    by_share = []
    for low, high in SHARE_BINS:
        if low == high:
            mask, name = rows.wrong_share == low, f"share {low:g}"
        else:
            mask, name = (
                (rows.wrong_share > low) & (rows.wrong_share <= high),
                f"({low:g}, {high:g}]",
            )
        by_share.append(f"{name}: {int(rows.error[mask].sum())}/{int(mask.sum())}")
    return (
        "  errors by turn " + " ".join(by_turn) + "\n  errors by wrong share " + ", ".join(by_share)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+")
    args = parser.parse_args()
    for path in log_files(args.logs):
        header = read_header(path)
        if header.experiment not in ("horizon", "self_conditioning"):
            continue
        window = header.argument("window")
        samples = list(
            read_eval_log_samples(path, exclude_fields={"messages", "events", "attachments"})
        )
        mode = header.argument("mode", "plain")
        task = header.task.rsplit("/", 1)[-1]
        protocol = header.argument("protocol")
        print(
            f"\n{path}\n  {model_label(header)} · {task} · {mode}"
            + (f" · {protocol} protocol" if protocol else "")
            + f" · {variant(header)}"
        )
        for first in (1, 2):
            rows, notes = logged_hazard_turns(samples, window, first_turn=first)
            if first == 1:
                print(rates(rows) + ("\n  left out: " + "; ".join(notes) if notes else ""))
            print(fit_line(f"from turn {first}", fit_hazard(rows)))


if __name__ == "__main__":
    main()
