"""Instances -> Inspect samples: sample n is instance n, its turns are K keys each."""

from __future__ import annotations

from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem

from long_horizon_execution.evals.dataset import ExecutionDataset, Instance


def split_turns(keys: list[str], k: int) -> list[list[str]]:
    """Consecutive blocks of k keys; the last may be shorter."""
    return [keys[start : start + k] for start in range(0, len(keys), k)]


def turn_totals(instance: Instance, k: int) -> list[int]:
    """The true running total at the end of each turn."""
    ends = list(range(k, len(instance.keys), k)) + [len(instance.keys)]
    return [instance.running_sums[end - 1] for end in ends]


def execution_sample(instance: Instance, k: int, system: str) -> Sample:
    """One multi-turn sample: the turns in metadata, each turn's true total as target."""
    return Sample(
        id=instance.id,
        input=[ChatMessageSystem(content=system)],
        target=[str(total) for total in turn_totals(instance, k)],
        metadata={
            "instance": instance.id,
            "k": k,
            "steps": len(instance.keys),
            "turns": split_turns(instance.keys, k),
        },
    )


def execution_dataset(data: ExecutionDataset, k: int, system: str, name: str) -> MemoryDataset:
    return MemoryDataset(
        [execution_sample(instance, k, system) for instance in data.instances], name=name
    )
