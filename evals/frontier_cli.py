"""``horizon-frontier``: the frontier search from the command line (refusals exit 2, a search
that cannot go on 1, Ctrl-C 130; one line each)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import (
    ValidationError,
)

from long_horizon_execution.evals.cli_common import (
    config_error,
    driver_parser,
    name_value_pairs,
    refuse,
    say,
)
from long_horizon_execution.evals.frontier import (
    MAX_K,
    MAX_SAMPLES,
    REPORT_FILE,
)
from long_horizon_execution.evals.frontier_config import SearchConfig
from long_horizon_execution.evals.frontier_results import (
    FrontierReport,
    SearchInterrupted,
    SearchStopped,
)
from long_horizon_execution.evals.frontier_search import FrontierSearch
from long_horizon_execution.evals.params import ParameterError


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


_OPTIONS = {"model_args": "-M", "task_args": "-T"}


def main(argv: Sequence[str] | None = None) -> FrontierReport:
    """The CLI: refusals exit 2, a search that cannot go on 1, Ctrl-C 130; one line each."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        say("frontier: interrupted; finished batches stay in the log dir")
        raise SystemExit(130) from None


def cli() -> None:
    """``horizon-frontier``: :func:`main` with the exit status of a console script."""
    main()


def _main(argv: Sequence[str] | None) -> FrontierReport:
    parser = driver_parser("frontier", __doc__.split("\n\n")[0], "frontier task arg")
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
            model_args=name_value_pairs(args.model_args, "-M", "frontier"),
            task_args=name_value_pairs(args.task_args, "-T", "frontier"),
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
        search = FrontierSearch(config, progress=say)
    except ValidationError as error:
        refuse(config_error(error, "frontier", _OPTIONS))
    except ParameterError as error:
        refuse(str(error))
    resume = f"finished batches are kept in {config.log_dir}: run the same command to resume"
    try:
        report = search.run()
    except ParameterError as error:  # a probe's own check, should the ones above miss it
        refuse(str(error))
    except (SearchInterrupted, KeyboardInterrupt) as error:
        where = str(error) if isinstance(error, SearchInterrupted) else "interrupted"
        say(f"frontier: {where}; {resume}")
        raise SystemExit(130) from None
    except SearchStopped as error:
        say(f"frontier: {error}; {resume}")
        raise SystemExit(1) from None
    Path(config.log_dir, REPORT_FILE).write_text(report.model_dump_json(indent=2))
    print(format_report(report))
    return report


if __name__ == "__main__":
    cli()
