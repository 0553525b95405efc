"""The token estimate against real runs of the local model: predicted versus billed tokens,
per method, for the logged ``horizon`` runs (plain and cot, both prompt layouts).

    python benchmarks/estimate_accuracy.py                # the logs only (starts the tokenizer)
    python benchmarks/estimate_accuracy.py --live         # also a real pilot per mode (minutes)
    python benchmarks/estimate_accuracy.py --logs 'docs/logs/horizon/*.eval' --pilot-turns 6

"Billed" is every prompt token of every turn, cached or not, and every reply token, as the
server reported them. Each log is compared whole and cut to its first 8 samples x 10 turns
(what a run of that size billed: the same prompts, the same model). The methods:

- ``characters``: four characters a token (no model);
- ``tokenizer``: the local model's tokenizer, replies as the prompt asks;
- ``pilot (log)``: the tokenizer, scaled by the log's own first sample's first turns, which is
  what a pilot of that size measures (no model run);
- ``pilot, no tokenizer (log)``: the same pilot over four characters a token, as for a model
  whose tokenizer is not at hand;
- ``pilot (live)``, with ``--live``: a real pilot run of the local model (one thread, nice).

A log whose system prompt the current task no longer sends is skipped with a note.
"""

from __future__ import annotations

import argparse
import glob
import inspect
import os
from typing import Any

from inspect_ai.log import EvalLog, read_eval_log

from long_horizon_execution.evals.estimate_method import EstimateOptions, calibrated_estimate
from long_horizon_execution.evals.estimate_pilot import (
    PilotTurn,
    pilot_arguments,
    pilot_turns,
    run_pilot,
)
from long_horizon_execution.evals.estimate_totals import TokenEstimate
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.tokenizer_client import LlamaTokenizer, local_tokenizer

MODEL = "local/qwen2.5-coder-1.5b"
DEFAULT_LOGS = ("docs/logs/horizon/*.eval", "docs/logs/suite-layout/horizon/*.eval")
CUT = (8, 10)
"""The cut of every log also compared: samples x turns (the size of an earlier check)."""
NO_TOKENIZER = "api/no-tokenizer"
"""A model name with no tokenizer at hand: the pilot then scales four characters a token."""


def task_arguments(log: EvalLog) -> dict[str, Any] | None:
    """The log's horizon settings, the layout found by its system prompt (older logs did not
    record one); None when no layout sends the logged prompt any more."""
    known = set(inspect.signature(horizon).parameters)
    arguments = {k: v for k, v in log.eval.task_args.items() if k in known}
    logged = (log.samples or [])[0].input
    assert not isinstance(logged, str)
    for layout in [arguments.get("layout", "paper"), "paper", "suite"]:
        candidate = {**arguments, "layout": layout, "samples": 1}
        sent = horizon(**candidate).dataset[0].input
        assert not isinstance(sent, str)
        if sent[0].text == logged[0].text:
            return {**arguments, "layout": layout}
    return None


def billed(turns: list[PilotTurn], samples: int, count: int) -> tuple[int, int]:
    """(input, output) tokens of the first ``samples`` samples' first ``count`` turns."""
    kept = [t for t in turns if t.sample < samples and t.turn < count]
    return sum(t.input_tokens for t in kept), sum(t.output_tokens for t in kept)


def row(label: str, estimate: TokenEstimate, actual: tuple[int, int]) -> str:
    def side(predicted: int, real: int, within: float | None) -> str:
        stated = "  ?" if within is None else f"{within:>3.0%}"
        return f"{predicted:>10,} {real:>10,} {predicted / real:>6.3f} ±{stated}"

    return (
        f"  {label:<28}"
        f"{side(estimate.input_tokens, actual[0], estimate.input_uncertainty)}   "
        f"{side(estimate.output_tokens, actual[1], estimate.output_uncertainty)}"
    )


def compare(
    arguments: dict[str, Any],
    turns: list[PilotTurn],
    tokenizer: LlamaTokenizer,
    pilot_size: int,
    live: list[PilotTurn] | None,
) -> list[tuple[str, float, float]]:
    """Print one block; return (method, input ratio, output ratio) per line."""
    samples, count = int(arguments["samples"]), int(arguments["turns"])
    actual = billed(turns, samples, count)
    from_log = [t for t in turns if t.sample == 0 and t.turn < pilot_size]
    local = EstimateOptions(method="tokenizer", model=MODEL, pilot_turns=pilot_size)
    piloted = local.model_copy(update={"method": "pilot"})
    elsewhere = EstimateOptions(method="pilot", model=NO_TOKENIZER, pilot_turns=pilot_size)
    methods: list[tuple[str, TokenEstimate]] = [
        ("characters", calibrated_estimate(arguments)),
        ("tokenizer", calibrated_estimate(arguments, local, tokenizer=tokenizer)),
        ("pilot (log)", calibrated_estimate(arguments, piloted, from_log, tokenizer)),
        ("pilot, no tokenizer (log)", calibrated_estimate(arguments, elsewhere, from_log)),
    ]
    if live is not None:
        methods.append(("pilot (live)", calibrated_estimate(arguments, piloted, live, tokenizer)))
    ratios = []
    for label, estimate in methods:
        print(row(label, estimate, actual))
        ratios.append(
            (label, estimate.input_tokens / actual[0], estimate.output_tokens / actual[1])
        )
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logs", action="append", help="glob of horizon logs of the local model")
    parser.add_argument("--pilot-turns", type=int, default=4)
    parser.add_argument("--live", action="store_true", help="also run a real pilot per mode")
    args = parser.parse_args()
    paths = sorted(p for pattern in args.logs or DEFAULT_LOGS for p in glob.glob(pattern))
    if args.live:
        os.nice(10)  # the model shares the machine
    worst: dict[str, list[float]] = {}
    header = f"  {'method':<28}{'input':>10} {'billed':>10} {'ratio':>6} stated" + (
        f"   {'output':>10} {'billed':>10} {'ratio':>6} stated"
    )
    with local_tokenizer(MODEL) as tokenizer:
        for path in paths:
            log = read_eval_log(path)
            arguments = task_arguments(log)
            if arguments is None or not log.eval.model.startswith("local/"):
                print(f"{path}: skipped (not the local model, or its prompts changed)")
                continue
            ids = [sample.id for sample in horizon(**arguments).dataset]
            turns = pilot_turns(log, ids)
            mode, layout = arguments["mode"], arguments["layout"]
            live = None
            if args.live and layout == "paper":
                pilot = pilot_arguments(arguments, 1, args.pilot_turns)
                live = run_pilot(pilot, MODEL, {"threads": 1})
            for samples, count in [(arguments["samples"], arguments["turns"]), CUT]:
                sized = {**arguments, "samples": samples, "turns": count}
                print(f"\n{mode} / {layout} layout, {samples} samples x {count} turns  ({path})")
                print(header)
                for label, ratio_in, ratio_out in compare(
                    sized, turns, tokenizer, args.pilot_turns, live
                ):
                    worst.setdefault(label, []).extend([ratio_in, ratio_out])
    print("\nworst error per method (input and output, every run above):")
    for label, ratios in worst.items():
        print(f"  {label:<28}{max(abs(r - 1) for r in ratios):>7.1%}")


if __name__ == "__main__":
    main()
