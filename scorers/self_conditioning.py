"""Scoring the self-conditioning experiment: accuracy against the history the model was
shown, and against the true total, per rate of induced errors.

A reply at turn t is judged two ways:
- ``shown``: it equals the last integer the history showed before t (0 if none) plus the
  true sum of turn t's keys, i.e. the model did this turn right given what it was shown;
- ``true``: it equals the true running total.
``Score.value`` names the sample's outcome (:data:`CONDITIONING_VALUES`: the target turn
on both bases, the mean over generated turns on both), reduced key by key across epochs;
``Score.metadata[PER_TURN]`` keeps the per-turn lists (``shown``, ``true``; NaN where a
turn was not generated). Logs before suite 0.3 kept the two lists end to end in the value;
every reader takes both. The target turn is the last. Metrics group by the sample metadata
``rate``: the target turn's accuracy per rate with a bootstrap interval (``shown_25`` is
the shown basis at rate 0.25), and the slope of accuracy against rate with an interval
that resamples instances (every rate of an instance together).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import numpy as np
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.scorer import (
    Metric,
    SampleScore,
    Score,
    Scorer,
    Target,
    metric,
    scorer,
)
from inspect_ai.solver import TaskState
from inspect_ai.util import store_as
from pydantic import BaseModel

from long_horizon_execution.core import (
    THINKING_MODE,
    AnswerParser,
    ParsedAnswer,
    ParsingRule,
    RewriteLog,
    TurnLog,
    TurnRecord,
    answer_parser,
)
from long_horizon_execution.scorers.correctness import PER_TURN
from long_horizon_execution.scorers.metrics import mean_estimate, slope_estimate
from long_horizon_execution.scorers.survival import mean_curve, stack

Basis = Literal["shown", "true"]
BASES: tuple[str, ...] = get_args(Basis)
RATE_FIELD = "rate"
CLUSTER_FIELD = "instance"


def conditioned_correctness(
    records: Sequence[TurnRecord],
    shown: dict[int, int | None],
    truths: Sequence[int],
    parser: AnswerParser | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per planned turn, (shown-relative, true) correctness; NaN where not generated.

    ``shown`` maps a turn to the integer its history entry showed (None: none); turns
    missing from it show what their record shows, read by ``parser`` (None: the paper's
    rule, reasoning blocks left in). Python ints: exact at any size."""
    read = answer_parser() if parser is None else parser
    planned = len(truths)
    totals = [int(total) for total in truths]
    increments = [total - before for before, total in zip([0, *totals], totals, strict=False)]
    visible: list[int | None] = []
    for turn in range(1, planned + 1):
        if turn in shown:
            visible.append(shown[turn])
        else:
            record = next((r for r in records if r.turn == turn), None)
            visible.append(None if record is None else read(record.shown).value)
    relative = np.full(planned, np.nan)
    true = np.full(planned, np.nan)
    for record in records:
        # A turn whose context ran out was never attempted: unobserved, not wrong.
        if not 1 <= record.turn <= planned or record.stop_reason == "model_length":
            continue
        index = record.turn - 1
        previous = next((v for v in reversed(visible[:index]) if v is not None), 0)
        value = record.answer.value if record.answer.is_int else None
        relative[index] = value is not None and value == previous + increments[index]
        true[index] = value is not None and value == totals[index]
    return relative, true


CONDITIONING_VALUES = ("target_shown", "target_true", "turns_shown", "turns_true")
"""The named numbers of a self-conditioning ``Score.value``."""


