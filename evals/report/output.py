"""What a report run produced, and how it is written: one markdown and CSV table per kind of
row, the figures, and ``report.md`` gathering them with the run's notes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from long_horizon_execution.evals.frontier_results import horizon_text
from long_horizon_execution.evals.report import figures
from long_horizon_execution.evals.report.conditioning_rows import RateRow, SlopeRow
from long_horizon_execution.evals.report.frontier_rows import FrontierRow, ProbeRow
from long_horizon_execution.evals.report.horizon_rows import HorizonResult
from long_horizon_execution.evals.report.single_turn_rows import SingleTurnRow
from long_horizon_execution.evals.report.tables import (
    Column,
    Render,
    column,
    field,
    fraction,
    horizon_cell,
    interval,
    known_accuracy,
    step_field,
    write_table,
)


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
        column("turn acc before 1st error", "turn_accuracy_conditional"),
        column("p (est.)", render=field("p_step", 4)),
        column("task acc", render=known_accuracy("task_accuracy", "known_steps")),
        h(50),
        h(80),
        column("Prop. 1 H_0.5", render=step_field("theory_horizon_50")),
        column("Prop. 1 H_0.8", render=step_field("theory_horizon_80")),
        column("cached input", "cached_input_share"),
        column("input tokens (adaptive)", render=tokens("input_tokens")),
        column("fixed protocol (est.)", render=tokens("fixed_input_tokens")),
    ]


def tokens(name: str) -> Render:
    """A token count with thousands separators; empty when the row has none."""

    def render(row: BaseModel) -> str:
        value = getattr(row, name)
        return "" if value is None else f"{value:,}"

    return render


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


def write_report(report: Report, out: Path, draw: bool) -> None:
    """The tables (and figures when ``draw``) of ``report`` and its index into ``out``."""
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
                [r.turn_curve for r in report.horizon if r.turn_curve is not None],
                out / "turn_accuracy.png",
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
