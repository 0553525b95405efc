"""What a report run produced, and how it is written: one markdown and CSV table per kind of
row, the figures, and ``report.md`` gathering them with the run's notes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from long_horizon_execution.evals.frontier_results import horizon_text
from long_horizon_execution.evals.report import figures, figures_compare, figures_k
from long_horizon_execution.evals.report.attribution_figure import attribution_figure
from long_horizon_execution.evals.report.attribution_rows import AttributionResult
from long_horizon_execution.evals.report.attribution_table import write_attribution_table
from long_horizon_execution.evals.report.conditioning_rows import RateRow, SlopeRow
from long_horizon_execution.evals.report.frontier_rows import FrontierRow, ProbeRow
from long_horizon_execution.evals.report.hazard_figure import hazard_figure
from long_horizon_execution.evals.report.hazard_rows import HAZARD_TITLE, HazardRow, hazard_columns
from long_horizon_execution.evals.report.horizon_rows import HorizonResult
from long_horizon_execution.evals.report.plotting import save
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

LAID_OUT = {"attribution"}
"""Figures that place their own legend for the whole figure (see ``plotting.save``)."""


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
    hazard: list[HazardRow] = Field(default_factory=list)
    attribution: list[AttributionResult] = Field(default_factory=list)
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
        _bounded("turn_accuracy", "turn acc"),
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


def _bounded(name: str, header: str | None = None) -> Column:
    return column(
        header or name,
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
        [column("model"), column("mode"), column("variant"), column("K", "k"), column("samples")]
        + [column("correct")]
        + [_bounded("accuracy"), column("tokens"), column("reasoning tokens", "reasoning_tokens")],
        "frontier_probes",
        "Frontier probes (95% Clopper-Pearson intervals)",
    )
    table(report.hazard, hazard_columns(), "hazard", HAZARD_TITLE)
    attribution, written = write_attribution_table(report.attribution, out)
    if attribution:
        sections.append(attribution)
        report.files += written
    if draw:
        results = report.horizon
        drawn = {
            "task_accuracy": figures.task_accuracy_figure(results),
            "turn_accuracy": figures.turn_accuracy_figure(results),
            "thinking": figures_compare.thinking_figure(results),
            "votes": figures_compare.votes_figure(results),
            "self_conditioning": figures.self_conditioning_figure(report.rates),
            "frontier": figures_k.frontier_figure(report.frontier),
            "accuracy_vs_k": figures_k.accuracy_vs_k_figure(
                report.probes, report.frontier, results
            ),
            "horizon_theory": figures.theory_figure(rows),
            "hazard": hazard_figure(report.hazard),
            "attribution": attribution_figure([r.curve for r in report.attribution]),
        }
        for name, figure in drawn.items():
            paths = save(figure, out / name, laid_out=name in LAID_OUT)
            report.files += [str(path) for path in paths]
            if paths:
                sections.append(f"![{name}]({paths[0].name}) ([SVG]({name}.svg))\n")
    notes = "".join(f"- {note}\n" for note in report.notes) or "- none\n"
    index = "# Long-horizon execution report\n\n" + "\n".join(sections) + "\n## Notes\n\n" + notes
    (out / "report.md").write_text(index)
    report.files.append(str(out / "report.md"))
