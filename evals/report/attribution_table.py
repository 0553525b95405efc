"""The error-attribution table: ``attribution.csv`` holds every row as computed (one per
run, basis and category); ``attribution.md`` shows one line per run and basis, a column
per category, each share with its interval (and, for a slip, its max when ambiguous turns
count)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from long_horizon_execution.evals.report.attribution_rows import (
    WORKING_LABELS,
    AttributionResult,
    AttributionRow,
)
from long_horizon_execution.evals.report.tables import (
    Column,
    column,
    interval,
    markdown,
    number,
    write_csv,
)
from long_horizon_execution.scorers.attribution import CATEGORIES

TITLE = "Error attribution: kinds of slip among failed turns"
NOTE = (
    "Shares of the failed turns with 95% bootstrap intervals over samples; for a slip, "
    "`max` counts every ambiguous turn it is a candidate for. `answer`: from the answer "
    "and the dictionary; `resolved`: once the cot working is read; `working`: the first "
    "broken step of the working.\n\n"
)


class AttributionLine(BaseModel):
    """One run and basis, its shares rendered per category."""

    task: str
    model: str
    mode: str
    k: int
    variant: str
    run: str
    basis: str
    failed: str
    cells: dict[str, str] = Field(default_factory=dict)


def _cell(row: AttributionRow) -> str:
    text = interval(row.share, row.share_low, row.share_high, digits=2)
    if not math.isnan(row.share_max) and row.share_max > row.share:
        text += f", max {number(row.share_max, 2)}"
    return text


def attribution_lines(results: Sequence[AttributionResult]) -> list[AttributionLine]:
    lines: dict[tuple[str, str], AttributionLine] = {}
    for result in results:
        for row in result.rows:
            line = lines.setdefault(
                (row.log, row.basis),
                AttributionLine(
                    task=row.task,
                    model=row.model,
                    mode=row.mode,
                    k=row.k,
                    variant=row.variant,
                    run=row.run,
                    basis=row.basis,
                    failed=f"{row.failed}/{row.attempted}",
                ),
            )
            line.cells[row.category] = _cell(row)
    return list(lines.values())


def _category(name: str) -> Column:
    return column(name, render=lambda line: getattr(line, "cells", {}).get(name, ""))


def write_attribution_table(
    results: Sequence[AttributionResult], out: Path
) -> tuple[str, list[str]]:
    """The markdown section and the files written (nothing when there are no results)."""
    if not results:
        return "", []
    write_csv([row for result in results for row in result.rows], out / "attribution.csv")
    labels = list(dict.fromkeys([*CATEGORIES, *WORKING_LABELS]))
    columns = [
        column("task"),
        column("model"),
        column("mode"),
        column("K", "k"),
        column("variant"),
        column("run"),
        column("basis"),
        column("failed turns", "failed"),
        *(_category(label) for label in labels),
    ]
    text = f"## {TITLE}\n\n{NOTE}{markdown(attribution_lines(results), columns)}"
    (out / "attribution.md").write_text(text)
    return text, [str(out / "attribution.md"), str(out / "attribution.csv")]
