"""Estimate the tokens a ``horizon`` run will spend, before spending them.

    horizon-estimate -T samples=20 -T turns=50 -T mode=cot
    horizon-estimate -T samples=20 -T turns=50 -T mode=cot --model local/qwen2.5-coder-1.5b
    horizon-estimate -T samples=100 -T steps=1000 -T k=10 --model openai/gpt-4o \
        --method pilot --input-price 2.5 --output-price 10

The estimate replays each sample's conversation with every answer right (``estimate_replay``)
and counts it one of three ways (``estimate_method``): four characters a token (the default
without a model: exact for the simulated executor, an approximation for real tokenizers),
the model's own tokenizer (a ``local/`` model, or any llama.cpp server via
``--tokenizer-url``), or a pilot of a few real turns that measures what the model writes.
It prints the method and how sure it is. A multi-turn run resends the whole history each
turn, so input grows with the square of the turns; "cacheable" is the part of each request
that repeats the previous request word for word, which a provider's prefix cache can serve.
Without a pilot, replies are counted as the prompt asks for them; thinking models reason far
longer than the working counted here, so treat their output estimate as a floor.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import yaml
from inspect_ai._util.error import PrerequisiteError
from pydantic import ValidationError

from long_horizon_execution.evals.estimate_method import EstimateOptions, calibrated_estimate
from long_horizon_execution.evals.estimate_pilot import (
    DEFAULT_PILOT_SAMPLES,
    DEFAULT_PILOT_TURNS,
    PilotError,
)
from long_horizon_execution.evals.estimate_tokens import METHODS
from long_horizon_execution.evals.estimate_totals import PER_MILLION, TokenEstimate
from long_horizon_execution.evals.tokenizer_client import TokenizerError

__all__ = ["PER_MILLION", "EstimateOptions", "TokenEstimate", "estimate_horizon", "main"]


def estimate_horizon(options: EstimateOptions | None = None, **task_args: Any) -> TokenEstimate:
    """The estimate for ``horizon(**task_args)``; invalid arguments fail as the task does.
    Without ``options``, four characters a token."""
    return calibrated_estimate(task_args, options)


def task_arguments(pairs: Sequence[str], flag: str = "-T") -> dict[str, Any]:
    """``name=value`` pairs, values read as YAML (as ``inspect eval -T`` reads them)."""
    arguments: dict[str, Any] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise SystemExit(f"estimate: {flag} expects name=value, got {pair!r}")
        try:
            arguments[name.strip().replace("-", "_")] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise SystemExit(f"estimate: {flag} {name}: cannot read {value!r}") from None
    return arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="horizon-estimate",
        description="Tokens a horizon run will spend, from its task parameters.",
    )
    parser.add_argument("-T", dest="task_args", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--model", help="the model the run will use (for its tokenizer or pilot)")
    parser.add_argument("-M", dest="model_args", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--method",
        choices=["auto", *METHODS],
        default="auto",
        help="characters (4 a token), tokenizer (the model's own), pilot (a few real turns); "
        "auto: tokenizer if one is at hand, else pilot with --model, else characters",
    )
    parser.add_argument("--tokenizer-url", help="a llama.cpp server with the run's model")
    parser.add_argument("--pilot-samples", type=int, default=DEFAULT_PILOT_SAMPLES)
    parser.add_argument("--pilot-turns", type=int, default=DEFAULT_PILOT_TURNS)
    parser.add_argument("--input-price", type=float, help="$ per million input tokens")
    parser.add_argument("--output-price", type=float, help="$ per million output tokens")
    parser.add_argument("--cached-price", type=float, help="$ per million cached input tokens")
    return parser


def _options(args: argparse.Namespace) -> EstimateOptions:
    try:
        return EstimateOptions(
            method=args.method,
            model=args.model,
            model_args=task_arguments(args.model_args, "-M"),
            tokenizer_url=args.tokenizer_url,
            pilot_samples=args.pilot_samples,
            pilot_turns=args.pilot_turns,
        )
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).replace("_", "-") if first["loc"] else "option"
        raise SystemExit(f"estimate: --{name}: {first['msg']}") from None


def _within(uncertainty: float | None) -> str:
    if uncertainty is None:
        return "accuracy unknown: --model counts with the model's tokenizer or a pilot"
    return f"within about {uncertainty:.0%}"


def report(estimate: TokenEstimate) -> list[str]:
    """The printed lines (without prices)."""
    lines = [
        f"method                  {estimate.method} ({estimate.detail})",
        f"samples                 {estimate.samples:>15,}",
        f"requests                {estimate.requests:>15,}",
        f"input tokens            {estimate.input_tokens:>15,}"
        f"  ({_within(estimate.input_uncertainty)})",
        f"  cacheable prefix      {estimate.cacheable_input_tokens:>15,}"
        f"  ({estimate.cacheable_share:.0%})",
        f"output tokens           {estimate.output_tokens:>15,}"
        f"  ({_within(estimate.output_uncertainty)})",
    ]
    if estimate.reasoning_tokens:
        lines.append(f"  reasoning (a floor)   {estimate.reasoning_tokens:>15,}")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    options = _options(args)
    try:
        estimate = estimate_horizon(options, **task_arguments(args.task_args))
    except TypeError as error:
        raise SystemExit(f"estimate: {error}") from None
    except (PrerequisiteError, ValueError, TokenizerError, PilotError) as error:
        raise SystemExit(str(error)) from None  # ParameterError etc.: one clean line
    print("\n".join(report(estimate)))
    if args.input_price is not None and args.output_price is not None:
        dollars = estimate.cost(args.input_price, args.output_price, args.cached_price)
        print(f"cost                    {dollars:>15,.2f} $")


if __name__ == "__main__":
    main(sys.argv[1:])
