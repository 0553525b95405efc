"""Entry point for Inspect: importing this registers the suite's tasks and model providers."""

import evals.local_model.registry  # noqa: F401  (registers the "local" provider)
from evals.frontier import frontier
from evals.horizon import horizon
from evals.self_conditioning import self_conditioning
from evals.simulated import SimulatedExecutor
from evals.single_turn import single_turn
from solvers.voting import multi_turn_voting

__all__ = [
    "frontier",
    "horizon",
    "self_conditioning",
    "single_turn",
    "SimulatedExecutor",
    "multi_turn_voting",
]
