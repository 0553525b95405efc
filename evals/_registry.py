"""Entry point for Inspect: importing this registers the suite's tasks and model providers."""

import evals.local_model.registry  # noqa: F401  (registers the "local" provider)
from evals.horizon import horizon
from evals.simulated import SimulatedExecutor

__all__ = ["horizon", "SimulatedExecutor"]