def conditioning_value(shown: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """The sample's named numbers: the target (last) turn on each basis and the mean over
    the turns it generated (NaN where none)."""

    def mean(values: np.ndarray) -> float:
        return float(np.nanmean(values)) if (~np.isnan(values)).any() else math.nan

    return {
        "target_shown": float(shown[-1]) if shown.size else math.nan,
        "target_true": float(true[-1]) if true.size else math.nan,
        "turns_shown": mean(shown),
        "turns_true": mean(true),
    }


def basis_value(value: object, basis: str, name: str) -> float:
    """One basis's number of a score value: ``target`` (the last turn) or ``turns`` (the
    mean over generated turns), from the named value or an older log's flat list."""
    if isinstance(value, Mapping):
        return float(value[f"{name}_{basis}"])
    per_turn = split_value(value)[BASES.index(basis)]
    return conditioning_value(per_turn, per_turn)[f"{name}_shown"]


def split_value(
    value: object, metadata: Mapping[str, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A score back into its (shown, true) per-turn arrays: from its metadata, or from an
    older log's flat list in its value."""
    per_turn = (metadata or {}).get(PER_TURN)
    if isinstance(per_turn, Mapping):
        shown, true = (np.asarray(per_turn[basis], dtype=np.float64) for basis in BASES)
        return shown, true
    flat = np.asarray(value, dtype=np.float64)
    if flat.ndim != 1 or flat.size % 2:
        raise ValueError(f"a self-conditioning value holds 2 x turns entries, got {flat.size}")
    shown, true = flat.reshape(2, -1)
    return shown, true


def target_values(scores: Sequence[SampleScore], basis: str) -> np.ndarray:
    """Each sample's correctness at the target (last) turn on ``basis``."""
    return np.array([basis_value(s.score.value, basis, "target") for s in scores])


def turn_accuracy(scores: Sequence[SampleScore], basis: Basis = "shown") -> float:
    """Mean per-turn accuracy over the generated turns (the full protocol's curve,
    averaged): each sample's mean, averaged over the samples that generated a turn."""
    values = np.array([basis_value(s.score.value, basis, "turns") for s in scores])
    return float(np.nanmean(values)) if (~np.isnan(values)).any() else math.nan


def rate_slope_summary(scores: Sequence[SampleScore]) -> dict[str, float]:
    """Slope of target-turn accuracy against rate, with intervals, for both bases."""
    result: dict[str, float] = {}
    rates = np.array([float((s.sample_metadata or {})[RATE_FIELD]) for s in scores])
    clusters = np.array(
        [str((s.sample_metadata or {}).get(CLUSTER_FIELD, s.sample_id)) for s in scores]
    )
    for basis in BASES:
        estimate = slope_estimate(rates, target_values(scores, basis), clusters)
        result |= {
            f"slope_{basis}": estimate.value,
            f"slope_{basis}_low": estimate.low,
            f"slope_{basis}_high": estimate.high,
        }
    return result


def rate_label(rate: float) -> str:
    """0.25 -> '25': a rate in percent, as in metric names such as ``shown_25``."""
    return f"{rate * 100:g}"


def conditioning_metric_names(rates: Sequence[float], full: bool = False) -> list[str]:
    """The metrics in the order the viewer shows them: the slopes first, then accuracy at
    the target turn per rate, then intervals."""
    labels = [rate_label(rate) for rate in sorted(rates)]
    names = [f"slope_{basis}" for basis in BASES]
    names += [f"{basis}_{label}" for basis in BASES for label in labels]
    if full:
        names += [f"turns_{label}" for label in labels]
    names += [f"slope_{basis}_{end}" for basis in BASES for end in ("low", "high")]
    names += [
        f"{basis}_{label}_{end}" for basis in BASES for label in labels for end in ("low", "high")
    ]
    return names


@metric
def conditioning_metrics(full: bool = False) -> Metric:
    """Accuracy at the target turn per rate and basis (``shown_25``: shown basis, rate
    0.25) with 95% bootstrap intervals, the slope against rate, and with ``full`` the mean
    turn accuracy per rate (``turns_25``, shown basis)."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        if not scores:
            return {f"slope_{basis}": math.nan for basis in BASES}
        groups: dict[float, list[SampleScore]] = {}
        for score in scores:
            groups.setdefault(float((score.sample_metadata or {})[RATE_FIELD]), []).append(score)
        result = rate_slope_summary(scores)
        for rate, group in groups.items():
            label = rate_label(rate)
            for basis in BASES:
                estimate = mean_estimate(target_values(group, basis))
                result |= {
                    f"{basis}_{label}": estimate.value,
                    f"{basis}_{label}_low": estimate.low,
                    f"{basis}_{label}_high": estimate.high,
                }
            if full:
                result[f"turns_{label}"] = turn_accuracy(group, "shown")
        return {name: result[name] for name in conditioning_metric_names(list(groups), full)}

    return compute


def self_conditioning_metrics(full: bool = False) -> list[Metric | dict[str, list[Metric]]]:
    """The experiment's metrics (see :func:`conditioning_metrics`)."""
    return [conditioning_metrics(full)]


def _explain(
    rate: object,
    shown: np.ndarray,
    true: np.ndarray,
    last: ParsedAnswer | None,
    induced: int,
    visible: int,
) -> str:
    def verdict(value: float) -> str:
        return "not reached" if math.isnan(value) else ("right" if value else "wrong")

    answer = "none" if last is None else str(last.value if last.is_int else last.status)
    return (
        f"rate {rate}: turn {shown.size} answer {answer}; given the history shown "
        f"{verdict(shown[-1])}, against the true total {verdict(true[-1])}; "
        f"{induced}/{visible} earlier shown turns carried an induced error"
    )


# Every protocol reports the per-turn means too (under ``target`` they equal the target
# turn's): a task's own ``metrics`` would replace the metrics of every scorer it has.
@scorer(metrics=self_conditioning_metrics(full=True))
def self_conditioning_scorer(parsing: ParsingRule = "paper", mode: str | None = None) -> Scorer:
    """Judge each generated turn against the shown history and the true totals.

    Args:
      parsing: The rule reading a shown turn the history log does not state (``paper``
        or ``lenient``, see :mod:`~long_horizon_execution.core.parsing`); reasoning blocks are
        stripped first
        when ``mode`` (by default the sample metadata's ``mode``) is ``thinking`` (always
        under ``lenient``).
        The replies themselves were read by the solver's parser.
      mode: The task's mode, when the samples do not carry it.
    """
    plain, thinking = answer_parser(parsing), answer_parser(parsing, thinking=True)

    async def score(state: TaskState, target: Target) -> Score:
        log = store_as(TurnLog)
        rewrites = store_as(RewriteLog)
        truths = [int(total) for total in target.target]
        reply_mode = mode if mode is not None else state.metadata.get("mode")
        parser = thinking if reply_mode == THINKING_MODE else plain
        stated = {
            turn: value if isinstance(value, int) else None
            for turn, value in rewrites.shown_values().items()
        }
        shown, true = conditioned_correctness(log.turns, stated, truths, parser)
        earlier = [entry for entry in rewrites.turns if entry.turn < len(truths)]
        last = log.turns[-1].answer if log.turns else None
        return Score(
            value=conditioning_value(shown, true),
            answer=None if last is None else str(last.value if last.is_int else last.status),
            explanation=_explain(
                state.metadata.get(RATE_FIELD),
                shown,
                true,
                last,
                sum(entry.induced for entry in earlier),
                len(earlier),
            ),
            metadata={
                "ended": log.ended,
                "induced_turns": [entry.turn for entry in earlier if entry.induced],
                PER_TURN: {"shown": shown.tolist(), "true": true.tolist()},
            },
        )

    return score


class RateCurve(BaseModel):
    """Per-turn accuracy for one rate (NaN where no sample generated the turn)."""

    rate: float
    samples: int
    shown: list[float]
    true: list[float]


def rate_curves(scores: Sequence[SampleScore]) -> list[RateCurve]:
    """The per-turn accuracy curves of each rate, in increasing rate."""
    by_rate: dict[float, list[SampleScore]] = {}
    for sample_score in scores:
        rate = float((sample_score.sample_metadata or {})[RATE_FIELD])
        by_rate.setdefault(rate, []).append(sample_score)
    curves = []
    for rate in sorted(by_rate):
        pairs = [split_value(s.score.value, s.score.metadata) for s in by_rate[rate]]
        curves.append(
            RateCurve(
                rate=rate,
                samples=len(pairs),
                shown=mean_curve(stack([p[0] for p in pairs])).tolist(),
                true=mean_curve(stack([p[1] for p in pairs])).tolist(),
            )
        )
    return curves


def log_scores(log: EvalLog, scorer_name: str | None = None) -> list[SampleScore]:
    """The sample scores of a log (of ``scorer_name``, by default the first scorer), with
    sample metadata, as the metrics see them."""
    result = []
    for sample in log.samples or []:
        if not sample.scores:
            continue
        name = scorer_name or next(iter(sample.scores))
        if name in sample.scores:
            result.append(
                SampleScore(
                    score=sample.scores[name], sample_id=sample.id, sample_metadata=sample.metadata
                )
            )
    return result


def main(argv: Sequence[str]) -> None:
    """``python -m long_horizon_execution.scorers.self_conditioning LOG [EVERY]``: the
    per-rate curves of a log, every EVERY-th turn (default 10) and the last."""
    log = read_eval_log(argv[0])
    every = int(argv[1]) if len(argv) > 1 else 10
    curves = rate_curves(log_scores(log))
    if not curves:
        print("no scored samples")
        return
    turns = len(curves[0].shown)
    picked = sorted({*range(every, turns + 1, every), turns})
    print("shown-relative / true accuracy per turn")
    print(f"{'rate':<6} {'n':<4} " + " ".join(f"{f't{t}':<9}" for t in picked))
    for curve in curves:
        cells = [f"{curve.shown[t - 1]:.2f}/{curve.true[t - 1]:.2f}" for t in picked]
        print(f"{curve.rate:<6g} {curve.samples:<4d} " + " ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1:])
