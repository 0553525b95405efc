"""Choosing how the estimate counts, and doing it: characters, the model's tokenizer, or a
pilot on top of either.

- ``characters``: four characters a token; nothing to start.
- ``tokenizer``: the model's own tokenizer through a llama.cpp ``/tokenize`` endpoint
  (``local/<model>`` starts its server for the count; ``tokenizer_url`` names a running
  one). The prompts are then counted exactly, chat template included; replies are those
  the prompt asks for.
- ``pilot``: a few real turns of the run (see ``estimate_pilot``) scale the counts, with
  the model's tokenizer where one is at hand and characters otherwise.

``auto`` picks ``characters`` with no model, ``tokenizer`` when one is at hand, and
``pilot`` for any other model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from long_horizon_execution.evals.estimate_pilot import (
    DEFAULT_PILOT_SAMPLES,
    DEFAULT_PILOT_TURNS,
    PilotTurn,
    calibrate,
    pilot_arguments,
    run_pilot,
)
from long_horizon_execution.evals.estimate_replay import (
    RunShape,
    SampleText,
    horizon_texts,
    request_units,
)
from long_horizon_execution.evals.estimate_tokens import (
    CharacterCounter,
    Method,
    TextCounter,
    TokenizerCounter,
)
from long_horizon_execution.evals.estimate_totals import TokenEstimate, estimate_texts
from long_horizon_execution.evals.tokenizer_client import LlamaTokenizer, local_tokenizer

LOCAL_PREFIX = "local/"
MAX_PILOT_TURNS = 50
MAX_PILOT_SAMPLES = 10


class EstimateOptions(BaseModel):
    """How to count; the defaults count characters, as the estimate always did."""

    model_config = ConfigDict(extra="forbid")

    method: Method | Literal["auto"] = "characters"
    model: str | None = None
    """The model the run will use (``local/<name>``, ``openai/<name>``, ...)."""
    model_args: dict[str, Any] = Field(default_factory=dict)
    """``-M`` arguments for the model, used by a pilot."""
    tokenizer_url: str | None = None
    """A llama.cpp server holding the run's model, to count with its tokenizer."""
    pilot_samples: int = Field(default=DEFAULT_PILOT_SAMPLES, ge=1, le=MAX_PILOT_SAMPLES)
    pilot_turns: int = Field(default=DEFAULT_PILOT_TURNS, ge=1, le=MAX_PILOT_TURNS)

    def tokenizer_at_hand(self) -> bool:
        local = self.model is not None and self.model.startswith(LOCAL_PREFIX)
        return self.tokenizer_url is not None or local

    def resolved(self) -> Method:
        """The method ``auto`` stands for; a method that needs a model checks it has one."""
        if self.method == "auto":
            if self.tokenizer_at_hand():
                return "tokenizer"
            return "pilot" if self.model is not None else "characters"
        if self.method == "tokenizer" and not self.tokenizer_at_hand():
            raise ValueError(
                "estimate: the tokenizer method needs a local/ model or --tokenizer-url"
            )
        if self.method == "pilot" and self.model is None:
            raise ValueError("estimate: the pilot method needs --model")
        return self.method


@contextmanager
def _tokenizer(options: EstimateOptions) -> Iterator[tuple[LlamaTokenizer, str]]:
    if options.tokenizer_url is not None:
        yield LlamaTokenizer(options.tokenizer_url), f"tokenizer at {options.tokenizer_url}"
        return
    assert options.model is not None
    with local_tokenizer(options.model) as tokenizer:
        yield tokenizer, f"{options.model.removeprefix(LOCAL_PREFIX)} tokenizer"


def _counter(tokenizer: LlamaTokenizer, name: str, samples: list[SampleText]) -> TokenizerCounter:
    first = next((s for s in samples if len(s.turns) >= 2), None)
    if first is None:  # one-turn runs: any two turns show the template's cost
        first = SampleText(system=samples[0].system, turns=samples[0].turns * 2)
    turns = [(turn.user, turn.shown) for turn in first.turns[:2]]
    return TokenizerCounter.measured(tokenizer, name, first.system, turns)


def _estimate(
    task_args: dict[str, Any],
    options: EstimateOptions,
    counter: TextCounter,
    samples: list[SampleText],
    shape: RunShape,
    pilot: list[PilotTurn] | None,
) -> TokenEstimate:
    if pilot is None:
        return estimate_texts(samples, shape, counter)
    pilot_args = pilot_arguments(task_args, options.pilot_samples, options.pilot_turns)
    pilot_samples, pilot_shape = horizon_texts(**pilot_args)
    units = request_units(pilot_samples, counter, pilot_shape.window)
    calibration = calibrate(units, counter.counting, pilot, thinking=shape.mode == "thinking")
    return estimate_texts(samples, shape, counter, calibration)


def calibrated_estimate(
    task_args: dict[str, Any],
    options: EstimateOptions | None = None,
    pilot: list[PilotTurn] | None = None,
    tokenizer: LlamaTokenizer | None = None,
) -> TokenEstimate:
    """The estimate for ``horizon(**task_args)`` counted as ``options`` say. A pilot runs
    the real model unless its turns are given (``pilot``, e.g. from an earlier log); a
    tokenizer is started unless one is given (``tokenizer``, to count several runs)."""
    options = options or EstimateOptions()
    method = options.resolved()
    samples, shape = horizon_texts(**task_args)
    if method == "pilot" and pilot is None:
        assert options.model is not None
        pilot_args = pilot_arguments(task_args, options.pilot_samples, options.pilot_turns)
        pilot = run_pilot(pilot_args, options.model, options.model_args)
    measured = pilot if method == "pilot" else None
    if tokenizer is not None and method != "characters":
        name = f"{options.model.removeprefix(LOCAL_PREFIX)} tokenizer" if options.model else ""
        counter = _counter(tokenizer, name or f"tokenizer at {tokenizer.url}", samples)
        return _estimate(task_args, options, counter, samples, shape, measured)
    if method == "characters" or not options.tokenizer_at_hand():
        return _estimate(task_args, options, CharacterCounter(), samples, shape, measured)
    with _tokenizer(options) as (tokenizer, name):
        counter = _counter(tokenizer, name, samples)
        return _estimate(task_args, options, counter, samples, shape, measured)
