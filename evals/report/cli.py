"""``horizon-report`` / ``python -m evals.report``: Inspect logs of this suite's tasks ->
the paper's tables (markdown and CSV) and figures (PNG) in one folder.

    horizon-report logs/ --out report/

Any mix of tasks, models and parameters may be given, as files or folders (searched
recursively). Logs of other tasks, unfinished runs and unreadable files are skipped with a
note; of logs that ran exactly the same thing, the newest is used.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path

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

from evals.frontier import horizon_text
from evals.report import figures
from evals.report.experiments import (
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
from evals.report.logs import (
    LogHeader,
    ReportError,
    ScoredSample,
    check_paths,
    log_files,
    read_header,
    scored_samples,
)
from evals.report.tables import (
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
    return json.dumps([header.model, header.model_args, args], sort_keys=True, default=str)


def select_logs(headers: Sequence[LogHeader], notes: list[str]) -> list[LogHeader]:
    """This suite's finished logs, the newest of any that ran the same thing."""
    chosen: dict[str, LogHeader] = {}
    for header in sorted(headers, key=lambda h: h.created, reverse=True):
        if header.experiment is None:
            notes.append(
                f"skipped {header.path}: task {header.task!r} is not scored by one of the "
                "suite's scorers"
            )
        elif header.status != "success":
            notes.append(
                f"skipped {header.path}: status {header.status} (finish it with "
                "`inspect eval-retry`, then report again)"
            )
        elif header.experiment != "frontier" and header.identity() in chosen:
            notes.append(f"skipped {header.path}: a newer log ran the same task and arguments")
        else:
            chosen.setdefault(header.identity(), header)
    return list(chosen.values())


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


def build_report(paths: Sequence[str], out: str, draw: bool = True, quiet: bool = False) -> Report:
    """Read the logs under ``paths`` and write tables (and figures when ``draw``) to ``out``."""
    require_extras(draw)
    check_paths(paths)
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
                report.notes.append(f"skipped {path}: unreadable ({type(error).__name__})")
            progress.advance(reading)
        selected = select_logs(headers, report.notes)
        progress.update(reading, description="reading samples", completed=0, total=len(selected))
        _collect(report, selected, _Reader(progress, reading))
        progress.remove_task(reading)
    _write(report, Path(out), draw)
    return report


def _collect(report: Report, selected: Sequence[LogHeader], reader: _Reader) -> None:
    pools: dict[str, FrontierProbes] = {}
    for header in selected:
        samples, notes = reader.samples(header)
        report.notes += [f"{header.path}: {note}" for note in notes]
        if not samples:
            report.notes.append(f"skipped {header.path}: no scored samples")
            continue
        report.logs_read += 1
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
    for pool in pools.values():
        report.frontier.append(pool.row())
        report.probes += pool.probe_rows()
    report.horizon.sort(key=lambda r: (r.row.model, r.row.mode, r.row.k, r.row.variant))
    report.rates.sort(key=lambda r: (r.model, r.mode, r.k, r.target_turn, r.variant, r.rate))
    report.slopes.sort(key=lambda r: (r.model, r.mode, r.k, r.target_turn, r.variant))
    report.single_turn.sort(key=lambda r: (r.model, r.mode, r.steps, r.k, r.variant))
    report.frontier.sort(key=lambda r: (r.model, r.mode, r.variant))
    report.probes.sort(key=lambda r: (r.model, r.mode, r.k))


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
        + [column("samples"), _bounded("whole")]
        + [column("block acc", "block_accuracy")],
        "single_turn",
        "Single-turn execution",
    )
    table(
        report.frontier,
        [column("model"), column("mode"), column("variant"), _frontier_cell(50)]
        + [_frontier_cell(80), column("probes"), column("samples/probe", "samples")]
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
