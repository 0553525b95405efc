"""The Inspect scorer and metrics for multi-turn execution.

``Score.value`` is a few named numbers a reader can take in at a glance (see
:func:`sample_values`); ``Score.metadata`` carries the per-turn correctness (index, task,
turn; NaN where a turn was never reached) under ``per_turn``, K and the total steps, which
the metrics need to count horizons in steps, and the sample's input tokens with the share
served from the provider's prompt cache. Logs written before suite 0.3 kept the per-turn
lists end to end in ``Score.value``; everything that reads scores takes both.

The metrics read every epoch's score, unreduced: each epoch is an independent trial of its
instance (averaging epochs turn by turn would let one epoch's success hide another's
failure), and bootstrap intervals resample instances with all their epochs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState
from inspect_ai.util import store_as

from long_horizon_execution.core import TurnLog, TurnRecord
from long_horizon_execution.scorers.continuation import (
    CONDITIONAL_TURN_ACCURACY,
    UNTIL,
    UNTIL_FIRST_ERROR,
    UNTIL_LAST_TURN,
    check_until,
    full_correct_known,
    paused,
    stopped_at_first_error,
)
from long_horizon_execution.scorers.correctness import (
    PER_TURN,
    TurnCorrectness,
    turn_correctness,
)
from long_horizon_execution.scorers.metrics import horizon_estimates
from long_horizon_execution.scorers.survival import (
    cumulative_steps,
    last_known_turn,
    mean_curve,
    settle_failures,
    stack,
    steps_at,
    survival_curve,
)
from long_horizon_execution.scorers.theory import step_accuracy_from_turns, theoretical_grid_horizon

THRESHOLDS = (0.5, 0.8)


def threshold_label(threshold: float) -> str:
    """0.5 -> '50', as used in metric names such as ``horizon_50``."""
    return f"{round(threshold * 100):d}"


def metric_names(thresholds: Sequence[float] = THRESHOLDS, conditional: bool = False) -> list[str]:
    """The metrics in the order the viewer shows them: the horizons first (the headline and
    what fits in the task header), then accuracies, then intervals and bookkeeping. A run
    stopped at first errors (``conditional``) adds ``turn_accuracy_conditional``."""
    labels = [threshold_label(threshold) for threshold in thresholds]
    names = [f"horizon_{label}" for label in labels]
    names += ["turn_accuracy"] + ([CONDITIONAL_TURN_ACCURACY] if conditional else [])
    names += ["task_accuracy", "p_step", "turn1_accuracy", "full_correct"]
    for label in labels:
        names += [f"horizon_{label}_low", f"horizon_{label}_high"]
    names += [f"theory_horizon_{label}" for label in labels]
    names += [f"horizon_{label}_censored" for label in labels]
    names += ["known_steps", "observed_turns", "planned_turns", "cached_input_share"]
    return names


SAMPLE_VALUES = ("steps_right", "first_wrong_turn", "turn_accuracy", "turns_answered")
"""The named numbers of one sample's ``Score.value`` (see :func:`sample_values`)."""


def sample_values(
    correctness: TurnCorrectness, k: int, total_steps: int | None, conditional: bool = False
) -> dict[str, float]:
    """One sample at a glance: the steps it stayed entirely right (up to its first wrong
    total, or all it answered), the turn of that first wrong total (NaN: none), its share
    of right turns (NaN: none answered; named ``turn_accuracy_conditional`` when the run
    stopped at the first error) and how many turns it answered."""
    observed = correctness.observed_turns
    failures = np.flatnonzero(correctness.task[:observed] == 0.0)
    right_turns = int(failures[0]) if failures.size else observed
    steps = cumulative_steps(len(correctness.task), k, total_steps)
    # Rounded for the viewer's narrow columns; the exact share is in the per-turn lists.
    accuracy = round(float(np.nanmean(correctness.turn)), 4) if observed else math.nan
    return {
        "steps_right": float(steps_at(steps, np.array([right_turns]))[0]),
        "first_wrong_turn": float(failures[0] + 1) if failures.size else math.nan,
        CONDITIONAL_TURN_ACCURACY if conditional else "turn_accuracy": accuracy,
        "turns_answered": float(observed),
    }


