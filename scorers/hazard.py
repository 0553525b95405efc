"""Context decay versus self-conditioning, from any multi-turn log: a discrete-time hazard
model of turn errors.

Each observed turn of each trial is one row. Its outcome is a turn error: the answer is not
the total the model's history showed before it (rewritten or not) plus this turn's values.
Its covariates are the context length and the share of wrong totals among the earlier turns
its history showed, so

    logit P(error) = baseline + decay * context + conditioning * wrong_share.

``context`` is ``(turn - 1) / CONTEXT_UNIT``: the turn index, not steps or tokens. Within a
run steps are K times turns, so steps would only rescale ``decay``; tokens would not compare
plain with cot (whose replies are longer); and the turn index is what a self-conditioning
sample's target turn, the simulated executor's planted decay and the model itself share.
Scaled so that ``decay`` is the change in log-odds per ten turns and ``baseline`` is the
log-odds at turn 1 with a clean history; ``conditioning`` is the change in log-odds from a
history with no wrong total to one with nothing else.

The covariates of a turn are fixed before the turn is answered, so the likelihood is a
product over turns (a partial likelihood) even though a trial's turns depend on each other;
the intervals account for that dependence by resampling whole units (each trial's
instance, with all its epochs and, in the self-conditioning design, all its rates), each
resample a weighted fit. Fits are Newton-Raphson (IRLS) with a small ridge on the two
slopes, which keeps a separated fit finite; a fit the ridge decides is flagged, never
passed off as data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from long_horizon_execution.scorers.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    CONFIDENCE,
    Estimate,
    trial_weights,
)

CONTEXT_UNIT = 10
"""Turns per unit of context: ``decay`` is the change in log-odds per ten turns."""
RIDGE = 1e-2
"""Penalty on the slopes (half ``RIDGE`` times their squared norm, in log-likelihood units):
negligible beside the information of a few hundred turns, enough to keep a separated fit
finite."""
RIDGE_CHECK = 100.0
"""A coefficient that moves by more than ``RIDGE_SHIFT`` when the ridge is divided by this
is set by the ridge, not by the data (the data separate)."""
RIDGE_SHIFT = 0.1
EVENTS_PER_PARAMETER = 10
"""Fewer errors (or fewer right turns) than this per fitted coefficient: flagged as few."""
MAX_ITERATIONS = 100
MAX_STEP = 5.0
"""Largest Newton step in any coefficient, so a nearly separated fit cannot overshoot."""
TOLERANCE = 1e-9
_CHUNK_CELLS = 2_000_000
_UNSTABLE_SHARE = 0.05

Flag = Literal[
    "no_turns",
    "no_errors",
    "all_errors",
    "one_sample",
    "context_constant",
    "history_constant",
    "collinear",
    "separated",
    "few_errors",
    "not_converged",
    "unstable_resamples",
]
FLAG_MEANINGS: dict[str, str] = {
    "no_turns": "no observed turn: nothing to fit",
    "no_errors": "no turn error: the error rate is 0, no coefficient is defined",
    "all_errors": "every turn an error: the error rate is 1, no coefficient is defined",
    "one_sample": "one sample: no interval (resampling one unit gives no spread)",
    "context_constant": "every turn at one context length: decay is not identified",
    "history_constant": "the wrong share never varies: conditioning is not identified",
    "collinear": "context and wrong share move together exactly: neither is identified",
    "separated": "the data separate errors from right turns: an estimate is set by the ridge",
    "few_errors": f"fewer than {EVENTS_PER_PARAMETER} errors (or right turns) per coefficient",
    "not_converged": "the fit did not converge",
    "unstable_resamples": f"over {_UNSTABLE_SHARE:.0%} of resamples drew no error or no right "
    "turn: no interval",
}


CAUTIONS = frozenset(
    {"one_sample", "separated", "few_errors", "not_converged", "unstable_resamples"}
)
"""Flags that put the identified coefficients themselves in doubt (the others only say
which coefficients are not identified)."""


class HazardTurns(BaseModel):
    """The fit's inputs: one entry per observed turn, and each trial's unit."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    error: np.ndarray
    """1.0 for a turn error, 0.0 for a right turn."""
    turn: np.ndarray
    """1-based turn number."""
    wrong_share: np.ndarray
    """Share of wrong totals among the earlier turns the history showed (0 with none)."""
    trial: np.ndarray
    """Index of the turn's trial in ``units``."""
    units: list[int | str] = Field(default_factory=list)
    """Each trial's unit (its instance): trials sharing one are resampled together."""

    @property
    def context(self) -> np.ndarray:
        return context_units(self.turn)

    @classmethod
    def empty(cls) -> HazardTurns:
        nothing = np.zeros(0)
        return cls(error=nothing, turn=nothing, wrong_share=nothing, trial=nothing.astype(np.int64))


