"""The frontier search: the largest K a model executes in one turn with accuracy >= s.

Each probe asks N instances (``--samples``) for the sum of K keys in one message (the
``frontier`` task below). Probes run as Inspect evals of ``batch`` instances at a time; after
each batch a sequential test decides the probe when it can:

- exactly, by curtailment: once the successes (or failures) already seen fix whether the
  accuracy over all N reaches s;
- statistically (``alpha`` > 0): once a one-sided binomial test at level ``alpha`` rejects
  accuracy = s in either direction (e.g. 5 of 5 right at s = 0.5: P = 1/32).

K grows by doubling from ``start`` until a probe fails, then bisects between the largest
passing and the smallest failing K until they are one ``granularity`` apart. Other
thresholds (``also``, default 0.8) are then searched inside the bracket already found,
reusing every probe. Every batch is a log in ``log_dir``; a rerun reads them back and only
runs what is missing, so an interrupted search resumes where it stopped.

    horizon-frontier --model anthropic/claude-sonnet-4-20250514 \\
        --log-dir logs/frontier-claude --granularity 16 --max-k 4096

The report (also written to ``<log_dir>/frontier.json``) gives the horizon per threshold
with its bracket, every probe with a 95% Clopper-Pearson interval, and the tokens spent.

Instances are taken by position (the first ``samples`` of the data), whatever their ids.
A search runs at most :func:`eval_bound` evals, a number fixed by its own parameters; each
eval is announced on stderr before it starts. Every parameter is checked before the first
model call: a bad one is refused in one line (exit 2).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import yaml
from inspect_ai import Task, task
from inspect_ai import eval as inspect_eval
from inspect_ai._util.error import PrerequisiteError
from inspect_ai.dataset import MemoryDataset
from inspect_ai.log import EvalLog, EvalSample, list_eval_logs, read_eval_log
from inspect_ai.model import get_model
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    computed_field,
    field_validator,
    model_validator,
)

from long_horizon_execution.core import DEFAULT_PARSING
from long_horizon_execution.evals.dataset import DatasetError, load_dataset_file
from long_horizon_execution.evals.params import ParameterError, shown, validate_params
from long_horizon_execution.evals.prompts import DEFAULT_LAYOUT
from long_horizon_execution.evals.single_turn import SingleTurnParams, single_turn_task
from long_horizon_execution.scorers.single_turn import whole_correct

Verdict = Literal["pass", "fail"]
REPORT_FILE = "frontier.json"
_METADATA_KEY = "frontier_probe"
_CONFIDENCE = 0.95
_POSITION = "position"
"""Sample metadata: the instance's position in the data (its id may be anything)."""

MAX_K = 1_000_000
"""Largest ``--max-k`` (and ``--start``, ``--granularity``). A million keys are about three
million tokens, more than any model's context holds."""
MAX_SAMPLES = 1_000
"""Largest ``--samples``: ten times the paper's 100 instances."""
MAX_SEARCH_KEYS = 1_000_000
"""Largest ``--samples`` x ``--max-k``: the keys the last batch of a probe at ``max_k``
builds (the instances before it are generated too), about 100 MB at 100 bytes a key. With
the default 20 samples, K reaches the paper's 50,000-key instances."""