def input_token_counts(records: Sequence[TurnRecord]) -> tuple[float, float]:
    """(all input tokens, those read from the provider's prompt cache) over the turns,
    NaN when no turn reported usage. Inspect's ``input_tokens`` excludes cache reads and
    writes, so the total adds them back."""
    usages = [record.usage for record in records if record.usage is not None]
    if not usages:
        return math.nan, math.nan
    cached = sum(usage.input_tokens_cache_read or 0 for usage in usages)
    written = sum(usage.input_tokens_cache_write or 0 for usage in usages)
    return float(sum(usage.input_tokens for usage in usages) + cached + written), float(cached)


class ExecutionMatrices:
    """The trials' correctness stacked into (trials, turns) matrices (the task matrix
    settled: failed stays failed), step counts, each trial's instance (``units``, for the
    bootstrap) and (input, cached input) tokens (NaN where unknown)."""

    def __init__(
        self,
        rows: Sequence[TurnCorrectness],
        k: int,
        total_steps: int | None,
        tokens: Sequence[tuple[float, float]] | None = None,
        units: Sequence[object] | None = None,
        conditional: bool = False,
        paused: Sequence[bool] | None = None,
    ) -> None:
        self.index = stack([row.index for row in rows])
        self.task = settle_failures(stack([row.task for row in rows]))
        self.turn = stack([row.turn for row in rows])
        self.planned_turns = sum(len(row.task) for row in rows)
        self.k = k
        self.steps = cumulative_steps(self.task.shape[1], k, total_steps)
        known = tokens if tokens else [(math.nan, math.nan)] * len(rows)
        self.tokens = np.array(known, dtype=np.float64).reshape(len(known), 2)
        self.units = None if units is None else list(units)
        self.conditional = conditional
        """Conversations stopped at their first error (see ``scorers.continuation``)."""
        self.paused = np.zeros(len(rows), dtype=bool) if paused is None else np.array(paused)
        """Per trial, paused before its last planned turn (see ``scorers.continuation``)."""

    @classmethod
    def from_scores(cls, scores: Sequence[SampleScore]) -> ExecutionMatrices:
        """From every epoch's score (one trial each), grouped by sample id."""
        return cls.from_values(
            [s.score.value for s in scores],
            [s.score.metadata or {} for s in scores],
            [s.sample_id for s in scores],
        )

    @classmethod
    def from_values(
        cls,
        values: Sequence[object],
        metadata: Sequence[dict[str, object]],
        units: Sequence[object] | None = None,
    ) -> ExecutionMatrices:
        """From score values and score metadata, one per trial, with each trial's instance
        (the report reads them from logs without rebuilding ``Score`` objects)."""
        rows = [
            TurnCorrectness.from_score(value, meta)
            for value, meta in zip(values, metadata, strict=True)
        ]
        first = metadata[0] if metadata else {}
        k = first.get("k", 1)
        total_steps = first.get("total_steps")
        return cls(
            rows,
            int(k) if isinstance(k, int | float) else 1,
            int(total_steps) if isinstance(total_steps, int | float) else None,
            [token_metadata(meta) for meta in metadata],
            units,
            conditional=stopped_at_first_error(metadata),
            paused=list(paused(metadata)),
        )

    def cached_input_share(self) -> float:
        """Cached over all input tokens, summed over the samples that reported usage."""
        known = self.tokens[~np.isnan(self.tokens).any(axis=1)]
        total = known[:, 0].sum() if known.size else 0.0
        return float(known[:, 1].sum() / total) if total > 0 else math.nan


def token_metadata(meta: dict[str, object]) -> tuple[float, float]:
    """(input tokens, cached input tokens) from a score's metadata, NaN where missing."""

    def number(name: str) -> float:
        value = meta.get(name)
        return float(value) if isinstance(value, int | float) else math.nan

    return number("input_tokens"), number("cached_input_tokens")


