"""Error attribution of a ``horizon`` or ``self_conditioning`` run: which kinds of slip
its failed turns are, overall (with bootstrap intervals over samples) and turn by turn.

A log scored by ``error_attribution`` is read as scored. A log made before that scorer
existed is attributed now, by the same functions, from its turn records and the
dictionary its system message gave (read as the simulated executor reads it), so earlier
runs are reported too.

Three bases per run: ``answer`` (the categories from the answer and the dictionary, the
same in every mode), and in cot mode ``working`` (each failed reply's first broken step,
or ``unreadable``) and ``resolved`` (the categories once the working is read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from inspect_ai.log import EvalSample, read_eval_log_samples
from pydantic import BaseModel, Field

from long_horizon_execution.core import RewriteLog, TurnLog
from long_horizon_execution.evals.report.logs import LogHeader
from long_horizon_execution.evals.report.runs import model_label, setting_label, variant
from long_horizon_execution.evals.simulated_reading import system_dictionary
from long_horizon_execution.scorers.attribution import CATEGORIES, SLIPS
from long_horizon_execution.scorers.attribution_sample import attribute_sample
from long_horizon_execution.scorers.attribution_scorer import share_estimates
from long_horizon_execution.scorers.attribution_working import BREAKS

SCORER = "error_attribution"
WORKING_LABELS: tuple[str, ...] = (*BREAKS, "ok", "unreadable")
_MAX_BINS = 40
"""Turns are pooled into at most this many bins for the per-turn shares."""


class AttributionTrial(BaseModel):
    """One scored epoch of one sample: its failed turns' attributions, turns attempted."""

    id: int | str
    turns: list[dict[str, Any]]
    attempted: int
    planned: int


class AttributionRow(BaseModel):
    """One category's share of a run's failed turns, on one basis."""

    task: str
    """The experiment: ``horizon`` or ``self_conditioning``."""
    model: str
    mode: str
    k: int
    variant: str
    basis: str
    category: str
    share: float
    share_low: float
    share_high: float
    share_max: float = float("nan")
    """For a slip on the ``answer`` basis: its share were every ambiguous turn it may be
    counted as it."""
    share_max_high: float = float("nan")
    failed: int
    attempted: int
    samples: int
    log: str
    run: str = ""


class AttributionCurve(BaseModel):
    """Each category's share of the failed turns against the turn (bins of turns)."""

    label: str
    turn: list[float]
    """The middle turn of each bin."""
    failed: list[int]
    shares: dict[str, list[float]] = Field(default_factory=dict)


class AttributionResult(BaseModel):
    rows: list[AttributionRow]
    curve: AttributionCurve


def _trial(sample: EvalSample, mode: str) -> AttributionTrial:
    planned = len((sample.metadata or {}).get("turns", []))
    score = (sample.scores or {}).get(SCORER)
    if score is not None and isinstance(score.value, dict):
        return AttributionTrial(
            id=sample.id,
            turns=list((score.metadata or {}).get("turns", [])),
            attempted=int(score.value.get("turns", 0)),
            planned=planned,
        )
    messages = [] if isinstance(sample.input, str) else sample.input
    system = next((m.text for m in messages if m.role == "system"), "")
    if not system:
        raise ValueError(f"sample {sample.id}: no system message to read the dictionary from")
    shown = {
        turn: value if isinstance(value, int) and not isinstance(value, bool) else None
        for turn, value in RewriteLog.of_sample(sample).shown_values().items()
    }
    found, attempted = attribute_sample(
        system_dictionary(system),
        sample.metadata["turns"],
        TurnLog.of_sample(sample).turns,
        shown,
        cot=mode == "cot",
    )
    return AttributionTrial(
        id=sample.id,
        turns=[entry.model_dump(exclude_defaults=True) for entry in found],
        attempted=attempted,
        planned=planned,
    )


def read_trials(
    path: str, mode: str, on_sample: Callable[[], None] | None = None
) -> Iterator[AttributionTrial]:
    """Every scored sample's attribution, from its score or, in a log without one, from
    its records (messages and events left unread)."""
    for sample in read_eval_log_samples(
        path, all_samples_required=False, resolve_attachments=True, exclude_fields={"events"}
    ):
        if on_sample is not None:
            on_sample()
        if sample.error is None and sample.scores:
            yield _trial(sample, mode)


