"""Entry point for Inspect: importing this registers the suite's tasks and model providers
(under the registry namespace long_horizon_execution/)."""

import long_horizon_execution.evals.local_model.registry  # noqa: F401  (registers the "local" provider)
from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.list_edits import list_edits
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.simulated import SimulatedExecutor
from long_horizon_execution.evals.single_turn import single_turn
from long_horizon_execution.solvers.voting import multi_turn_voting

__all__ = [
    "frontier",
    "horizon",
    "list_edits",
    "self_conditioning",
    "single_turn",
    "SimulatedExecutor",
    "multi_turn_voting",
]