def summarise(
    matrices: ExecutionMatrices, thresholds: Sequence[float] = THRESHOLDS
) -> dict[str, float]:
    """Every headline number for one set of trials. Turn accuracy and p use observed turns
    only; task accuracy is NaN past ``known_steps``, the last step at which some live
    trial was still observed. A run stopped at first errors reports its turn accuracy as
    ``turn_accuracy_conditional`` (``turn_accuracy`` NaN) and p from it; ``full_correct``
    is NaN when a trial was paused still right (see ``scorers.continuation``)."""
    turn = matrices.turn
    unobserved = np.isnan(turn)
    if unobserved.all():
        turn_accuracy = math.nan
    else:
        # nanmean copies the matrix to zero its NaNs; without any, mean is the same sum.
        turn_accuracy = float(np.nanmean(turn) if unobserved.any() else np.mean(turn))
    first_turn = mean_curve(turn[:, :1])[0] if turn.shape[1] else math.nan
    curve = survival_curve(matrices.task)
    last_task = matrices.task[:, -1] if matrices.task.shape[1] else np.zeros(0)
    known = last_known_turn(curve)
    p_step = step_accuracy_from_turns(turn_accuracy, matrices.k)
    measured = {
        "turn_accuracy": turn_accuracy,
        "task_accuracy": float(curve[-1]) if curve.size else math.nan,
        "p_step": p_step,
        "turn1_accuracy": float(first_turn),
        "full_correct": float(np.mean(np.nan_to_num(last_task, nan=0.0)))
        if last_task.size
        else math.nan,
        "known_steps": float(steps_at(matrices.steps, np.array([known + 1]))[0]),
        "observed_turns": float(np.count_nonzero(~np.isnan(matrices.index))),
        "planned_turns": float(matrices.planned_turns),
        "cached_input_share": matrices.cached_input_share(),
    }
    estimates = horizon_estimates(
        matrices.task, matrices.steps, thresholds, curve=curve, units=matrices.units
    )
    for threshold, estimate in zip(thresholds, estimates, strict=True):
        label = threshold_label(threshold)
        measured |= {
            f"horizon_{label}": estimate.value,
            f"horizon_{label}_low": estimate.low,
            f"horizon_{label}_high": estimate.high,
            f"horizon_{label}_censored": float(estimate.censored),
            f"theory_horizon_{label}": theoretical_grid_horizon(p_step, threshold, matrices.k),
        }
    if matrices.conditional:
        measured[CONDITIONAL_TURN_ACCURACY] = turn_accuracy
        measured["turn_accuracy"] = math.nan
    if not full_correct_known(matrices.task, matrices.paused):
        measured["full_correct"] = math.nan
    result = {name: measured[name] for name in metric_names(thresholds, matrices.conditional)}
    return result


@metric(scores="unreduced")
def execution_metrics() -> Metric:
    """Turn and task accuracy, H_0.5 and H_0.8 with 95% bootstrap intervals, the implied
    per-step accuracy p, the Proposition-1 horizons on the same footing, observed against
    planned turns, and the share of input tokens served from the provider's prompt cache.
    Computed over every epoch's score (see the module docstring)."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        if not scores:
            return {name: math.nan for name in metric_names()}
        return summarise(ExecutionMatrices.from_scores(scores))

    return compute


STRIP_TURNS = 200
"""Turns drawn in a sample's explanation; longer runs end with a note."""

TURN_MARKS = {"right": "✓", "carried": "○", "wrong": "✗", "unobserved": "·"}


