"""``horizon-report``: Inspect logs of this suite's tasks -> the paper's tables (markdown
and CSV) and figures (PNG and SVG) in one folder.

    horizon-report logs/ --out report/

Any mix of tasks, models and parameters may be given, as files or folders (searched
recursively). Logs of other tasks, unfinished runs and unreadable files are skipped with a
note. Every run keeps its own row: only a retry of a run (``inspect eval-retry``, an
``eval_set`` rerun: the same task id) supersedes it. Frontier probes are pooled on purpose,
with the number of logs pooled shown.

This module is the command and the run it makes: its arguments, the logs read under a
progress display, and their rows; ``output`` writes them.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from long_horizon_execution.evals.report.attribution_rows import attribution_result, read_trials
from long_horizon_execution.evals.report.conditioning_rows import self_conditioning_result
from long_horizon_execution.evals.report.frontier_rows import FrontierProbes
from long_horizon_execution.evals.report.hazard_rows import hazard_row
from long_horizon_execution.evals.report.horizon_rows import horizon_result
from long_horizon_execution.evals.report.logs import (
    LogHeader,
    ReportError,
    ScoredSample,
    check_paths,
    log_files,
    read_header,
    reason,
    scored_samples,
)
from long_horizon_execution.evals.report.output import Report, write_report
from long_horizon_execution.evals.report.selection import probe_pool, select_logs
from long_horizon_execution.evals.report.single_turn_rows import single_turn_result


def require_extras(figures_wanted: bool) -> None:
    """The report reads logs with pandas (inspect_ai.analysis) and draws with matplotlib."""
    needed = ["pandas", "pyarrow"] + (["matplotlib"] if figures_wanted else [])
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise ReportError(f"the report needs {', '.join(missing)}: pip install -e '.[analysis]'")


class _Reader:
    """Reads each log's samples under a progress bar of its own, below the overall one."""

    def __init__(self, progress: Progress, overall: TaskID) -> None:
        self.progress = progress
        self.overall = overall

    def samples(self, header: LogHeader) -> tuple[list[ScoredSample], list[str]]:
        total = max(1, len(header.sample_ids) * header.epochs)
        bar = self.progress.add_task(f"  {Path(header.path).name[:60]}", total=total)
        try:
            return scored_samples(header, lambda: self.progress.advance(bar))
        finally:
            self.progress.remove_task(bar)
            self.progress.advance(self.overall)


def check_out(out: str) -> None:
    """Fail before reading anything when the report could not be written to ``out``."""
    if not out.strip():
        raise ReportError("--out is empty: name a folder")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ReportError(f"--out {out}: a file of that name exists; name a folder")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ReportError(f"--out {out}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ReportError(f"--out {out}: {existing} is not writable")


def build_report(paths: Sequence[str], out: str, draw: bool = True, quiet: bool = False) -> Report:
    """Read the logs under ``paths`` and write tables (and figures when ``draw``) to ``out``."""
    require_extras(draw)
    check_paths(paths)
    check_out(out)
    files = log_files(paths)
    if not files:
        raise ReportError(f"no Inspect logs in {', '.join(paths)}")
    report = Report(out=out)
    console = Console(stderr=True, quiet=quiet)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    )
    with progress:
        headers = []
        reading = progress.add_task("reading log headers", total=len(files))
        for path in files:
            try:
                headers.append(read_header(path))
            except Exception as error:  # a damaged or foreign file must not end the report
                report.notes.append(f"skipped {path}: unreadable ({reason(error)})")
            progress.advance(reading)
        selected = select_logs(headers, report.notes)
        progress.update(reading, description="reading samples", completed=0, total=len(selected))
        _collect(report, selected, _Reader(progress, reading))
        progress.remove_task(reading)
    if not report.logs_read:
        more = len(report.notes) - 1
        why = f" ({report.notes[0]}{f'; {more} more notes' if more > 0 else ''})"
        raise ReportError(
            f"nothing to report: none of the {len(files)} log files in {', '.join(paths)} "
            f"is a finished, readable log of the suite's tasks{why if report.notes else ''}"
        )
    try:
        write_report(report, Path(out), draw)
    except OSError as error:
        raise ReportError(f"--out {out}: cannot write the report ({reason(error)})") from None
    return report


