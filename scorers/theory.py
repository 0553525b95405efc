"""Proposition 1 of the paper: the horizon a constant per-step accuracy p predicts, beside
what a run measures."""

from __future__ import annotations

import math

from long_horizon_execution.scorers.survival import TOLERANCE


def step_accuracy_from_turns(turn_accuracy: float, k: int) -> float:
    """Per-step accuracy p implied by turn accuracy when a turn needs k independent steps."""
    if math.isnan(turn_accuracy):
        return math.nan
    return float(max(turn_accuracy, 0.0) ** (1.0 / k))


def theoretical_horizon(p: float, threshold: float = 0.5) -> float:
    """Proposition 1: with constant per-step accuracy p, success after H steps is p^H, so
    success stays at least s up to H_s = ln(s) / ln(p) steps. Infinite at p = 1, zero at
    p = 0."""
    if math.isnan(p):
        return math.nan
    if p >= 1.0:
        return math.inf
    if p <= 0.0:
        return 0.0
    return math.log(threshold) / math.log(p)


def theoretical_grid_horizon(p: float, threshold: float = 0.5, k: int = 1) -> float:
    """Proposition 1 on the footing of a measured H_s: the largest whole number of turns of
    k steps after which p^steps is still at least s, in steps, i.e.
    k * floor(ln(s) / (k ln(p))); floor(ln(s) / ln(p)) when k = 1."""
    turns = theoretical_horizon(p, threshold) / k
    if math.isnan(turns) or math.isinf(turns):
        return turns
    return float(k * math.floor(turns + TOLERANCE))
