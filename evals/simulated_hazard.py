"""The simulated executor's planted hazard: turn errors with log-odds

    hazard_baseline + hazard_decay * (turn - 1) / 10 + hazard_conditioning * wrong_share,

the scale :mod:`long_horizon_execution.scorers.hazard` fits, so a fitted coefficient and the
planted one compare directly. ``turn`` is the number of the user turn being answered and
``wrong_share`` the share of earlier assistant turns in its history that show no total or
a wrong one (what the executor reads, as any model would). A turn drawn to be an error
slips exactly one of its steps by a nonzero offset, so it is always turn-incorrect; every
other turn is right. ``p`` and ``self_conditioning`` (per step) do not apply then. The
hazard is planted in integer-sum conversations; list-edit ones (``simulated_lists``) keep
the per-step ``p``.
"""

from __future__ import annotations

import random

from pydantic import BaseModel

from long_horizon_execution.evals.params import InvalidField
from long_horizon_execution.scorers.hazard import error_probability, logit_error

HAZARD_FIELDS = ("hazard_baseline", "hazard_decay", "hazard_conditioning")
MAX_LOGIT = 50.0
"""Largest magnitude of a planted coefficient: beyond it the probability is 0 or 1 anyway."""
REPLACED = ("p", "self_conditioning", "single_turn_capacity")
"""What a planted hazard replaces: the per-step error rate, per-step self-conditioning and
the single-turn capacity (a hazard is per turn)."""


class PlantedHazard(BaseModel):
    """The three planted coefficients (decay and conditioning 0 unless given)."""

    baseline: float
    decay: float = 0.0
    conditioning: float = 0.0

    def slip(self, turn: int, wrong_share: float, steps: int, rng: random.Random) -> int | None:
        """The 1-based step at which this turn slips, or None when the turn is right."""
        logit = logit_error(self.baseline, self.decay, self.conditioning, turn, wrong_share)
        if steps < 1 or rng.random() >= error_probability(logit):
            return None
        return rng.randint(1, steps)


def planted_hazard(behaviour: BaseModel) -> PlantedHazard | None:
    """The hazard ``behaviour`` plants, or None (no ``hazard_baseline``)."""
    baseline, decay, conditioning = (getattr(behaviour, name) for name in HAZARD_FIELDS)
    if baseline is None:
        return None
    return PlantedHazard(baseline=baseline, decay=decay or 0.0, conditioning=conditioning or 0.0)


def check_hazard(behaviour: BaseModel) -> None:
    """Refuse, naming the field, a hazard that is incomplete or mixed with what it
    replaces: a decay or conditioning without a baseline; ``p`` or ``self_conditioning``
    (per step) or ``single_turn_capacity`` given beside it."""
    if planted_hazard(behaviour) is None:
        for name in HAZARD_FIELDS[1:]:
            if getattr(behaviour, name) is not None:
                raise InvalidField(
                    name, getattr(behaviour, name), "a planted hazard needs hazard_baseline too"
                )
        return
    for name in REPLACED:
        if name in behaviour.model_fields_set:
            raise InvalidField(
                name,
                getattr(behaviour, name),
                f"{name} does not apply with a planted hazard (hazard_baseline sets the "
                "error rate per turn); leave it out",
            )