def context_units(turn: np.ndarray | float) -> np.ndarray:
    """The context covariate of a 1-based turn (see the module docstring)."""
    return (np.asarray(turn, dtype=np.float64) - 1.0) / CONTEXT_UNIT


def logit_error(
    baseline: float, decay: float, conditioning: float, turn: int, share: float
) -> float:
    """The model's log-odds of an error at ``turn`` with ``share`` wrong totals shown: what a
    planted behaviour sets and a fit recovers, on one scale."""
    return baseline + decay * float(context_units(turn)) + conditioning * share


def error_probability(logit: float) -> float:
    """The logistic function, without overflow for any finite log-odds."""
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    odds = math.exp(logit)
    return odds / (1.0 + odds)


class HazardFit(BaseModel):
    """The three coefficients with 95% percentile bootstrap intervals (NaN where undefined,
    with a flag saying why)."""

    baseline: Estimate
    """Log-odds of a turn error at ``reference_turn`` with a clean history."""
    decay: Estimate
    """Change in log-odds per ten turns of context."""
    conditioning: Estimate
    """Change in log-odds from no wrong total shown to all wrong."""
    reference_turn: float
    """The turn ``baseline`` refers to: 1, or the one turn observed when context is constant."""
    turns: int
    errors: int
    samples: int
    """Units resampled (instances)."""
    trials: int
    resamples: int
    undefined_resamples: int = 0
    """Resamples without a fit (no error or no right turn drawn, or no convergence)."""
    flags: list[Flag] = Field(default_factory=list)

    @property
    def cautioned(self) -> bool:
        """Some flag puts the identified coefficients in doubt (see :data:`CAUTIONS`)."""
        return any(flag in CAUTIONS for flag in self.flags)

    def coefficient(self, name: str) -> Estimate:
        estimate: Estimate = getattr(self, name)
        return estimate


COEFFICIENTS = ("baseline", "decay", "conditioning")
_UNDEFINED = Estimate(value=math.nan, low=math.nan, high=math.nan)


def _sigmoid(eta: np.ndarray) -> np.ndarray:
    """The logistic function in place on a fresh array (exp overflowing to inf gives 0)."""
    with np.errstate(over="ignore"):
        result: np.ndarray = np.exp(-eta)
    result += 1.0
    np.reciprocal(result, out=result)
    return result


def newton_fits(
    design: np.ndarray, outcome: np.ndarray, weights: np.ndarray, ridge: float = RIDGE
) -> tuple[np.ndarray, np.ndarray]:
    """Penalised logistic fits of ``outcome`` on ``design`` (first column the intercept, not
    penalised), one per row of ``weights``: (coefficients, converged). All rows iterate
    together; the curvature of every row is one matrix product."""
    rows, columns = weights.shape[0], design.shape[1]
    penalty = np.full(columns, ridge)
    penalty[0] = ridge * 1e-6  # keeps the system solvable; the intercept is left free
    products = (design[:, :, None] * design[:, None, :]).reshape(design.shape[0], -1)
    total = weights.sum(axis=1)
    share = np.clip((weights @ outcome) / np.maximum(total, 1e-300), 1e-6, 1 - 1e-6)
    beta = np.zeros((rows, columns))
    beta[:, 0] = np.log(share / (1.0 - share))
    converged = np.zeros(rows, dtype=bool)
    for _ in range(MAX_ITERATIONS):
        active = ~converged
        if not active.any():
            break
        w, b = weights[active], beta[active]
        probability = _sigmoid(b @ design.T)
        gradient = (w * (outcome - probability)) @ design - penalty * b
        curvature = (w * probability * (1.0 - probability)) @ products
        hessian = curvature.reshape(-1, columns, columns) + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        largest = np.abs(step).max(axis=1, keepdims=True)
        step = step * np.minimum(1.0, MAX_STEP / np.maximum(largest, 1e-300))
        beta[active] = b + step
        converged[active] = largest[:, 0] < TOLERANCE * (1.0 + np.abs(b).max(axis=1))
    return beta, converged


