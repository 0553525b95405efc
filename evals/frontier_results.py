"""What a frontier search finds and reports: probes, the statistics that decide them, token
counts, horizons per threshold, and the errors that stop a search."""

from __future__ import annotations

import math
from collections.abc import Callable

from inspect_ai.log import EvalLog
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    computed_field,
)

from long_horizon_execution.evals.frontier import (
    _CONFIDENCE,
    Verdict,
)


class Tokens(BaseModel):
    input: int = 0
    output: int = 0
    reasoning: int = 0
    total: int = 0

    def __add__(self, other: Tokens) -> Tokens:
        return Tokens(
            input=self.input + other.input,
            output=self.output + other.output,
            reasoning=self.reasoning + other.reasoning,
            total=self.total + other.total,
        )


def log_tokens(log: EvalLog) -> Tokens:
    """Tokens one eval spent, summed over models, from the log's usage statistics."""
    spent = Tokens()
    for usage in log.stats.model_usage.values():
        spent = spent + Tokens(
            input=usage.input_tokens,
            output=usage.output_tokens,
            reasoning=usage.reasoning_tokens or 0,
            total=usage.total_tokens,
        )
    return spent


def binomial_tail(successes: int, n: int, p: float, upper: bool) -> float:
    """P(X >= successes) (``upper``) or P(X <= successes) for X ~ Binomial(n, p)."""
    span = range(successes, n + 1) if upper else range(0, successes + 1)
    return float(sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in span))


def clopper_pearson(successes: int, n: int, confidence: float = _CONFIDENCE) -> tuple[float, float]:
    """Exact two-sided interval for a binomial proportion (bisection on the tails)."""
    if n == 0:
        return 0.0, 1.0
    tail = (1 - confidence) / 2

    def solve(upper: bool) -> float:
        low, high = 0.0, 1.0
        for _ in range(60):
            mid = (low + high) / 2
            # lower bound: P(X >= s | mid) = tail; upper bound: P(X <= s | mid) = tail
            value = binomial_tail(successes, n, mid, upper=upper)
            if (value < tail) == upper:
                low = mid
            else:
                high = mid
        return (low + high) / 2

    lower = 0.0 if successes == 0 else solve(upper=True)
    upper_bound = 1.0 if successes == n else solve(upper=False)
    return lower, upper_bound


def sequential_verdict(
    successes: int, n: int, samples: int, threshold: float, alpha: float
) -> Verdict | None:
    """Whether accuracy at this K is at least ``threshold`` given ``successes`` of ``n``
    (of at most ``samples``), or None while undecided."""
    needed = math.ceil(threshold * samples - 1e-9)
    if successes >= needed:
        return "pass"
    if n - successes > samples - needed:
        return "fail"
    if alpha > 0 and n > 0:
        if binomial_tail(successes, n, threshold, upper=True) <= alpha:
            return "pass"
        if binomial_tail(successes, n, threshold, upper=False) <= alpha:
            return "fail"
    return None


class Probe(BaseModel):
    """Everything observed at one K: per-instance correctness and the tokens it cost."""

    k: int
    outcomes: dict[int, bool] = Field(default_factory=dict)
    tokens: Tokens = Field(default_factory=Tokens)
    logs: list[str] = Field(default_factory=list)
    batches_run: int = 0
    """Batches this run evaluated (the rest were read back from the log dir)."""

    @property
    def n(self) -> int:
        return len(self.outcomes)

    @property
    def successes(self) -> int:
        return sum(self.outcomes.values())

    def accuracy_interval(self) -> tuple[float, float, float]:
        """Accuracy and its 95% Clopper-Pearson interval (NaN accuracy when none ran)."""
        low, high = clopper_pearson(self.successes, self.n)
        return (self.successes / self.n if self.n else math.nan), low, high


class ProbeSummary(BaseModel):
    k: int
    samples: int
    correct: int
    accuracy: float
    low: float
    high: float
    tokens: Tokens
    reused_batches: int
    new_batches: int


class ThresholdResult(BaseModel):
    """H_s at the search's granularity: ``horizon`` passed, ``upper`` failed (None when
    even ``max_k`` passed, so the horizon is censored at it). A horizon of 0 with an
    ``upper`` means even the smallest K tried failed: H_s is below it, not known to be 0."""

    threshold: float
    horizon: int
    upper: int | None
    censored: bool
    path: list[int]
    """The K probed by this threshold's search, in order."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def below_smallest_tried(self) -> bool:
        return self.horizon == 0 and self.upper is not None


def horizon_text(horizon: int, upper: int | None) -> str:
    """A frontier horizon in words: a lower bound when every probe passed, an upper bound
    when even the smallest K tried failed, else the passing K and the failing one."""
    if upper is None:
        return f"≥ {horizon}"
    if horizon == 0:
        return f"< {upper} (below the smallest K tried)"
    return f"{horizon} (fails at {upper})"


class FrontierReport(BaseModel):
    model: str
    granularity: int
    samples: int
    results: list[ThresholdResult]
    probes: list[ProbeSummary]
    tokens: Tokens
    new_tokens: Tokens
    evals_run: int
    eval_bound: int = 0
    """The most evals this search could have run (:func:`eval_bound`)."""
    search_tag: str = ""
    """The tag every log of this search carries (see ``frontier_config.search_tags``)."""


class SearchStopped(Exception):
    """The search cannot go on (a probe failed, or the eval bound was reached); the message
    is one line. Finished batches stay in the log dir, so a rerun resumes."""


class SearchInterrupted(SearchStopped):
    """Ctrl-C during a probe."""


Progress = Callable[[str], None]


def first_line(error: BaseException) -> str:
    """An exception in one line: pydantic's first error, else the message's first line."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:300]


def eval_error(log: EvalLog) -> str:
    """Why an eval failed, in one line: the root exception of its traceback (a retry
    wrapper names only itself), else the error message."""
    if log.error is None:
        return log.status
    chain = ("Traceback", "The above exception", "During handling")
    raised = [
        line
        for line in log.error.traceback.splitlines()
        if line.strip() and not line.startswith((" ", *chain))
    ]
    return (raised[0] if raised else first_line(Exception(log.error.message)))[:300]