def turn_strip(correctness: TurnCorrectness, limit: int = STRIP_TURNS) -> str:
    """One mark per turn, ten to a line numbered by their first turn: right (total and
    turn right), carried (this turn right, but the total wrong from an earlier slip),
    wrong (this turn's own error) or unobserved."""
    marks = []
    for index, turn in zip(correctness.index[:limit], correctness.turn[:limit], strict=True):
        if np.isnan(turn):
            marks.append(TURN_MARKS["unobserved"])
        elif turn != 1.0:
            marks.append(TURN_MARKS["wrong"])
        else:
            marks.append(TURN_MARKS["right" if index == 1.0 else "carried"])
    lines = [
        f"{start + 1:>4}  {' '.join(marks[start : start + 10])}"
        for start in range(0, len(marks), 10)
    ]
    if len(correctness.turn) > limit:
        lines.append(f"... {len(correctness.turn) - limit} more turns in the metadata")
    return "\n".join(lines)


def _explain(correctness: TurnCorrectness, values: dict[str, float], ended: str | None) -> str:
    """Markdown: the sample in a sentence, then its turns as a strip of marks."""
    planned = len(correctness.task)
    first = values["first_wrong_turn"]
    where = "no wrong total" if math.isnan(first) else f"first wrong total at turn {first:.0f}"
    legend = ", ".join(f"{mark} {name}" for name, mark in TURN_MARKS.items())
    return (
        f"**{values['steps_right']:.0f} steps entirely right**; {where}; "
        f"{values['turns_answered']:.0f}/{planned} turns answered, {_turn_accuracy(values)}; "
        f"ended: {ended or 'not run'}.\n\n"
        f"Turns ({legend}):\n\n```\n{turn_strip(correctness)}\n```"
    )


def _turn_accuracy(values: dict[str, float]) -> str:
    if CONDITIONAL_TURN_ACCURACY in values:
        return f"turn accuracy {values[CONDITIONAL_TURN_ACCURACY]:.3f} before its first error"
    return f"turn accuracy {values['turn_accuracy']:.3f}"


TurnJudge = Callable[[TaskState, Target, TurnLog], TurnCorrectness]
"""Per-turn correctness of a sample from its turn records (see ``scorers.correctness``)."""


def integer_totals(state: TaskState, target: Target, log: TurnLog) -> TurnCorrectness:
    """The paper's task: each turn's answer against the running totals in ``target``."""
    return turn_correctness(log.answers(), [int(total) for total in target.target])


@scorer(metrics=[execution_metrics()])
def execution_scorer(
    k: int | None = None, judge: TurnJudge | None = None, until: str = UNTIL_LAST_TURN
) -> Scorer:
    """Score the turn records: per-turn correctness, and horizons in the metrics.

    Args:
      k: Steps per turn, to count horizons in steps; by default the sample metadata's ``k``.
      judge: Per-turn correctness of a sample (see :data:`TurnJudge`); None is the
        paper's task, judged against the per-turn true totals in ``target``. Another task
        family passes its own, e.g. built on ``state_correctness``.
      until: The run's stopping rule: ``last_turn`` (every planned turn asked) or
        ``first_error`` (each conversation stopped after its first wrong total; turn
        accuracy is then conditional, see ``scorers.continuation``).
    """
    decide = integer_totals if judge is None else judge
    conditional = check_until(until) == UNTIL_FIRST_ERROR

    async def score(state: TaskState, target: Target) -> Score:
        log = store_as(TurnLog)
        correctness = decide(state, target, log)
        keys_per_turn = k if k is not None else int(state.metadata.get("k", 1))
        last = log.turns[-1].answer if log.turns else None
        input_tokens, cached_input_tokens = input_token_counts(log.turns)
        steps = state.metadata.get("steps")
        total_steps = int(steps) if isinstance(steps, int | float) else None
        values = sample_values(correctness, keys_per_turn, total_steps, conditional)
        return Score(
            value=values,
            answer=None if last is None else str(last.answer if last.answered else last.status),
            explanation=_explain(correctness, values, log.ended),
            metadata={
                "k": keys_per_turn,
                "total_steps": total_steps,
                "ended": log.ended,
                "observed_turns": correctness.observed_turns,
                "input_tokens": input_tokens,
                "cached_input_tokens": cached_input_tokens,
                PER_TURN: correctness.as_metadata(),
                **({UNTIL: until} if conditional else {}),
            },
        )

    return score