def _collect(report: Report, selected: Sequence[LogHeader], reader: _Reader) -> None:
    pools: dict[str, FrontierProbes] = {}
    for header in selected:
        try:
            _add(report, header, reader, pools)
        except Exception as error:  # one damaged log must not end the report
            report.notes.append(f"skipped {header.path}: unusable samples ({reason(error)})")
    for pool in pools.values():
        report.frontier.append(pool.row())
        report.probes += pool.probe_rows()
        report.notes += pool.notes()
    _tell_apart(report)
    report.horizon.sort(key=lambda r: (r.row.model, r.row.mode, r.row.k, r.row.variant, r.row.run))
    report.rates.sort(key=lambda r: (r.model, r.mode, r.k, r.target_turn, r.variant, r.run, r.rate))
    report.slopes.sort(key=lambda r: (r.model, r.mode, r.k, r.target_turn, r.variant, r.run))
    report.single_turn.sort(key=lambda r: (r.model, r.mode, r.steps, r.k, r.variant, r.run))
    report.frontier.sort(key=lambda r: (r.model, r.mode, r.variant))
    report.probes.sort(key=lambda r: (r.model, r.mode, r.k))
    report.hazard.sort(key=lambda r: (r.model, r.task, r.mode, r.k, r.variant, r.run))
    report.attribution.sort(
        key=lambda r: [(x.task, x.model, x.mode, x.k, x.variant, x.run) for x in r.rows[:1]]
    )


def _add(
    report: Report, header: LogHeader, reader: _Reader, pools: dict[str, FrontierProbes]
) -> None:
    """One log's rows (a frontier log's probes go to its pool)."""
    samples, notes = reader.samples(header)
    if not samples:
        report.notes.append(f"skipped {header.path}: no scored samples")
        return
    if header.experiment == "horizon":
        horizon_row = horizon_result(header, samples)
        report.horizon.append(horizon_row)
        if horizon_row.turn_curve is None:
            report.notes.append(
                f"{header.path}: conversations stopped at their first error (until="
                "first_error): turn accuracy is given before the first error only, and its "
                "curve against the turn is left out"
            )
    elif header.experiment == "self_conditioning":
        result = self_conditioning_result(header, samples)
        report.rates += result.rates
        report.slopes.append(result.slope)
    elif header.experiment == "single_turn":
        report.single_turn.append(single_turn_result(header, samples))
    elif header.experiment == "frontier":
        pool = pools.setdefault(probe_pool(header), FrontierProbes(header))
        pool.add(header, samples)
    if header.argument("until") == "first_error":
        report.notes.append(
            f"{header.path}: no hazard fit or error attribution: both need the turns after "
            "a conversation's first error, which this run did not ask"
        )
    elif header.experiment in ("horizon", "self_conditioning"):
        row, hazard_notes = hazard_row(header)
        report.hazard += [row] if row is not None else []
        notes += hazard_notes
        try:
            trials = list(read_trials(header.path, str(header.argument("mode", "plain"))))
            report.attribution.append(attribution_result(header, trials))
        except Exception as error:  # the run's other rows stand without it
            report.notes.append(f"{header.path}: no error attribution ({reason(error)})")
    report.notes += [f"{header.path}: {note}" for note in notes]
    report.logs_read += 1


def _tell_apart(report: Report) -> None:
    """Rows of distinct runs that would read alike name their log in the run column (and
    their curves in the figures)."""

    def mark(rows: Sequence[Any], key: Callable[[Any], Hashable]) -> None:
        groups: dict[Hashable, list[Any]] = {}
        for row in rows:
            groups.setdefault(key(row), []).append(row)
        for group in groups.values():
            if len({row.log for row in group}) > 1:
                for row in group:
                    row.run = Path(row.log).name

    mark([r.row for r in report.horizon], lambda r: (r.model, r.mode, r.k, r.variant))
    for result in report.horizon:
        if result.row.run:
            result.task_curve.label += f" · {result.row.run}"
            if result.turn_curve is not None:
                result.turn_curve.label += f" · {result.row.run}"

    def conditioning(r: Any) -> Hashable:
        return (r.model, r.mode, r.k, r.target_turn, r.protocol, r.offsets, r.variant)

    mark(report.rates, conditioning)
    mark(report.slopes, conditioning)
    mark(report.single_turn, lambda r: (r.model, r.mode, r.steps, r.k, r.variant))
    mark(report.hazard, lambda r: (r.model, r.mode, r.k, r.task, r.variant))
    attribution = [row for result in report.attribution for row in result.rows]
    mark(attribution, lambda r: (r.task, r.model, r.mode, r.k, r.variant))
    for attributed in report.attribution:
        if attributed.rows and attributed.rows[0].run:
            attributed.curve.label += f" · {attributed.rows[0].run}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="horizon-report",
        description="Logs of the suite's tasks -> the paper's tables (markdown, CSV) and "
        "figures (PNG and SVG).",
    )
    parser.add_argument("logs", nargs="+", help="log files or folders (searched recursively)")
    parser.add_argument("--out", default="report", help="output folder (default: report)")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    args = parser.parse_args(argv)
    try:
        report = build_report(args.logs, args.out, draw=not args.no_figures, quiet=args.quiet)
    except ReportError as error:
        print(f"horizon-report: {error}", file=sys.stderr)
        return 2
    print(
        f"{report.logs_read} logs reported into {report.out}/ "
        f"({len(report.files)} files; see {report.out}/report.md)"
    )
    for note in report.notes:
        print(f"note: {note}")
    return 0
