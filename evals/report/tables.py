"""Rows to files: a CSV with every field as logged, and a markdown table for reading, in
which intervals sit beside their value (``55 [41, 75]``) and censored horizons read ``>= n``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel

Render = Callable[[BaseModel], str]


class Column(BaseModel):
    """A markdown column: its header and how a row renders in it."""

    header: str
    render: Render


def number(value: float | int | None, digits: int = 3) -> str:
    """Integers as integers, other numbers to ``digits`` places, NaN and None as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool | int):
        return str(int(value))
    if math.isinf(value):
        return "∞"
    return f"{value:.{digits}f}"


def steps(value: float) -> str:
    """A step count: whole numbers as such, model-derived ones (Proposition 1) to 0.1."""
    if not math.isnan(value) and not math.isinf(value) and float(value).is_integer():
        return str(int(value))
    return number(value, 1)


def interval(value: float, low: float, high: float, digits: int = 3) -> str:
    """``value [low, high]``; a dash when the value is undefined."""
    if math.isnan(value):
        return "–"
    return f"{number(value, digits)} [{number(low, digits)}, {number(high, digits)}]"


def horizon_cell(value: float, low: float, high: float, censored: bool) -> str:
    """A horizon in steps with its interval; censored ones are lower bounds."""
    if censored:
        return f"≥ {steps(value)}"
    if math.isnan(value):
        return "–"
    return f"{steps(value)} [{steps(low)}, {steps(high)}]"


def known_accuracy(name: str, known_steps: str) -> Render:
    """Task accuracy after the last step, or where it stops being known: every live trial
    had stopped (context, a limit) before the end."""

    def render(row: BaseModel) -> str:
        value = float(getattr(row, name))
        if math.isnan(value):
            return f"unknown past step {steps(float(getattr(row, known_steps)))}"
        return number(value)

    return render


def fraction(numerator: str, denominator: str) -> Render:
    """``numerator/denominator`` of two count fields."""

    def render(row: BaseModel) -> str:
        return f"{getattr(row, numerator)}/{getattr(row, denominator)}"

    return render


def field(name: str, digits: int = 3) -> Render:
    def render(row: BaseModel) -> str:
        value = getattr(row, name)
        return number(value, digits) if isinstance(value, int | float) else str(value or "")

    return render


def step_field(name: str) -> Render:
    def render(row: BaseModel) -> str:
        return steps(float(getattr(row, name)))

    return render


def column(header: str, name: str | None = None, render: Render | None = None) -> Column:
    """A column showing field ``name`` (by default the header), or rendered by ``render``."""
    return Column(header=header, render=render or field(name or header))


def markdown(rows: Sequence[BaseModel], columns: Sequence[Column]) -> str:
    """A GitHub markdown table; columns that are empty in every row are left out."""
    cells = [[c.render(row) for c in columns] for row in rows]
    kept = [i for i, c in enumerate(columns) if any(line[i] for line in cells)]
    lines = [
        "| " + " | ".join(columns[i].header for i in kept) + " |",
        "| " + " | ".join("---" for _ in kept) + " |",
    ]
    lines += ["| " + " | ".join(line[i].replace("|", "\\|") for i in kept) + " |" for line in cells]
    return "\n".join(lines) + "\n"


def write_csv(rows: Sequence[BaseModel], path: Path) -> None:
    """Every field of every row, NaN as an empty cell."""
    if not rows:
        return
    names = list(type(rows[0]).model_fields)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        for row in rows:
            values = row.model_dump()
            writer.writerow(
                {
                    name: "" if isinstance(v, float) and math.isnan(v) else v
                    for name, v in values.items()
                }
            )


def write_table(
    rows: Sequence[BaseModel], columns: Sequence[Column], folder: Path, name: str, title: str
) -> str:
    """``name.csv`` and ``name.md`` in ``folder``; returns the markdown with its title."""
    write_csv(rows, folder / f"{name}.csv")
    text = f"## {title}\n\n{markdown(rows, columns)}"
    (folder / f"{name}.md").write_text(text)
    return text
