"""Estimate the tokens a ``horizon`` run will spend, before spending them.

    horizon-estimate -T samples=20 -T turns=50 -T mode=cot
    horizon-estimate -T samples=100 -T steps=1000 -T k=10 --input-price 3 --output-price 15

The estimate replays each sample's conversation with every answer right: the same system
message, user turns (with the layout's reminder, if any) and history policy the task uses,
replies written as the prompt asks (the answer tag; in cot the working too, in the style of
the layout's example). Tokens are counted as 4 characters each,
the rule the simulated executor reports, so the estimate matches a simulated run and is an
approximation for a real tokenizer. A multi-turn run resends the whole history each turn,
so input grows with the square of the turns; "cacheable" is the part of each request that
repeats the previous request word for word, which a provider's prefix cache can serve.
Thinking models reason far longer than the working lines counted here; treat their output
estimate as a floor.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import yaml
from inspect_ai._util.error import PrerequisiteError
from inspect_ai.model import ChatMessageSystem
from pydantic import BaseModel

from long_horizon_execution.core import format_answer, parse_answer
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.prompts import cot_working, user_text
from long_horizon_execution.evals.prompts_format import DEFAULT_LAYOUT, cot_reply
from long_horizon_execution.evals.simulated import CHARS_PER_TOKEN
from long_horizon_execution.evals.simulated_reading import read_conversation
from long_horizon_execution.solvers.history import history_policy

PER_MILLION = 1_000_000


class TokenEstimate(BaseModel):
    """Tokens one run spends, summed over its samples and turns."""

    samples: int
    requests: int
    input_tokens: int
    cacheable_input_tokens: int
    """Input that repeats the previous request of the same sample (a prefix-cache hit)."""
    output_tokens: int
    reasoning_tokens: int
    """Part of ``output_tokens``; thinking mode only."""

    @property
    def cacheable_share(self) -> float:
        return self.cacheable_input_tokens / self.input_tokens if self.input_tokens else 0.0

    def cost(self, input_price: float, output_price: float, cached_price: float | None) -> float:
        """Dollars at prices per million tokens (cached input at ``cached_price``, or at
        the full input price when None)."""
        cached = input_price if cached_price is None else cached_price
        fresh = self.input_tokens - self.cacheable_input_tokens
        return (
            fresh * input_price
            + self.cacheable_input_tokens * cached
            + self.output_tokens * output_price
        ) / PER_MILLION


def _tokens(chars: int) -> int:
    return chars // CHARS_PER_TOKEN + 1


def estimate_horizon(**task_args: Any) -> TokenEstimate:
    """The estimate for ``horizon(**task_args)``; invalid arguments fail as the task does."""
    task = horizon(**task_args)
    metadata = task.metadata or {}
    mode = str(metadata.get("mode", "plain"))
    layout = str(metadata.get("layout", DEFAULT_LAYOUT))
    policy = history_policy(str(metadata.get("history", "paper")), mode, layout)
    totals = {"requests": 0, "input": 0, "cacheable": 0, "output": 0, "reasoning": 0}
    samples = 0
    for sample in task.dataset:
        samples += 1
        assert not isinstance(sample.input, str)
        system = sample.input[0].text
        dictionary = read_conversation([ChatMessageSystem(content=system)]).dictionary
        history_chars, previous_tokens, total = len(system), 0, 0
        for keys in (sample.metadata or {}).get("turns", []):
            history_chars += len(user_text(keys, mode, layout))
            request = _tokens(history_chars)
            work = cot_working(keys, dictionary, total, layout)
            total += sum(dictionary[key] for key in keys)
            answer = format_answer(total)
            reply = cot_reply(work, answer, layout) if mode == "cot" else answer
            reasoning = _tokens(len("\n".join(work))) if mode == "thinking" else 0
            totals["requests"] += 1
            totals["input"] += request
            totals["cacheable"] += min(previous_tokens, request)
            totals["output"] += _tokens(len(answer if mode == "thinking" else reply)) + reasoning
            totals["reasoning"] += reasoning
            previous_tokens = request
            history_chars += len(policy(reply, parse_answer(reply)))
    return TokenEstimate(
        samples=samples,
        requests=totals["requests"],
        input_tokens=totals["input"],
        cacheable_input_tokens=totals["cacheable"],
        output_tokens=totals["output"],
        reasoning_tokens=totals["reasoning"],
    )


def task_arguments(pairs: Sequence[str]) -> dict[str, Any]:
    """``name=value`` pairs, values read as YAML (as ``inspect eval -T`` reads them)."""
    arguments: dict[str, Any] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise SystemExit(f"estimate: -T expects name=value, got {pair!r}")
        arguments[name.strip().replace("-", "_")] = yaml.safe_load(value)
    return arguments


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="horizon-estimate",
        description="Tokens a horizon run will spend, from its task parameters.",
    )
    parser.add_argument("-T", dest="task_args", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--input-price", type=float, help="$ per million input tokens")
    parser.add_argument("--output-price", type=float, help="$ per million output tokens")
    parser.add_argument("--cached-price", type=float, help="$ per million cached input tokens")
    args = parser.parse_args(argv)
    try:
        estimate = estimate_horizon(**task_arguments(args.task_args))
    except TypeError as error:
        raise SystemExit(f"estimate: {error}") from None
    except (PrerequisiteError, ValueError) as error:  # ParameterError: one clean line
        raise SystemExit(str(error)) from None
    print(f"samples                 {estimate.samples:>15,}")
    print(f"requests                {estimate.requests:>15,}")
    print(f"input tokens            {estimate.input_tokens:>15,}")
    print(
        f"  cacheable prefix      {estimate.cacheable_input_tokens:>15,}"
        f"  ({estimate.cacheable_share:.0%})"
    )
    print(f"output tokens           {estimate.output_tokens:>15,}")
    if estimate.reasoning_tokens:
        print(f"  reasoning (a floor)   {estimate.reasoning_tokens:>15,}")
    if args.input_price is not None and args.output_price is not None:
        dollars = estimate.cost(args.input_price, args.output_price, args.cached_price)
        print(f"cost                    {dollars:>15,.2f} $")


if __name__ == "__main__":
    main(sys.argv[1:])