@task
def frontier(
    k: int = 100,
    samples: int = 20,
    mode: str = "thinking",
    first_sample: int = 0,
    seed: int = 42,
    dict_size: int = 100,
    value_min: int = -99,
    value_max: int = 99,
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = 32_000,
    max_tokens: int | None = None,
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """One probe of the frontier search: k keys in one message, reply with their sum.

    ``horizon-frontier`` runs probes of this task over k to find the largest k a
    model executes in one turn with accuracy at least s.

    Args:
      k: Keys in the message; the reply is their sum.
      samples: Instances to run.
      mode: ``thinking`` (default; the paper's frontier setting), ``plain`` or ``cot``.
      first_sample: First instance to use.
      seed: Dataset seed.
      dict_size: Dictionary size.
      value_min: Smallest dictionary value.
      value_max: Largest dictionary value.
      reasoning_effort: Thinking mode: an effort instead of the token budget.
      reasoning_tokens: Thinking mode: reasoning token budget (the paper's 32,000).
      max_tokens: Output token limit (the paper allowed thinking models 100,000).
      dataset_file: The public dataset or the authors' JSON file.
      layout: ``paper`` (the authors' prompt structure, default) or ``suite`` (the suite's
        earlier prompts).
      parsing: ``paper`` (the authors' rule, default: the first answer tag, read as
        Python's ``int()`` reads it) or ``lenient`` (the suite's earlier rule).
    """
    probe = single_turn_task(probe_params(locals()), name="frontier_probe", task="frontier")
    positioned = [
        sample.model_copy(
            update={"metadata": {**(sample.metadata or {}), _POSITION: first_sample + offset}}
        )
        for offset, sample in enumerate(probe.dataset)
    ]
    probe.dataset = MemoryDataset(positioned, name=probe.dataset.name)
    return probe


def probe_params(arguments: dict[str, Any]) -> SingleTurnParams:
    """The ``frontier`` task's arguments, checked: a probe is one block of k keys. The
    search checks its ``-T`` values through here before any probe is built."""
    params: SingleTurnParams = validate_params(
        "frontier",
        SingleTurnParams,
        dict(arguments, steps=arguments["k"]),
        defaults={"reasoning_tokens": 32_000},
    )
    return params


TASK_PARAMETERS: dict[str, Any] = {
    name: parameter.default for name, parameter in inspect.signature(frontier).parameters.items()
}
"""The ``frontier`` task's parameters and their defaults."""
SET_BY_SEARCH = {
    "k": "--start, --granularity and --max-k",
    "samples": "--samples",
    "first_sample": "a dataset_file that starts with the instances wanted",
}
"""Task parameters the search sets itself, and what to use instead of ``-T``."""


Threshold = Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
"""An accuracy a probe must reach: in (0, 1]."""


class SearchConfig(BaseModel):
    """Everything that defines a search; probes in the log dir are reused only when the
    model, model args and task args match."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    log_dir: str = Field(min_length=1)
    model_args: dict[str, Any] = Field(default_factory=dict)
    task_args: dict[str, Any] = Field(default_factory=dict)
    """Arguments of the ``frontier`` task other than k, samples and first_sample."""
    threshold: Threshold = 0.5
    also: list[Threshold] = Field(default_factory=lambda: [0.8])
    """Further thresholds; repeats, and the primary threshold again, are searched once."""
    granularity: int = Field(default=10, ge=1)
    start: int | None = Field(default=None, ge=1)
    """First K probed (default: the granularity)."""
    max_k: int = Field(default=4096, ge=1)
    samples: int = Field(default=20, ge=1)
    batch: int = Field(default=5, ge=1)
    alpha: float = Field(default=0.05, ge=0.0, lt=0.5, allow_inf_nan=False)
    max_connections: int | None = Field(default=None, ge=1)
    max_retries: int | None = Field(default=None, ge=0)
    """Inspect's retries of a failed model request (default: Inspect's, without end)."""
    timeout: int | None = Field(default=None, ge=1)
    """Seconds Inspect keeps retrying one request (default: Inspect's, without end)."""
    eval_args: dict[str, Any] = Field(default_factory=dict)
    """Extra arguments to ``inspect_ai.eval``."""

    @field_validator("granularity", "start", "max_k")
    @classmethod
    def _check_k(cls, value: int | None) -> int | None:
        if value is not None and value > MAX_K:
            raise ValueError(f"must be at most MAX_K = {MAX_K:,} keys")
        return value

    @field_validator("samples")
    @classmethod
    def _check_samples(cls, value: int) -> int:
        if value > MAX_SAMPLES:
            raise ValueError(f"must be at most MAX_SAMPLES = {MAX_SAMPLES:,}")
        return value

    @model_validator(mode="after")
    def _check_size(self) -> SearchConfig:
        if self.start is not None and self.start > self.max_k:
            raise ValueError(f"--start ({self.start}) must not exceed --max-k ({self.max_k})")
        if self.samples * self.max_k > MAX_SEARCH_KEYS:
            raise ValueError(
                f"--samples x --max-k = {self.samples:,} x {self.max_k:,} keys, more than "
                f"MAX_SEARCH_KEYS = {MAX_SEARCH_KEYS:,}: lower one of them"
            )
        return self

    @property
    def thresholds(self) -> list[float]:
        """The primary threshold, then each further one once."""
        return list(dict.fromkeys([self.threshold, *self.also]))

    def signature(self) -> str:
        """What a logged probe must match to be reused. The layout and the parsing rule
        always count, at their defaults when not given, so probes logged before they
        existed (suite prompts, lenient parsing) are never taken for probes of the paper's
        way."""
        task_args = {"layout": DEFAULT_LAYOUT, "parsing": DEFAULT_PARSING, **self.task_args}
        return json.dumps(
            {"model": self.model, "model_args": self.model_args, "task_args": task_args},
            sort_keys=True,
            default=str,
        )


def eval_bound(config: SearchConfig) -> int:
    """The most evals a search with ``config`` can run, whatever the model answers.

    Every K it probes is a multiple of the granularity up to ``max_k``, or ``max_k``
    itself. Each threshold's search doubles K from the start (at most log2 of the number
    of such K, plus 2, probes), then bisects a bracket that at least halves with every
    probe, to within one step (as many again, plus a few for an uneven last step). Each K
    takes at most ceil(samples / batch) batches, one eval each."""
    grid_points = config.max_k // config.granularity + 1
    per_threshold = 2 * math.ceil(math.log2(grid_points + 1)) + 6
    ks = min(grid_points, len(config.thresholds) * per_threshold)
    return ks * math.ceil(config.samples / config.batch)


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


def _position(sample: EvalSample, first: int, count: int) -> int | None:
    """Where the sample's instance sits in the data. Logs from before positions were
    recorded numbered samples by position (generated data) or by the file's ids: an id
    outside the batch's positions is not trusted, and that sample is run again."""
    position = (sample.metadata or {}).get(_POSITION, sample.id)
    if isinstance(position, int) and first <= position < first + count:
        return position
    return None


class FrontierSearch:
    """Runs probes through Inspect and keeps what the log dir already holds. Everything
    is checked when the search is made, before any model is called."""

    def __init__(self, config: SearchConfig, progress: Progress | None = None) -> None:
        self.config = config
        self.progress = progress
        self.probes: dict[int, Probe] = {}
        self.evals_run = 0
        self.eval_bound = eval_bound(config)
        self.new_tokens = Tokens()
        self.grid_tokens = Tokens()
        self._check_task_args()
        self._check_log_dir()
        self._check_dataset()
        self._check_model()
        self._load()

    def _say(self, line: str) -> None:
        if self.progress is not None:
            self.progress(f"frontier: {line}")

    def _check_task_args(self) -> None:
        """Every ``-T`` is a parameter of the task the search may set, with a valid value."""
        for name in self.config.task_args:
            if name in SET_BY_SEARCH:
                raise ParameterError(
                    f"frontier: -T {name} is set by the search; use {SET_BY_SEARCH[name]} instead"
                )
            if name not in TASK_PARAMETERS:
                usable = ", ".join(n for n in TASK_PARAMETERS if n not in SET_BY_SEARCH)
                raise ParameterError(
                    f"frontier: -T {name} is not a parameter of the frontier task ({usable})"
                )
        # the probes at max_k with the largest batch and with the last one, as they are built
        samples, batch, max_k = self.config.samples, self.config.batch, self.config.max_k
        last = (samples - 1) // batch * batch
        for first, count in dict.fromkeys([(0, min(batch, samples)), (last, samples - last)]):
            shape = {"k": max_k, "samples": count, "first_sample": first}
            probe_params(TASK_PARAMETERS | self.config.task_args | shape)

    def _check_dataset(self) -> None:
        """A dataset file must hold ``samples`` instances, each of at least ``max_k`` keys,
        with distinct ids (Inspect refuses repeated sample ids)."""
        path = self.config.task_args.get("dataset_file")
        if path is None:
            return
        try:
            instances = load_dataset_file(path).instances
        except DatasetError as error:
            raise ParameterError(f"frontier: -T dataset_file: {error}") from None
        samples, max_k = self.config.samples, self.config.max_k
        if len(instances) < samples:
            raise ParameterError(
                f"frontier: --samples {samples} but dataset_file {path!r} holds "
                f"{len(instances)} instances"
            )
        chosen = instances[:samples]
        shortest = min(len(instance.keys) for instance in chosen)
        if shortest < max_k:
            raise ParameterError(
                f"frontier: --max-k {max_k} exceeds the shortest of the first {samples} "
                f"instances in dataset_file {path!r} ({shortest} keys)"
            )
        repeated = [i for i, n in Counter(inst.id for inst in chosen).items() if n > 1]
        if repeated:
            raise ParameterError(
                f"frontier: dataset_file {path!r} repeats instance id {repeated[0]} among "
                f"the first {samples} instances"
            )

    def _check_model(self) -> None:
        """The model and its ``-M`` arguments can be built (no request is made)."""
        try:
            get_model(self.config.model, memoize=False, **self.config.model_args)
        except Exception as error:  # any provider's refusal, reported in one line
            raise ParameterError(
                f"frontier: --model {self.config.model!r} with -M "
                f"{self.config.model_args}: {first_line(error)}"
            ) from None

    def _check_log_dir(self) -> None:
        path = Path(self.config.log_dir)
        if path.exists() and not path.is_dir():
            raise ParameterError(f"frontier: --log-dir {str(path)!r} is a file, not a directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ParameterError(
                f"frontier: --log-dir {str(path)!r} cannot be made: {error.strerror}"
            ) from None
        if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
            raise ParameterError(f"frontier: --log-dir {str(path)!r} is not readable and writable")

    def _load(self) -> None:
        """Read back the probes of this search's settings; say what else was found."""
        signature = self.config.signature()
        ignored: Counter[str] = Counter()
        reused = 0
        for info in list_eval_logs(self.config.log_dir):
            try:
                header = read_eval_log(info, header_only=True)
                meta = (header.eval.metadata or {}).get(_METADATA_KEY)
                if not meta:
                    continue  # not a probe (a grid, another task's run)
                if meta.get("signature") != signature:
                    ignored["of other settings"] += 1
                elif header.status != "success":
                    ignored["unfinished"] += 1
                else:
                    self._add(read_eval_log(info), new=False)
                    reused += 1
            except Exception:  # a damaged or foreign file must not stop the search
                ignored["unreadable"] += 1
        if reused or ignored:
            details = ", ".join(f"{n} {why}" for why, n in sorted(ignored.items()))
            note = f"; ignored {details}" if details else ""
            self._say(f"reusing {reused} probe batches from {self.config.log_dir}{note}")

    def _add(self, log: EvalLog, new: bool) -> None:
        args = log.eval.task_args
        k, first = int(args["k"]), int(args.get("first_sample", 0))
        count = int(args.get("samples", len(log.samples or [])))
        probe = self.probes.setdefault(k, Probe(k=k))
        for sample in log.samples or []:
            position = _position(sample, first, count)
            if sample.error is None and sample.scores and position is not None:
                score = next(iter(sample.scores.values()))
                probe.outcomes[position] = whole_correct(score.value)
        spent = log_tokens(log)
        probe.tokens = probe.tokens + spent
        probe.logs.append(log.location)
        if new:
            probe.batches_run += 1
            self.new_tokens = self.new_tokens + spent

    def _evaluate(self, k: int, first: int, count: int) -> None:
        """Run one batch as one Inspect eval; a failed or cancelled eval stops the search."""
        config = self.config
        where = f"probe k={k}, instances {first}-{first + count - 1}"
        task = frontier(k=k, samples=count, first_sample=first, **config.task_args)
        try:
            logs = inspect_eval(
                task,
                model=config.model,
                model_args=config.model_args,
                log_dir=config.log_dir,
                metadata={_METADATA_KEY: {"signature": config.signature()}},
                **self._eval_options(),
            )
        except PrerequisiteError as error:
            raise SearchStopped(f"{where}: {first_line(error)}") from None
        if not logs:  # Inspect returns no log when Ctrl-C cancels the eval
            raise SearchInterrupted(f"interrupted during {where}")
        (log,) = logs
        if log.status == "cancelled":
            raise SearchInterrupted(f"interrupted during {where}")
        if log.status != "success":
            raise SearchStopped(f"{where} failed: {eval_error(log)}")
        self._add(log, new=True)

    def _eval_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"display": "none"}
        for name in ("max_connections", "max_retries", "timeout"):
            if getattr(self.config, name) is not None:
                options[name] = getattr(self.config, name)
        return options | self.config.eval_args

    def run_batch(self, k: int, first: int, count: int, label: str = "") -> None:
        """One eval of instances ``first`` .. ``first + count - 1`` at k, announced on
        stderr, within the bound; every one of them must come back scored."""
        if self.evals_run >= self.eval_bound:
            raise SearchStopped(
                f"stopped after {self.evals_run} evals, the most a search with these "
                f"parameters can need (eval_bound); this is a bug in the search"
            )
        probe = self.probes.get(k, Probe(k=k))
        so_far = f" ({probe.successes}/{probe.n} correct so far)" if probe.n else ""
        self._say(
            f"{label or f'k={k}'}: instances {first}-{first + count - 1} of "
            f"{self.config.samples}{so_far}, eval {self.evals_run + 1} of at most "
            f"{self.eval_bound}"
        )
        self.evals_run += 1
        self._evaluate(k, first, count)
        observed = self.probes[k].outcomes if k in self.probes else {}
        missing = [i for i in range(first, first + count) if i not in observed]
        if missing:
            raise SearchStopped(
                f"probe k={k}: {len(missing)} of instances {first}-{first + count - 1} "
                f"came back without a score (first: instance {missing[0]})"
            )

    def _next_batch(self, k: int) -> tuple[int, int] | None:
        """The first batch of instances not yet observed at k, or None when all N are."""
        observed = self.probes[k].outcomes if k in self.probes else {}
        batch, total = self.config.batch, self.config.samples
        for first in range(0, total, batch):
            count = min(batch, total - first)
            if any(i not in observed for i in range(first, first + count)):
                return first, count
        return None

    def verdict(self, k: int, threshold: float, alpha: float | None = None) -> Verdict:
        """Run batches at k until the sequential test decides (at most N samples)."""
        level = self.config.alpha if alpha is None else alpha
        label = f"k={k}, s={threshold:g}"
        ran = False
        while True:
            probe = self.probes.get(k, Probe(k=k))
            decided = sequential_verdict(
                probe.successes, probe.n, self.config.samples, threshold, level
            )
            pending = self._next_batch(k)
            if decided is None and pending is None:  # cannot happen: N samples decide
                decided = "pass" if probe.successes >= threshold * probe.n else "fail"
            if decided is not None:
                source = "" if ran else ", from earlier probes"
                self._say(f"{label}: {decided} ({probe.successes}/{probe.n} correct{source})")
                return decided
            assert pending is not None
            self.run_batch(k, *pending, label=label)
            ran = True

    def grid(self, ks: Sequence[int]) -> list[Probe]:
        """All N samples at every k in one eval, no early stop: the baseline a search is
        measured against. Its probes are kept apart from the search's (``grid_probes``)."""
        config = self.config
        tasks = [frontier(k=k, samples=config.samples, **config.task_args) for k in ks]
        samples = [
            sample.model_copy(update={"id": f"{k}:{sample.id}"})
            for k, task in zip(ks, tasks, strict=True)
            for sample in task.dataset
        ]
        first = tasks[0]
        grid = Task(
            dataset=MemoryDataset(samples, name="frontier_grid"),
            solver=first.solver,
            scorer=first.scorer,
            config=first.config,
            name="frontier_grid",
        )
        log = inspect_eval(
            grid,
            model=config.model,
            model_args=config.model_args,
            log_dir=config.log_dir,
            **self._eval_options(),
        )[0]
        probes = {k: Probe(k=k) for k in ks}
        for sample in log.samples or []:
            k = int(str(sample.id).partition(":")[0])
            if sample.error is None and sample.scores and sample.metadata:
                score = next(iter(sample.scores.values()))
                probes[k].outcomes[sample.metadata[_POSITION]] = whole_correct(score.value)
        self.grid_tokens = log_tokens(log)
        return list(probes.values())

    def _grid(self, k: float, up: bool) -> int:
        g = self.config.granularity
        steps = math.ceil(k / g) if up else math.floor(k / g)
        return max(g, steps * g)

    def search(self, threshold: float, lo: int = 0, hi: int | None = None) -> ThresholdResult:
        """Growth (doubling) while probes pass, then bisection to one granularity step."""
        cfg = self.config
        path: list[int] = []
        if hi is None:
            k = max(lo * 2, self._grid(cfg.start or cfg.granularity, up=True))
            k = min(k, cfg.max_k)
            while True:
                path.append(k)
                if self.verdict(k, threshold) == "fail":
                    hi = k
                    break
                lo = k
                if k >= cfg.max_k:
                    break
                k = min(self._grid(2 * k, up=True), cfg.max_k)
        while hi is not None and hi - lo > cfg.granularity:
            half = max(1, (hi - lo) // cfg.granularity // 2)
            mid = lo + half * cfg.granularity
            path.append(mid)
            if self.verdict(mid, threshold) == "pass":
                lo = mid
            else:
                hi = mid
        return ThresholdResult(
            threshold=threshold, horizon=lo, upper=hi, censored=hi is None, path=path
        )

    def run(self) -> FrontierReport:
        """The primary threshold's search, then the others inside its bracket."""
        primary = self.search(self.config.threshold)
        results = [primary]
        for threshold in self.config.thresholds[1:]:
            if threshold > self.config.threshold:
                hi = primary.upper if primary.upper is not None else None
                lo = 0 if hi is not None else primary.horizon
                results.append(self.search(threshold, lo=lo, hi=hi))
            else:
                results.append(self.search(threshold, lo=primary.horizon))
        return self.report(results)

    def report(self, results: Sequence[ThresholdResult]) -> FrontierReport:
        summaries = []
        for k in sorted(self.probes):
            probe = self.probes[k]
            accuracy, low, high = probe.accuracy_interval()
            summaries.append(
                ProbeSummary(
                    k=k,
                    samples=probe.n,
                    correct=probe.successes,
                    accuracy=accuracy,
                    low=low,
                    high=high,
                    tokens=probe.tokens,
                    reused_batches=len(probe.logs) - probe.batches_run,
                    new_batches=probe.batches_run,
                )
            )
        total = Tokens()
        for probe in self.probes.values():
            total = total + probe.tokens
        return FrontierReport(
            model=self.config.model,
            granularity=self.config.granularity,
            samples=self.config.samples,
            results=list(results),
            probes=summaries,
            tokens=total,
            new_tokens=self.new_tokens,
            evals_run=self.evals_run,
            eval_bound=self.eval_bound,
        )


def format_report(report: FrontierReport) -> str:
    """A plain-text summary for the terminal."""
    lines = [f"frontier search: {report.model} (N={report.samples}, step {report.granularity})"]
    for result in report.results:
        label = f"H_{result.threshold:g}"
        if result.censored:
            lines.append(f"  {label} >= {result.horizon} (every probe up to max_k passed)")
        elif result.below_smallest_tried:
            lines.append(
                f"  {label} < {result.upper} steps (below the smallest K tried; path {result.path})"
            )
        else:
            lines.append(
                f"  {label} = {result.horizon} steps (passed {result.horizon}, "
                f"failed {result.upper}; path {result.path})"
            )
    lines.append("  probes (k: correct/n, accuracy [95% CI], tokens, batches new/reused):")
    for p in report.probes:
        lines.append(
            f"    {p.k:>6}: {p.correct}/{p.samples}, {p.accuracy:.2f} [{p.low:.2f}, {p.high:.2f}],"
            f" {p.tokens.total} tokens, {p.new_batches}/{p.reused_batches}"
        )
    lines.append(
        f"  tokens: {report.tokens.total} in all ({report.tokens.reasoning} reasoning); "
        f"{report.new_tokens.total} spent by this run in {report.evals_run} evals "
        f"(at most {report.eval_bound})"
    )
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block), exit 2."""

    def error(self, message: str) -> NoReturn:
        refuse(f"frontier: {message}")


def refuse(message: str) -> NoReturn:
    """Print a refusal (one line) to stderr and exit 2, as argparse does."""
    print(message, file=sys.stderr)
    raise SystemExit(2)


def _pairs(values: Sequence[str] | None, flag: str) -> dict[str, Any]:
    """``-T``/``-M`` name=value pairs, values read as YAML (as ``inspect eval`` reads them)."""
    parsed: dict[str, Any] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            refuse(f"frontier: {flag} expects name=value, got {item!r}")
        if name in parsed:
            refuse(f"frontier: {flag} {name} is given twice")
        try:
            parsed[name] = yaml.safe_load(value)
        except yaml.YAMLError:
            refuse(f"frontier: {flag} {name}: cannot read {value!r} as a value")
    return parsed


_OPTIONS = {"model_args": "-M", "task_args": "-T"}


def _config_error(error: ValidationError) -> str:
    """A refused option in one line, named as on the command line."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    option = _OPTIONS.get(field, "--" + field.replace("_", "-"))
    message = str(first["msg"]).removeprefix("Value error, ")
    if not field:
        return f"frontier: {message}"
    return f"frontier: {option}: {message} (got {shown(first['input'])})"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> FrontierReport:
    """The CLI: refusals exit 2, a search that cannot go on 1, Ctrl-C 130; one line each."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _stderr("frontier: interrupted; finished batches stay in the log dir")
        raise SystemExit(130) from None


def cli() -> None:
    """``horizon-frontier``: :func:`main` with the exit status of a console script."""
    main()


def _main(argv: Sequence[str] | None) -> FrontierReport:
    parser = _Parser(prog="horizon-frontier", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("-M", action="append", dest="model_args", help="model arg name=value")
    parser.add_argument("-T", action="append", dest="task_args", help="frontier task arg")
    parser.add_argument("--threshold", type=float, default=0.5, help="in (0, 1]")
    parser.add_argument("--also", type=float, nargs="*", default=[0.8], help="in (0, 1]")
    parser.add_argument("--granularity", type=int, default=10)
    parser.add_argument("--start", type=int, default=None)
    parser.add_argument("--max-k", type=int, default=4096, help=f"at most {MAX_K:,}")
    parser.add_argument("--samples", type=int, default=20, help=f"at most {MAX_SAMPLES:,}")
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.05, help="in [0, 0.5)")
    parser.add_argument("--max-connections", type=int, default=None)
    parser.add_argument(
        "--max-retries", type=int, default=None, help="Inspect's retries of a failed request"
    )
    parser.add_argument(
        "--timeout", type=int, default=None, help="seconds Inspect retries a failed request"
    )
    args = parser.parse_args(argv)
    try:
        config = SearchConfig(
            model=args.model,
            log_dir=args.log_dir,
            model_args=_pairs(args.model_args, "-M"),
            task_args=_pairs(args.task_args, "-T"),
            threshold=args.threshold,
            also=args.also,
            granularity=args.granularity,
            start=args.start,
            max_k=args.max_k,
            samples=args.samples,
            batch=args.batch,
            alpha=args.alpha,
            max_connections=args.max_connections,
            max_retries=args.max_retries,
            timeout=args.timeout,
        )
        search = FrontierSearch(config, progress=_stderr)
    except ValidationError as error:
        refuse(_config_error(error))
    except ParameterError as error:
        refuse(str(error))
    resume = f"finished batches are kept in {config.log_dir}: run the same command to resume"
    try:
        report = search.run()
    except ParameterError as error:  # a probe's own check, should the ones above miss it
        refuse(str(error))
    except (SearchInterrupted, KeyboardInterrupt) as error:
        where = str(error) if isinstance(error, SearchInterrupted) else "interrupted"
        _stderr(f"frontier: {where}; {resume}")
        raise SystemExit(130) from None
    except SearchStopped as error:
        _stderr(f"frontier: {error}; {resume}")
        raise SystemExit(1) from None
    Path(config.log_dir, REPORT_FILE).write_text(report.model_dump_json(indent=2))
    print(format_report(report))
    return report


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy's: probes are then built by
    # the packaged module's task and logged as long_horizon_execution/frontier, as
    # `inspect eval` names it.
    from long_horizon_execution.evals.frontier import main as package_main

    package_main()
