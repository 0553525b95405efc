"""The hazard model's inputs from logged samples: per turn, whether it was a turn error and
what the history the model saw before it showed.

What a turn shows later turns is the rewrite log's value when the turn was rewritten (a
self-conditioning sample's induced or healed totals, synthetic turns included), else the
integer the model answered (every history policy shows the answer a reply holds; a reply
without an integer shows none). A shown turn is wrong when it shows no total or not the
true running total. A generated turn is an error when its answer is not the last total
shown before it (0 before any) plus the true sum of its keys: the execution scorer's turn
correctness in ``horizon``, the self-conditioning scorer's shown basis there. It is
computed here from the records, with Python integers (exact at any size), so it does not
depend on how a scorer lays out its value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from inspect_ai.log import EvalSample
from pydantic import BaseModel, ConfigDict, JsonValue

from long_horizon_execution.core import RewriteLog, TurnLog, TurnRecord
from long_horizon_execution.scorers.hazard import HazardTurns

INSTANCE_FIELD = "instance"
"""Sample metadata naming the instance: the unit the bootstrap resamples."""


class SampleHistory(BaseModel):
    """One trial, per planned turn: turn error (1.0, 0.0, NaN where not generated) and
    whether the history showed a wrong total for it (1.0, 0.0, NaN where it showed none)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    error: np.ndarray
    wrong_shown: np.ndarray


def _integer(value: JsonValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def sample_history(
    records: Sequence[TurnRecord], shown: Mapping[int, JsonValue], truths: Sequence[int]
) -> SampleHistory:
    """A trial's errors and wrong shown totals from its turn records, the values its
    rewritten turns showed (1-based turn -> value) and the true running totals."""
    planned = len(truths)
    generated = {
        record.turn: record
        for record in records
        if 1 <= record.turn <= planned and record.stop_reason != "model_length"
    }
    totals = [int(total) for total in truths]
    error = np.full(planned, np.nan)
    wrong = np.full(planned, np.nan)
    previous = 0  # the last total shown
    for turn, truth in enumerate(totals, start=1):
        record = generated.get(turn)
        answer = None if record is None or not record.answer.is_int else record.answer.value
        if record is not None:
            increment = truth - (totals[turn - 2] if turn > 1 else 0)
            error[turn - 1] = answer is None or answer != previous + increment
        if turn in shown:
            visible = _integer(shown[turn])
        elif record is not None:
            visible = answer
        else:
            continue  # never shown: not part of the history
        wrong[turn - 1] = visible is None or visible != truth
        if visible is not None:
            previous = visible
    return SampleHistory(error=error, wrong_shown=wrong)


def hazard_turns(
    histories: Sequence[SampleHistory],
    units: Sequence[int | str] | None = None,
    window: int | None = None,
    first_turn: int = 1,
) -> HazardTurns:
    """The fit's rows: every generated turn of every trial from ``first_turn`` on, with the
    share of wrong totals among the earlier turns shown (only the last ``window`` of them
    when the history was windowed). ``units`` names each trial's instance (default: each
    its own). ``first_turn=2`` leaves out turn 1, which adds to no earlier total."""
    errors, turns, shares, trials = [], [], [], []
    for index, history in enumerate(histories):
        shown = ~np.isnan(history.wrong_shown)
        wrong = np.concatenate([[0.0], np.cumsum(np.where(shown, history.wrong_shown, 0.0))])
        seen = np.concatenate([[0], np.cumsum(shown)])
        generated = np.flatnonzero(~np.isnan(history.error))  # 0-based turns
        generated = generated[generated >= first_turn - 1]
        start = np.zeros_like(generated) if window is None else np.maximum(generated - window, 0)
        count = seen[generated] - seen[start]
        share = np.divide(
            wrong[generated] - wrong[start],
            count,
            out=np.zeros(generated.size),
            where=count > 0,
        )
        errors.append(history.error[generated])
        turns.append(generated + 1.0)
        shares.append(share)
        trials.append(np.full(generated.size, index, dtype=np.int64))
    if not histories:
        return HazardTurns.empty()
    return HazardTurns(
        error=np.concatenate(errors),
        turn=np.concatenate(turns),
        wrong_share=np.concatenate(shares),
        trial=np.concatenate(trials),
        units=list(range(len(histories))) if units is None else list(units),
    )


class UnusableSample(ValueError):
    """A sample the hazard model cannot read (no integer totals in its target)."""


def logged_history(sample: EvalSample) -> SampleHistory:
    """A logged sample's history, read from its store (the turn and rewrite logs) and its
    target (the true running totals)."""
    targets = sample.target if isinstance(sample.target, list) else [sample.target]
    try:
        truths = [int(total) for total in targets]
    except ValueError:
        raise UnusableSample(f"sample {sample.id}: its target is not integer totals") from None
    log = TurnLog.of_sample(sample)
    rewrites = RewriteLog.of_sample(sample)
    return sample_history(log.turns, rewrites.shown_values(), truths)


def logged_hazard_turns(
    samples: Iterable[EvalSample], window: int | None = None, first_turn: int = 1
) -> tuple[HazardTurns, list[str]]:
    """The fit's rows from logged samples (each epoch a trial, resampled with its instance),
    and a note per sample left out (an error, a target that is not integer totals)."""
    histories, units, notes = [], [], []
    for sample in samples:
        if sample.error is not None:
            notes.append(f"sample {sample.id} (epoch {sample.epoch}) ended in an error")
            continue
        try:
            histories.append(logged_history(sample))
        except UnusableSample as error:
            notes.append(str(error))
            continue
        unit = (sample.metadata or {}).get(INSTANCE_FIELD, sample.id)
        units.append(unit if isinstance(unit, int | str) else str(unit))
    return hazard_turns(histories, units, window, first_turn), notes
