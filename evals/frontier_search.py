"""The frontier search itself: probes run as Inspect evals of a few instances at a time,
decided sequentially, K doubled then bisected (see ``evals/frontier.py``)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai._util.error import PrerequisiteError
from inspect_ai.dataset import MemoryDataset
from inspect_ai.log import EvalLog, EvalSample, list_eval_logs, read_eval_log

from long_horizon_execution.evals.frontier import (
    _METADATA_KEY,
    _POSITION,
    Verdict,
    frontier,
)
from long_horizon_execution.evals.frontier_checks import check_search
from long_horizon_execution.evals.frontier_config import SearchConfig, eval_bound, search_tags
from long_horizon_execution.evals.frontier_results import (
    FrontierReport,
    Probe,
    ProbeSummary,
    Progress,
    SearchInterrupted,
    SearchStopped,
    ThresholdResult,
    Tokens,
    eval_error,
    first_line,
    log_tokens,
    sequential_verdict,
)
from long_horizon_execution.scorers.single_turn import whole_correct


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
        check_search(config)
        self._load()

    def _say(self, line: str) -> None:
        if self.progress is not None:
            self.progress(f"frontier: {line}")

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
                probe.outcomes[position] = whole_correct(score.value, score.metadata)
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
                **self._eval_options("probe"),
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

    def _eval_options(self, role: str) -> dict[str, Any]:
        """Options of one of the search's evals (a ``probe`` or the ``grid``): the user's,
        with the search's tags added to any the user gave."""
        options: dict[str, Any] = {"display": "none"}
        for name in ("max_connections", "max_retries", "timeout"):
            if getattr(self.config, name) is not None:
                options[name] = getattr(self.config, name)
        options |= self.config.eval_args
        given = options.get("tags") or []
        options["tags"] = [*search_tags(self.config, role), *given]
        return options

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
            **self._eval_options("grid"),
        )[0]
        probes = {k: Probe(k=k) for k in ks}
        for sample in log.samples or []:
            k = int(str(sample.id).partition(":")[0])
            if sample.error is None and sample.scores and sample.metadata:
                score = next(iter(sample.scores.values()))
                probes[k].outcomes[sample.metadata[_POSITION]] = whole_correct(
                    score.value, score.metadata
                )
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
            search_tag=search_tags(self.config, "probe")[0],
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
