"""The decay-versus-self-conditioning row of a multi-turn run: the hazard model of turn
errors (``scorers.hazard``) fitted to every generated turn of the log.

Unlike the other rows, this one needs what each sample's history showed, which lives in
its store (turn and rewrite logs), so the log's samples are read a second time, one at a
time with their store and without messages or events.
"""

from __future__ import annotations

import math

from inspect_ai.log import read_eval_log_samples
from pydantic import BaseModel

from long_horizon_execution.evals.report.logs import LogHeader
from long_horizon_execution.evals.report.runs import model_label, variant
from long_horizon_execution.evals.report.tables import Column, column, interval
from long_horizon_execution.scorers.hazard import CONTEXT_UNIT, HazardFit, fit_hazard, flag_text
from long_horizon_execution.scorers.hazard_inputs import logged_hazard_turns

HAZARD_TITLE = (
    "Decay versus self-conditioning: log-odds of a turn error "
    f"(decay per {CONTEXT_UNIT} turns; conditioning from no wrong total shown to all wrong)"
)
_UNREAD_FIELDS = {"messages", "events", "attachments"}


class HazardRow(BaseModel):
    """One run's fit, its three coefficients with 95% intervals over instances."""

    model: str
    mode: str
    k: int
    task: str
    """``horizon`` or ``self_conditioning`` (with its protocol)."""
    variant: str
    samples: int
    turns: int
    errors: int
    baseline: float
    baseline_low: float
    baseline_high: float
    baseline_turn: float
    """The turn ``baseline`` refers to (1, or the target turn when only it was generated)."""
    decay: float
    decay_low: float
    decay_high: float
    conditioning: float
    conditioning_low: float
    conditioning_high: float
    flags: str
    cautioned: bool
    """A flag puts the coefficients in doubt (few errors, separation, no interval)."""
    log: str
    run: str = ""
    """The log's file name when another run's row reads alike, else empty."""


def _task(header: LogHeader) -> str:
    if header.experiment == "self_conditioning":
        return f"self_conditioning ({header.argument('protocol', 'target')} protocol)"
    return "horizon"


def hazard_fit_row(header: LogHeader, fit: HazardFit) -> HazardRow:
    """The row of ``fit``, a fit of the run ``header`` describes."""
    coefficients = {
        f"{name}{end}": getattr(fit.coefficient(name), bound)
        for name in ("baseline", "decay", "conditioning")
        for end, bound in (("", "value"), ("_low", "low"), ("_high", "high"))
    }
    return HazardRow(
        model=model_label(header),
        mode=str(header.argument("mode", "plain")),
        k=int(header.argument("k", 1)),
        task=_task(header),
        variant=variant(header),
        samples=fit.samples,
        turns=fit.turns,
        errors=fit.errors,
        baseline_turn=fit.reference_turn,
        flags=flag_text(fit.flags),
        cautioned=fit.cautioned,
        log=header.path,
        **coefficients,
    )


def hazard_row(header: LogHeader) -> tuple[HazardRow | None, list[str]]:
    """The run's row (None when no sample has integer totals to judge), and notes on the
    samples left out."""
    window = header.argument("window")
    samples = read_eval_log_samples(
        header.path, all_samples_required=False, exclude_fields=_UNREAD_FIELDS
    )
    rows, notes = logged_hazard_turns(samples, window if isinstance(window, int) else None)
    if not rows.units:
        return None, [f"no hazard fit ({notes[0] if notes else 'no samples'})"]
    shown = [f"hazard fit: {note}" for note in notes[:3]]
    if len(notes) > 3:
        shown.append(f"hazard fit: {len(notes) - 3} more samples left out")
    return hazard_fit_row(header, fit_hazard(rows)), shown


def _coefficient(name: str, per: str = "") -> Column:
    def render(row: BaseModel) -> str:
        value = getattr(row, name)
        return interval(value, getattr(row, f"{name}_low"), getattr(row, f"{name}_high"), 2)

    return column(f"{name}{per}", render=render)


def _baseline(row: BaseModel) -> str:
    """The baseline with its interval, and the turn it refers to when not turn 1."""
    assert isinstance(row, HazardRow)
    text = interval(row.baseline, row.baseline_low, row.baseline_high, 2)
    turn = row.baseline_turn
    return text if math.isnan(turn) or turn == 1.0 else f"{text} at turn {turn:g}"


def hazard_columns() -> list[Column]:
    return [
        column("model"),
        column("mode"),
        column("K", "k"),
        column("task"),
        column("variant"),
        column("run"),
        column("samples"),
        column("turns"),
        column("errors"),
        column("baseline", render=_baseline),
        _coefficient("decay", f" per {CONTEXT_UNIT} turns"),
        _coefficient("conditioning"),
        column("flags"),
    ]