def _identified(turns: HazardTurns, flags: list[Flag]) -> list[int]:
    """Which slopes (1: decay, 2: conditioning) the data identify."""
    columns = []
    if np.ptp(turns.turn) > 0:
        columns.append(1)
    else:
        flags.append("context_constant")
    if np.ptp(turns.wrong_share) > 0:
        columns.append(2)
    else:
        flags.append("history_constant")
    if len(columns) == 2:
        centred = np.column_stack([turns.context, turns.wrong_share])
        centred = centred - centred.mean(axis=0)
        centred = centred / np.linalg.norm(centred, axis=0)
        if np.linalg.svd(centred, compute_uv=False)[-1] < 1e-8:
            flags.append("collinear")
            return []
    return columns


def _interval(replicates: np.ndarray) -> tuple[float, float]:
    finite = replicates[np.isfinite(replicates)]
    if not finite.size:
        return math.nan, math.nan
    tail = (1.0 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _resampled(
    design: np.ndarray, turns: HazardTurns, resamples: int, seed: int
) -> tuple[np.ndarray, int]:
    """Every resample's coefficients (NaN rows where undefined) and how many are undefined."""
    unit_weights = trial_weights(len(turns.units), turns.units, resamples, seed)
    chunk = max(1, _CHUNK_CELLS // max(turns.error.size, 1))
    fits = []
    for start in range(0, resamples, chunk):
        weights = unit_weights[start : start + chunk][:, turns.trial]
        drawn_errors = weights @ turns.error
        usable = (drawn_errors > 0) & (drawn_errors < weights.sum(axis=1))
        beta = np.full((weights.shape[0], design.shape[1]), np.nan)
        fitted, converged = newton_fits(design, turns.error, weights[usable])
        fitted[~converged] = np.nan
        beta[usable] = fitted
        fits.append(beta)
    replicates = np.concatenate(fits)
    return replicates, int(np.isnan(replicates[:, 0]).sum())


def fit_hazard(
    turns: HazardTurns, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> HazardFit:
    """Fit the hazard model with seeded bootstrap intervals over units (module docstring)."""
    flags: list[Flag] = []
    count, errors = int(turns.error.size), int(turns.error.sum())
    trials = len({int(t) for t in turns.trial})
    samples = len({str(unit) for unit in turns.units})
    result = HazardFit(
        baseline=_UNDEFINED,
        decay=_UNDEFINED,
        conditioning=_UNDEFINED,
        reference_turn=1.0,
        turns=count,
        errors=errors,
        samples=samples,
        trials=trials,
        resamples=resamples,
        flags=flags,
    )
    if not count:
        return result.model_copy(update={"flags": ["no_turns"]})
    if errors in (0, count):
        return result.model_copy(update={"flags": ["no_errors" if not errors else "all_errors"]})
    columns = _identified(turns, flags)
    if "collinear" in flags:
        return result.model_copy(update={"flags": flags})
    full = np.column_stack([np.ones(count), turns.context, turns.wrong_share])
    design = full[:, [0, *columns]]
    if min(errors, count - errors) < EVENTS_PER_PARAMETER * len(columns or [0]):
        flags.append("few_errors")
    point, converged = newton_fits(design, turns.error, np.ones((1, count)))
    loose, _ = newton_fits(design, turns.error, np.ones((1, count)), RIDGE / RIDGE_CHECK)
    if not converged[0]:
        flags.append("not_converged")
        return result.model_copy(update={"flags": flags})
    if np.abs(loose[0] - point[0]).max() > RIDGE_SHIFT:
        flags.append("separated")
    if samples < 2:
        flags.append("one_sample")
        replicates, undefined = np.full((1, design.shape[1]), np.nan), 0
    else:
        replicates, undefined = _resampled(design, turns, resamples, seed)
        if undefined > _UNSTABLE_SHARE * resamples:
            # The defined resamples are those that drew an error and a right turn: an
            # interval over them alone would be far too narrow.
            flags.append("unstable_resamples")
            replicates = np.full_like(replicates, np.nan)
    estimates = {name: _UNDEFINED for name in COEFFICIENTS}
    for position, column in enumerate([0, *columns]):
        low, high = _interval(replicates[:, position])
        estimates[COEFFICIENTS[column]] = Estimate(
            value=float(point[0, position]), low=low, high=high
        )
    reference = 1.0 if 1 in columns else float(turns.turn[0])
    return result.model_copy(
        update={
            **estimates,
            "reference_turn": reference,
            "undefined_resamples": undefined,
            "flags": flags,
        }
    )


def flag_text(flags: Sequence[str]) -> str:
    """The flags as one readable line (empty when there are none)."""
    return "; ".join(FLAG_MEANINGS.get(flag, flag) for flag in flags)
