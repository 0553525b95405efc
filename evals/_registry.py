"""Entry point for Inspect: importing this registers the suite's tasks and model providers."""

from evals.horizon import horizon
from evals.simulated import SimulatedExecutor

__all__ = ["horizon", "SimulatedExecutor"]
