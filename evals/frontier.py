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

    python -m evals.frontier --model anthropic/claude-sonnet-4-20250514 \\
        --log-dir logs/frontier-claude --granularity 16 --max-k 4096

The report (also written to ``<log_dir>/frontier.json``) gives the horizon per threshold
with its bracket, every probe with a 95% Clopper-Pearson interval, and the tokens spent.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from inspect_ai import Task, task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log
from pydantic import BaseModel, ConfigDict, Field, computed_field

from evals.params import validate_params
from evals.prompts import DEFAULT_LAYOUT
from evals.single_turn import SingleTurnParams, single_turn_task
from scorers.parsing import DEFAULT_PARSING
from scorers.single_turn import whole_correct

Verdict = Literal["pass", "fail"]
REPORT_FILE = "frontier.json"
_METADATA_KEY = "frontier_probe"
_CONFIDENCE = 0.95


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

    ``python -m evals.frontier`` runs probes of this task over k to find the largest k a
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
    arguments = dict(locals(), steps=k)  # a probe is one block of k keys
    params: SingleTurnParams = validate_params(
        "frontier", SingleTurnParams, arguments, defaults={"reasoning_tokens": 32_000}
    )
    return single_turn_task(params, name="frontier_probe", task="frontier")


class SearchConfig(BaseModel):
    """Everything that defines a search; probes in the log dir are reused only when the
    model, model args and task args match."""

    model_config = ConfigDict(extra="forbid")

    model: str
    log_dir: str
    model_args: dict[str, Any] = Field(default_factory=dict)
    task_args: dict[str, Any] = Field(default_factory=dict)
    """Arguments of the ``frontier`` task other than k, samples and first_sample."""
    threshold: float = Field(default=0.5, gt=0.0, le=1.0)
    also: list[float] = Field(default_factory=lambda: [0.8])
    granularity: int = Field(default=10, ge=1)
    start: int | None = Field(default=None, ge=1)
    """First K probed (default: the granularity)."""
    max_k: int = Field(default=4096, ge=1)
    samples: int = Field(default=20, ge=1)
    batch: int = Field(default=5, ge=1)
    alpha: float = Field(default=0.05, ge=0.0, lt=0.5)
    eval_args: dict[str, Any] = Field(default_factory=dict)
    """Extra arguments to ``inspect_ai.eval`` (e.g. max_connections)."""

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


class FrontierSearch:
    """Runs probes through Inspect and keeps what the log dir already holds."""

    def __init__(self, config: SearchConfig) -> None:
        self.config = config
        self.probes: dict[int, Probe] = {}
        self.evals_run = 0
        self.new_tokens = Tokens()
        self.grid_tokens = Tokens()
        self._load()

    def _load(self) -> None:
        if not Path(self.config.log_dir).exists():
            return
        signature = self.config.signature()
        for info in list_eval_logs(self.config.log_dir):
            header = read_eval_log(info, header_only=True)
            meta = (header.eval.metadata or {}).get(_METADATA_KEY)
            if header.status != "success" or not meta or meta.get("signature") != signature:
                continue
            self._add(read_eval_log(info), int(header.eval.task_args["k"]), new=False)

    def _add(self, log: EvalLog, k: int, new: bool) -> None:
        probe = self.probes.setdefault(k, Probe(k=k))
        for sample in log.samples or []:
            if sample.error is None and sample.scores:
                score = next(iter(sample.scores.values()))
                probe.outcomes[int(sample.id)] = whole_correct(score.value)
        spent = log_tokens(log)
        probe.tokens = probe.tokens + spent
        probe.logs.append(log.location)
        if new:
            probe.batches_run += 1
            self.evals_run += 1
            self.new_tokens = self.new_tokens + spent

    def _evaluate(self, batches: Sequence[tuple[int, int, int]]) -> None:
        """Run (k, first instance, count) batches as one Inspect eval call."""
        config = self.config
        tasks = [
            frontier(k=k, samples=count, first_sample=first, **config.task_args)
            for k, first, count in batches
        ]
        logs = inspect_eval(
            tasks,
            model=config.model,
            model_args=config.model_args,
            log_dir=config.log_dir,
            metadata={_METADATA_KEY: {"signature": config.signature()}},
            **self._eval_options(),
        )
        for log in logs:
            k = int(log.eval.task_args["k"])
            if log.status != "success":
                raise RuntimeError(f"probe k={k} failed: {log.error.message if log.error else ''}")
            self._add(log, k, new=True)

    def _eval_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"display": "none"}
        return options | self.config.eval_args

    def run_batch(self, k: int, first: int, count: int) -> None:
        self._evaluate([(k, first, count)])

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
        while True:
            probe = self.probes.get(k, Probe(k=k))
            decided = sequential_verdict(
                probe.successes, probe.n, self.config.samples, threshold, level
            )
            if decided is not None:
                return decided
            pending = self._next_batch(k)
            if pending is None:  # cannot happen: N samples always decide; be safe
                return "pass" if probe.successes >= threshold * probe.n else "fail"
            self.run_batch(k, *pending)

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
            k, _, instance = str(sample.id).partition(":")
            if sample.error is None and sample.scores:
                score = next(iter(sample.scores.values()))
                probes[int(k)].outcomes[int(instance)] = whole_correct(score.value)
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
        for threshold in self.config.also:
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
        f"{report.new_tokens.total} spent by this run in {report.evals_run} evals"
    )
    return "\n".join(lines)


def _pairs(values: Sequence[str] | None, flag: str) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"{flag} expects name=value, got {item!r}")
        parsed[name] = yaml.safe_load(value)
    return parsed


def main(argv: Sequence[str] | None = None) -> FrontierReport:
    parser = argparse.ArgumentParser(
        prog="python -m evals.frontier", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", required=True)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("-M", action="append", dest="model_args", help="model arg name=value")
    parser.add_argument("-T", action="append", dest="task_args", help="frontier task arg")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--also", type=float, nargs="*", default=[0.8])
    parser.add_argument("--granularity", type=int, default=10)
    parser.add_argument("--start", type=int, default=None)
    parser.add_argument("--max-k", type=int, default=4096)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--max-connections", type=int, default=None)
    args = parser.parse_args(argv)
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
        eval_args={} if args.max_connections is None else {"max_connections": args.max_connections},
    )
    report = FrontierSearch(config).run()
    Path(config.log_dir).mkdir(parents=True, exist_ok=True)
    Path(config.log_dir, REPORT_FILE).write_text(report.model_dump_json(indent=2))
    print(format_report(report))
    return report


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy's: probes are then built by
    # evals.frontier's task and logged as evals/frontier, as `inspect eval` names it.
    from evals.frontier import main as package_main

    package_main()