def _labels(entry: dict[str, Any], basis: str) -> str:
    if basis == "working":
        working = entry.get("working") or {}
        return str(working.get("broke") or working.get("status", "unreadable"))
    if basis == "resolved":
        return str(entry.get("resolved") or entry["category"])
    return str(entry["category"])


def _count_table(
    trials: Sequence[AttributionTrial], basis: str, labels: Sequence[str]
) -> np.ndarray:
    table = np.zeros((len(trials), len(labels)))
    position = {label: i for i, label in enumerate(labels)}
    for row, trial in enumerate(trials):
        for entry in trial.turns:
            table[row, position[_labels(entry, basis)]] += 1
    return table


def _maybe_table(trials: Sequence[AttributionTrial]) -> np.ndarray:
    """Per trial, each slip's failed turns counting the ambiguous ones it may be."""
    table = np.zeros((len(trials), len(SLIPS)))
    for row, trial in enumerate(trials):
        for entry in trial.turns:
            for i, slip in enumerate(SLIPS):
                named = entry["category"] == slip
                table[row, i] += named or (
                    entry["category"] == "ambiguous" and slip in entry.get("candidates", [])
                )
    return table


def attribution_curve(trials: Sequence[AttributionTrial], label: str) -> AttributionCurve:
    """Category shares of the failed turns in bins of turns, on the ``resolved`` basis
    (the answer's categories, or in cot mode those once the working is read)."""
    planned = max([t.planned for t in trials] + [e["turn"] for t in trials for e in t.turns] + [1])
    bins = min(planned, _MAX_BINS)
    edges = np.linspace(0.5, planned + 0.5, bins + 1)
    counts = np.zeros((bins, len(CATEGORIES)))
    column: dict[str, int] = {category: i for i, category in enumerate(CATEGORIES)}
    for trial in trials:
        for entry in trial.turns:
            where = min(int(np.searchsorted(edges, entry["turn"]) - 1), bins - 1)
            counts[where, column[_labels(entry, "resolved")]] += 1
    failed = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts / failed[:, None]
    return AttributionCurve(
        label=label,
        turn=((edges[:-1] + edges[1:]) / 2).tolist(),
        failed=failed.astype(int).tolist(),
        shares={category: shares[:, column[category]].tolist() for category in CATEGORIES},
    )


def attribution_result(header: LogHeader, trials: Sequence[AttributionTrial]) -> AttributionResult:
    """The rows (every basis the mode has) and the per-turn curve of one run."""
    mode = str(header.argument("mode", "plain"))
    units = [trial.id for trial in trials]
    failed = np.array([float(len(trial.turns)) for trial in trials])
    template = AttributionRow(
        task=header.experiment or header.task,
        model=model_label(header),
        mode=mode,
        k=int(header.argument("k", 1)),
        variant=variant(header),
        basis="answer",
        category="",
        share=float("nan"),
        share_low=float("nan"),
        share_high=float("nan"),
        failed=int(failed.sum()),
        attempted=sum(trial.attempted for trial in trials),
        samples=len(set(units)),
        log=header.path,
    )
    bases: list[tuple[str, Sequence[str]]] = [("answer", CATEGORIES)]
    if mode == "cot":
        bases += [("working", WORKING_LABELS), ("resolved", CATEGORIES)]
    rows = []
    for basis, labels in bases:
        estimates = share_estimates(_count_table(trials, basis, labels), failed, units)
        upper = {}
        if basis == "answer":
            upper = dict(
                zip(SLIPS, share_estimates(_maybe_table(trials), failed, units), strict=True)
            )
        for label, estimate in zip(labels, estimates, strict=True):
            update: dict[str, Any] = {
                "basis": basis,
                "category": label,
                "share": estimate.value,
                "share_low": estimate.low,
                "share_high": estimate.high,
            }
            if label in upper:
                update |= {"share_max": upper[label].value, "share_max_high": upper[label].high}
            rows.append(template.model_copy(update=update))
    label = f"{template.task} · " + setting_label(
        template.model, mode, template.k, template.variant
    )
    if mode == "cot":
        label += " · working read"
    return AttributionResult(rows=rows, curve=attribution_curve(trials, label))
