"""What an adaptive run reports: the rounds it ran or found, the horizons, the tokens it
spent against the fixed protocol's estimate, and the errors that stop it; the checks made
before any round."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from inspect_ai.log import EvalLog
from pydantic import BaseModel

Stopped = Literal["settled", "cap", "all_ended"]


class RunStopped(Exception):
    """The run cannot go on (a round failed); one line. Finished rounds stay in the log
    dir, so a rerun resumes."""


class RunInterrupted(RunStopped):
    """Ctrl-C during a round."""


class Tokens(BaseModel):
    """Tokens spent. ``input`` counts every input token, those a provider served from its
    prompt cache (``cached_input``) included, as ``horizon-estimate`` counts the fixed
    protocol's; Inspect's own ``input_tokens`` leaves cache reads and writes out."""

    input: int = 0
    cached_input: int = 0
    output: int = 0

    def __add__(self, other: Tokens) -> Tokens:
        return Tokens(
            input=self.input + other.input,
            cached_input=self.cached_input + other.cached_input,
            output=self.output + other.output,
        )


def log_tokens(log: EvalLog) -> Tokens:
    """What one eval spent, summed over its models' usage."""
    spent = Tokens()
    for usage in log.stats.model_usage.values():
        cached = usage.input_tokens_cache_read or 0
        written = usage.input_tokens_cache_write or 0
        spent = spent + Tokens(
            input=usage.input_tokens + cached + written,
            cached_input=cached,
            output=usage.output_tokens,
        )
    return spent


class RoundSummary(BaseModel):
    round: int
    through_turn: int
    log: str
    open_after: int
    """Conversations paused at its last turn (the next round would extend them)."""
    tokens: Tokens
    """Tokens this round spent (its own requests; carried turns cost nothing)."""
    reused: bool
    """Found in the log dir rather than run by this invocation."""


class ThresholdHorizon(BaseModel):
    threshold: float
    horizon: float
    low: float
    high: float
    censored: bool
    point_settled: bool
    interval_settled: bool


class AdaptiveReport(BaseModel):
    """What an adaptive run found and what it cost against the fixed protocol."""

    model: str
    run_tag: str
    samples: int
    epochs: int
    cap: int
    settle: str
    stopped: Stopped
    final_log: str
    rounds: list[RoundSummary]
    horizons: list[ThresholdHorizon]
    known_steps: float
    turns_asked: int
    """Turns answered in all, over samples and epochs."""
    turns_fixed: int
    """Turns the fixed protocol asks: samples x epochs x cap."""
    tokens: Tokens
    """Spent by every round of the run (this invocation's and those found)."""
    fixed_input_tokens: int
    fixed_output_tokens: int
    """What the fixed protocol would spend on the same samples (``horizon-estimate``)."""
    fixed_estimate: str = "characters"
    """How that was counted: four characters a token, or calibrated on round 1's usage."""

    @property
    def input_share(self) -> float:
        return self.tokens.input / self.fixed_input_tokens if self.fixed_input_tokens else math.nan


def local_path(location: str) -> str:
    """A log's location as a local path (Inspect lists logs as file:// URIs), relative to
    the working directory when under it, so a report holds no machine-specific prefix."""
    path = Path(location.removeprefix("file://")).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
