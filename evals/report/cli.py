"""``horizon-report``: Inspect logs of this suite's tasks -> the paper's tables (markdown
and CSV) and figures (PNG) in one folder.

    horizon-report logs/ --out report/

Any mix of tasks, models and parameters may be given, as files or folders (searched
recursively). Logs of other tasks, unfinished runs and unreadable files are skipped with a
note. Every run keeps its own row: only a retry of a run (``inspect eval-retry``, an
``eval_set`` rerun: the same task id) supersedes it. Frontier probes are pooled on purpose,
with the number of logs pooled shown.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from long_horizon_execution.evals.frontier_results import horizon_text
from long_horizon_execution.evals.report import figures
from long_horizon_execution.evals.report.experiments import (
    FrontierProbes,
    FrontierRow,
    HorizonResult,
    ProbeRow,
    RateRow,
    SingleTurnRow,
    SlopeRow,
    horizon_result,
    self_conditioning_result,
    single_turn_result,
)
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
from long_horizon_execution.evals.report.tables import (
    Column,
    column,
    field,
    fraction,
    horizon_cell,
    interval,
    known_accuracy,
    step_field,
    write_table,
)
from long_horizon_execution.evals.task_common import TASK_VERSION

_PROBE_ARGS = {"k", "samples", "first_sample"}


class Report(BaseModel):
    """What a report run produced, and what it skipped and why."""

    out: str
    logs_read: int = 0
    horizon: list[HorizonResult] = Field(default_factory=list)
    rates: list[RateRow] = Field(default_factory=list)
    slopes: list[SlopeRow] = Field(default_factory=list)
    single_turn: list[SingleTurnRow] = Field(default_factory=list)
    frontier: list[FrontierRow] = Field(default_factory=list)
    probes: list[ProbeRow] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def require_extras(figures_wanted: bool) -> None:
    """The report reads logs with pandas (inspect_ai.analysis) and draws with matplotlib."""
    needed = ["pandas", "pyarrow"] + (["matplotlib"] if figures_wanted else [])
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise ReportError(f"the report needs {', '.join(missing)}: pip install -e '.[analysis]'")


def _probe_key(header: LogHeader) -> str:
    args = {k: v for k, v in header.settings.items() if k not in _PROBE_ARGS}
    return json.dumps(
        [header.model, header.model_args, header.base_url, header.generate_config, args],
        sort_keys=True,
        default=str,
    )


def select_logs(headers: Sequence[LogHeader], notes: list[str]) -> list[LogHeader]:
    """This suite's finished logs, one per run: of a run's logs (an original and its retries,
    which keep its task id) the newest finished one. Distinct runs are all kept, even when
    they ran the same task, model and arguments."""
    runs: dict[str, list[LogHeader]] = {}
    for header in sorted(headers, key=lambda h: h.created_at, reverse=True):
        if header.experiment is None:
            notes.append(
                f"skipped {header.path}: task {header.task!r} is not scored by one of the "
                "suite's scorers"
            )
        elif (version := header.newer_version()) is not None:
            notes.append(
                f"skipped {header.path}: written by task version {version}, newer than this "
                f"report's {TASK_VERSION} (update the suite, then report again)"
            )
        else:
            runs.setdefault(header.run(), []).append(header)
    chosen: list[LogHeader] = []
    for logs in runs.values():
        finished = [header for header in logs if header.status == "success"]
        if finished:
            chosen.append(finished[0])
        for header in logs:
            if finished and header is not finished[0]:
                notes.append(
                    f"skipped {header.path} ({header.status}): a log of the same run (task id "
                    f"{header.task_id}) as {finished[0].path}, its newest finished log"
                )
            elif not finished:
                notes.append(
                    f"skipped {header.path}: status {header.status} (finish it with "
                    "`inspect eval-retry`, then report again)"
                )
    _note_alike(chosen, notes)
    return chosen


def _note_alike(chosen: Sequence[LogHeader], notes: list[str]) -> None:
    """Name the runs that ran the same task, model and arguments: each keeps a row."""
    alike: dict[str, list[LogHeader]] = {}
    for header in chosen:
        if header.experiment != "frontier":
            alike.setdefault(header.setting(), []).append(header)
    for group in alike.values():
        if len(group) > 1:
            names = ", ".join(Path(header.path).name for header in group)
            notes.append(
                f"{len(group)} runs of the same task, model and arguments, each reported in a "
                f"row of its own (its log in the run column): {names}"
            )


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
        _write(report, Path(out), draw)
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


def _add(
    report: Report, header: LogHeader, reader: _Reader, pools: dict[str, FrontierProbes]
) -> None:
    """One log's rows (a frontier log's probes go to its pool)."""
    samples, notes = reader.samples(header)
    if not samples:
        report.notes.append(f"skipped {header.path}: no scored samples")
        return
    if header.experiment == "horizon":
        report.horizon.append(horizon_result(header, samples))
    elif header.experiment == "self_conditioning":
        result = self_conditioning_result(header, samples)
        report.rates += result.rates
        report.slopes.append(result.slope)
    elif header.experiment == "single_turn":
        report.single_turn.append(single_turn_result(header, samples))
    elif header.experiment == "frontier":
        pool = pools.setdefault(_probe_key(header), FrontierProbes(header))
        pool.add(header, samples)
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
            result.turn_curve.label += f" · {result.row.run}"

    def conditioning(r: Any) -> Hashable:
        return (r.model, r.mode, r.k, r.target_turn, r.protocol, r.offsets, r.variant)

    mark(report.rates, conditioning)
    mark(report.slopes, conditioning)
    mark(report.single_turn, lambda r: (r.model, r.mode, r.steps, r.k, r.variant))


def _horizon_columns() -> list[Column]:
    def h(threshold: int) -> Column:
        return column(
            f"H_0.{threshold // 10}",
            render=lambda r: horizon_cell(
                getattr(r, f"horizon_{threshold}"),
                getattr(r, f"horizon_{threshold}_low"),
                getattr(r, f"horizon_{threshold}_high"),
                getattr(r, f"horizon_{threshold}_censored"),
            ),
        )

    return [
        column("model"),
        column("mode"),
        column("K", "k"),
        column("samples"),
        column("trials"),
        column("steps"),
        column("variant"),
        column("run"),
        column("turns observed", render=fraction("observed_turns", "planned_turns")),
        column("turn-1 acc", "turn1_accuracy"),
        column("turn acc", "turn_accuracy"),
        column("p (est.)", render=field("p_step", 4)),
        column("task acc", render=known_accuracy("task_accuracy", "known_steps")),
        h(50),
        h(80),
        column("Prop. 1 H_0.5", render=step_field("theory_horizon_50")),
        column("Prop. 1 H_0.8", render=step_field("theory_horizon_80")),
        column("cached input", "cached_input_share"),
    ]


def _bounded(name: str) -> Column:
    return column(
        name,
        render=lambda r: interval(
            getattr(r, name), getattr(r, f"{name}_low"), getattr(r, f"{name}_high")
        ),
    )


def _frontier_cell(threshold: int) -> Column:
    def render(row: BaseModel) -> str:
        return horizon_text(
            getattr(row, f"horizon_{threshold}"), getattr(row, f"horizon_{threshold}_upper")
        )

    return column(f"H_0.{threshold // 10}", render=render)


_SETTING = [
    column("model"),
    column("mode"),
    column("K", "k"),
    column("target turn", "target_turn"),
    column("protocol"),
    column("offsets"),
    column("variant"),
    column("run"),
]


def _write(report: Report, out: Path, draw: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sections: list[str] = []

    def table(rows: Sequence[BaseModel], columns: list[Column], name: str, title: str) -> None:
        if rows:
            sections.append(write_table(rows, columns, out, name, title))
            report.files += [str(out / f"{name}.md"), str(out / f"{name}.csv")]

    rows = [result.row for result in report.horizon]
    table(rows, _horizon_columns(), "horizon", "Multi-turn execution (horizon)")
    table(
        report.rates,
        _SETTING + [column("rate"), column("samples"), _bounded("shown"), _bounded("true")],
        "self_conditioning",
        "Self-conditioning: accuracy at the target turn per rate of induced errors",
    )
    table(
        report.slopes,
        _SETTING + [column("instances"), _bounded("slope_shown"), _bounded("slope_true")],
        "self_conditioning_slopes",
        "Self-conditioning: change in target-turn accuracy per unit rate",
    )
    table(
        report.single_turn,
        [column("model"), column("mode"), column("steps"), column("K", "k"), column("variant")]
        + [column("run"), column("samples"), _bounded("whole")]
        + [column("block acc", "block_accuracy")],
        "single_turn",
        "Single-turn execution",
    )
    table(
        report.frontier,
        [column("model"), column("mode"), column("variant"), _frontier_cell(50)]
        + [_frontier_cell(80), column("probes"), column("samples/probe", "samples")]
        + [column("logs pooled", "logs")]
        + [column("tokens"), column("reasoning tokens", "reasoning_tokens")],
        "frontier",
        "Frontier: the longest sum executed in one turn",
    )
    table(
        report.probes,
        [column("model"), column("mode"), column("K", "k"), column("samples"), column("correct")]
        + [_bounded("accuracy"), column("tokens"), column("reasoning tokens", "reasoning_tokens")],
        "frontier_probes",
        "Frontier probes (95% Clopper-Pearson intervals)",
    )
    if draw:
        drawn = [
            figures.task_accuracy_figure(
                [r.task_curve for r in report.horizon], out / "task_accuracy.png"
            ),
            figures.turn_accuracy_figure(
                [r.turn_curve for r in report.horizon], out / "turn_accuracy.png"
            ),
            figures.self_conditioning_figure(report.rates, out / "self_conditioning.png"),
            figures.frontier_figure(report.frontier, out / "frontier.png"),
            figures.theory_figure(rows, out / "horizon_theory.png"),
        ]
        for path in drawn:
            if path is not None:
                report.files.append(str(path))
                sections.append(f"![{path.stem}]({path.name})\n")
    notes = "".join(f"- {note}\n" for note in report.notes) or "- none\n"
    index = "# Long-horizon execution report\n\n" + "\n".join(sections) + "\n## Notes\n\n" + notes
    (out / "report.md").write_text(index)
    report.files.append(str(out / "report.md"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="horizon-report",
        description="Logs of the suite's tasks -> the paper's tables (markdown, CSV) and "
        "figures (PNG).",
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
