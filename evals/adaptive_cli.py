"""``horizon-adaptive``: a horizon run that stops once H_s is settled (refusals exit 2, a run
that cannot go on 1, Ctrl-C 130; one line each).

    horizon-adaptive --model openai/gpt-4.1-mini --log-dir logs/adaptive \\
        -T samples=100 -T turns=1000 -T until=first_error

``turns`` is the cap: no conversation goes further. ``-E name=value`` passes an option to
every round's ``inspect_ai.eval`` (``-E max_samples=1 -E max_tokens=400``). See
``docs/adaptive.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from long_horizon_execution.evals.adaptive import REPORT_FILE, AdaptiveRun
from long_horizon_execution.evals.adaptive_config import AdaptiveConfig
from long_horizon_execution.evals.adaptive_results import (
    AdaptiveReport,
    RunInterrupted,
    RunStopped,
)
from long_horizon_execution.evals.cli_common import (
    config_error,
    driver_parser,
    name_value_pairs,
    refuse,
    say,
)
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.scorers.settling import SETTLE_RULES

_STOPPED = {
    "settled": "every horizon settled",
    "cap": "the cap reached",
    "all_ended": "every conversation ended",
}


def format_report(report: AdaptiveReport) -> str:
    """A plain-text summary for the terminal."""
    last = report.rounds[-1]
    lines = [
        f"adaptive run: {report.model} (N={report.samples}, cap {report.cap} turns): "
        f"{_STOPPED[report.stopped]} after {len(report.rounds)} rounds "
        f"(through turn {last.through_turn})"
    ]
    for h in report.horizons:
        label = f"H_{h.threshold:g}"
        if h.censored:
            lines.append(f"  {label} >= {h.horizon:g} steps (the curve never fell below it)")
        else:
            state = "settled" if h.interval_settled else "interval not settled"
            lines.append(f"  {label} = {h.horizon:g} [{h.low:g}, {h.high:g}] steps ({state})")
    lines.append("  rounds (through turn: open after, input tokens, new/found):")
    for r in report.rounds:
        lines.append(
            f"    {r.through_turn:>6}: {r.open_after} open, {r.tokens.input:,} input tokens, "
            f"{'found' if r.reused else 'new'}"
        )
    share = report.turns_asked / report.turns_fixed if report.turns_fixed else 0.0
    lines.append(
        f"  turns asked: {report.turns_asked:,} of the fixed protocol's "
        f"{report.turns_fixed:,} ({share:.1%})"
    )
    cached = report.tokens.cached_input / report.tokens.input if report.tokens.input else 0.0
    lines.append(
        f"  input tokens: {report.tokens.input:,} spent ({cached:.0%} from the provider's "
        f"prompt cache) against about {report.fixed_input_tokens:,} for the fixed protocol "
        f"({report.input_share:.1%}); output {report.tokens.output:,} against about "
        f"{report.fixed_output_tokens:,}"
    )
    lines.append(f"  fixed protocol counted by {report.fixed_estimate}")
    lines.append(f"  final log: {report.final_log}")
    return "\n".join(lines)


_OPTIONS = {
    "model_args": "-M",
    "task_args": "-T",
    "eval_args": "-E",
    "thresholds": "--threshold",
}


def main(argv: Sequence[str] | None = None) -> AdaptiveReport:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        say("adaptive: interrupted; finished rounds stay in the log dir")
        raise SystemExit(130) from None


def cli() -> None:
    """``horizon-adaptive``: :func:`main` with the exit status of a console script."""
    main()


def _main(argv: Sequence[str] | None) -> AdaptiveReport:
    parser = driver_parser("adaptive", __doc__.split("\n\n")[0], "horizon task arg")
    parser.add_argument("-E", action="append", dest="eval_args", help="inspect_ai.eval option")
    parser.add_argument(
        "--threshold", type=float, nargs="+", default=[0.5, 0.8], help="each in (0, 1)"
    )
    parser.add_argument("--settle", choices=SETTLE_RULES, default="interval")
    parser.add_argument("--first-round", type=int, default=10, help="turns of round 1")
    parser.add_argument("--growth", type=float, default=2.0, help="each round this much further")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-connections", type=int, default=None)
    parser.add_argument("--max-retries", type=int, default=None)
    parser.add_argument("--timeout", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        config = AdaptiveConfig(
            model=args.model,
            log_dir=args.log_dir,
            model_args=name_value_pairs(args.model_args, "-M", "adaptive"),
            task_args=name_value_pairs(args.task_args, "-T", "adaptive"),
            thresholds=args.threshold,
            settle=args.settle,
            first_round=args.first_round,
            growth=args.growth,
            epochs=args.epochs,
            max_connections=args.max_connections,
            max_retries=args.max_retries,
            timeout=args.timeout,
            eval_args=name_value_pairs(args.eval_args, "-E", "adaptive"),
        )
        run = AdaptiveRun(config, progress=say)
    except ValidationError as error:
        refuse(config_error(error, "adaptive", _OPTIONS))
    except ParameterError as error:
        refuse(str(error))
    resume = f"finished rounds are kept in {config.log_dir}: run the same command to resume"
    try:
        report = run.run()
    except ParameterError as error:
        refuse(str(error))
    except (RunInterrupted, KeyboardInterrupt) as error:
        where = str(error) if isinstance(error, RunInterrupted) else "interrupted"
        say(f"adaptive: {where}; {resume}")
        raise SystemExit(130) from None
    except RunStopped as error:
        say(f"adaptive: {error}; {resume}")
        raise SystemExit(1) from None
    Path(config.log_dir, REPORT_FILE).write_text(report.model_dump_json(indent=2))
    print(format_report(report))
    return report


if __name__ == "__main__":
    cli()
