"""``horizon-adaptive``: a horizon run that stops once H_s is settled (refusals exit 2, a run
that cannot go on 1, Ctrl-C 130; one line each).

    horizon-adaptive --model openai/gpt-4.1-mini --log-dir logs/adaptive \\
        -T samples=100 -T turns=1000 -T until=first_error

``turns`` is the cap: no conversation goes further. ``-E name=value`` passes an option to
every round's ``inspect_ai.eval`` (``-E max_samples=1 -E max_tokens=400``). See
``docs/adaptive.md``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

from long_horizon_execution.evals.adaptive import REPORT_FILE, AdaptiveRun
from long_horizon_execution.evals.adaptive_config import AdaptiveConfig
from long_horizon_execution.evals.adaptive_results import (
    AdaptiveReport,
    RunInterrupted,
    RunStopped,
)
from long_horizon_execution.evals.params import ParameterError, shown
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


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block), exit 2."""

    def error(self, message: str) -> NoReturn:
        refuse(f"adaptive: {message}")


def refuse(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def _pairs(values: Sequence[str] | None, flag: str) -> dict[str, Any]:
    """``-T``/``-M`` name=value pairs, values read as YAML (as ``inspect eval`` reads them)."""
    parsed: dict[str, Any] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            refuse(f"adaptive: {flag} expects name=value, got {item!r}")
        if name in parsed:
            refuse(f"adaptive: {flag} {name} is given twice")
        try:
            parsed[name] = yaml.safe_load(value)
        except yaml.YAMLError:
            refuse(f"adaptive: {flag} {name}: cannot read {value!r} as a value")
    return parsed


_OPTIONS = {
    "model_args": "-M",
    "task_args": "-T",
    "eval_args": "-E",
    "thresholds": "--threshold",
}


def _config_error(error: ValidationError) -> str:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    option = _OPTIONS.get(field, "--" + field.replace("_", "-"))
    message = str(first["msg"]).removeprefix("Value error, ")
    if not field:
        return f"adaptive: {message}"
    return f"adaptive: {option}: {message} (got {shown(first['input'])})"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> AdaptiveReport:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _stderr("adaptive: interrupted; finished rounds stay in the log dir")
        raise SystemExit(130) from None


def cli() -> None:
    """``horizon-adaptive``: :func:`main` with the exit status of a console script."""
    main()


def _main(argv: Sequence[str] | None) -> AdaptiveReport:
    parser = _Parser(prog="horizon-adaptive", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("-M", action="append", dest="model_args", help="model arg name=value")
    parser.add_argument("-T", action="append", dest="task_args", help="horizon task arg")
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
            model_args=_pairs(args.model_args, "-M"),
            task_args=_pairs(args.task_args, "-T"),
            thresholds=args.threshold,
            settle=args.settle,
            first_round=args.first_round,
            growth=args.growth,
            epochs=args.epochs,
            max_connections=args.max_connections,
            max_retries=args.max_retries,
            timeout=args.timeout,
            eval_args=_pairs(args.eval_args, "-E"),
        )
        run = AdaptiveRun(config, progress=_stderr)
    except ValidationError as error:
        refuse(_config_error(error))
    except ParameterError as error:
        refuse(str(error))
    resume = f"finished rounds are kept in {config.log_dir}: run the same command to resume"
    try:
        report = run.run()
    except ParameterError as error:
        refuse(str(error))
    except (RunInterrupted, KeyboardInterrupt) as error:
        where = str(error) if isinstance(error, RunInterrupted) else "interrupted"
        _stderr(f"adaptive: {where}; {resume}")
        raise SystemExit(130) from None
    except RunStopped as error:
        _stderr(f"adaptive: {error}; {resume}")
        raise SystemExit(1) from None
    Path(config.log_dir, REPORT_FILE).write_text(report.model_dump_json(indent=2))
    print(format_report(report))
    return report


if __name__ == "__main__":
    cli()
