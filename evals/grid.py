"""The paper's grid as one file of tasks, so one resumable ``inspect eval-set`` runs it all.

One task per (K, mode) cell, K in {1, 2, 5, 10} and mode plain or thinking; models are the
other axis (``--model a,b,c``). Every cell takes the same ``-T`` values::

    inspect eval-set evals/grid.py -T samples=100 -T steps=1000 \\
        --model openai/gpt-5,anthropic/claude-sonnet-4-20250514 \\
        --log-dir logs/paper-grid --no-log-realtime

Rerunning the same command on the same ``--log-dir`` runs only unfinished cells and
samples. The cells are written out one by one because Inspect finds the tasks of a file by
reading its source for ``@task`` functions: tasks made in a loop would not be found. Each
cell hands its parameters (``locals()``, read first thing) to ``horizon`` unchanged; the
rest of ``horizon``'s parameters (votes, window, dictionary) keep their defaults. Plain
cells take no reasoning settings (``horizon`` refuses them in plain mode), so
``-T reasoning_effort=high`` reaches the thinking cells and Inspect notes that the plain
cells do not use it.
"""

from __future__ import annotations

from inspect_ai import Task, task

from long_horizon_execution.evals.horizon import horizon

GRID_KS = (1, 2, 5, 10)
GRID_MODES = ("plain", "thinking")


@task
def horizon_k1_plain(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    seed: int = 42,
    history: str = "paper",
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """K = 1, plain (parameters as in ``long_horizon_execution/horizon``; plain mode sends no
    reasoning settings, so a plain cell takes none)."""
    return horizon(k=1, mode="plain", **locals())


@task
def horizon_k1_thinking(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    seed: int = 42,
    history: str = "paper",
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = None,
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """K = 1, thinking (parameters as in ``long_horizon_execution/horizon``)."""
    return horizon(k=1, mode="thinking", **locals())


@task
def horizon_k2_plain(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    seed: int = 42,
    history: str = "paper",
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """K = 2, plain (parameters as in ``long_horizon_execution/horizon``; plain mode sends no
    reasoning settings, so a plain cell takes none)."""
    return horizon(k=2, mode="plain", **locals())


@task
def horizon_k2_thinking(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    seed: int = 42,
    history: str = "paper",
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = None,
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """K = 2, thinking (parameters as in ``long_horizon_execution/horizon``)."""
    return horizon(k=2, mode="thinking", **locals())


@task
def horizon_k5_plain(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    seed: int = 42,
    history: str = "paper",
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """K = 5, plain (parameters as in ``long_horizon_execution/horizon``; plain mode sends no
    reasoning settings, so a plain cell takes none)."""
    return horizon(k=5, mode="plain", **locals())


@task
def horizon_k5_thinking(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    seed: int = 42,
    history: str = "paper",
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = None,
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """K = 5, thinking (parameters as in ``long_horizon_execution/horizon``)."""
    return horizon(k=5, mode="thinking", **locals())


@task
def horizon_k10_plain(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    seed: int = 42,
    history: str = "paper",
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """K = 10, plain (parameters as in ``long_horizon_execution/horizon``; plain mode sends no
    reasoning settings, so a plain cell takes none)."""
    return horizon(k=10, mode="plain", **locals())


@task
def horizon_k10_thinking(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    seed: int = 42,
    history: str = "paper",
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = None,
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """K = 10, thinking (parameters as in ``long_horizon_execution/horizon``)."""
    return horizon(k=10, mode="thinking", **locals())
