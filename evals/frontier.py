"""The frontier search: the largest K a model executes in one turn with accuracy >= s.

Each probe asks N instances (``--samples``) for the sum of K keys in one message (the
``frontier`` task below). Probes run as Inspect evals of ``batch`` instances at a time; after
each batch a sequential test decides the probe when it can:

- exactly, by curtailment: once the successes (or failures) already seen fix whether the
  accuracy over all N reaches s;
- statistically (``alpha`` > 0): once a one-sided binomial test at level ``alpha`` rejects
  accuracy = s in either direction (e.g. 5 of 5 right at s = 0.5: P = 1/32).

K grows by doubling from ``start`` until a probe fails, then bisects between the largest
passing and the smallest failing K until they are one ``granularity`` apart. Other
thresholds (``also``, default 0.8) are then searched inside the bracket already found,
reusing every probe. Every batch is a log in ``log_dir``; a rerun reads them back and only
runs what is missing, so an interrupted search resumes where it stopped.

    horizon-frontier --model anthropic/claude-sonnet-4-20250514 \\
        --log-dir logs/frontier-claude --granularity 16 --max-k 4096

The report (also written to ``<log_dir>/frontier.json``) gives the horizon per threshold
with its bracket, every probe with a 95% Clopper-Pearson interval, and the tokens spent.

Instances are taken by position (the first ``samples`` of the data), whatever their ids.
A search runs at most :func:`eval_bound` evals, a number fixed by its own parameters; each
eval is announced on stderr before it starts. Every parameter is checked before the first
model call: a bad one is refused in one line (exit 2).
"""

from __future__ import annotations

import inspect
from typing import Any, Literal

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset

from long_horizon_execution.evals.params import validate_params
from long_horizon_execution.evals.single_turn import SingleTurnParams, single_turn_task

Verdict = Literal["pass", "fail"]
REPORT_FILE = "frontier.json"
_METADATA_KEY = "frontier_probe"
_CONFIDENCE = 0.95
_POSITION = "position"
"""Sample metadata: the instance's position in the data (its id may be anything)."""

MAX_K = 1_000_000
"""Largest ``--max-k`` (and ``--start``, ``--granularity``). A million keys are about three
million tokens, more than any model's context holds."""
MAX_SAMPLES = 1_000
"""Largest ``--samples``: ten times the paper's 100 instances."""
MAX_SEARCH_KEYS = 1_000_000
"""Largest ``--samples`` x ``--max-k``: the keys the last batch of a probe at ``max_k``
builds (the instances before it are generated too), about 100 MB at 100 bytes a key. With
the default 20 samples, K reaches the paper's 50,000-key instances."""


@task
def frontier(
    k: int = 100,
    samples: int = 20,
    mode: str = "thinking",
    first_sample: int = 0,
    seed: int = 42,
    dict_size: int = 100,
    value_min: int = -99,
    value_max: int = 99,
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = 32_000,
    max_tokens: int | None = None,
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """One probe of the frontier search: k keys in one message, reply with their sum.

    ``horizon-frontier`` runs probes of this task over k to find the largest k a
    model executes in one turn with accuracy at least s.

    Args:
      k: Keys in the message; the reply is their sum.
      samples: Instances to run.
      mode: ``thinking`` (default; the paper's frontier setting), ``plain`` or ``cot``.
      first_sample: First instance to use.
      seed: Dataset seed.
      dict_size: Dictionary size.
      value_min: Smallest dictionary value.
      value_max: Largest dictionary value.
      reasoning_effort: Thinking mode: an effort instead of the token budget.
      reasoning_tokens: Thinking mode: reasoning token budget (the paper's 32,000).
      max_tokens: Output token limit (the paper allowed thinking models 100,000).
      dataset_file: The public dataset or the authors' JSON file.
      layout: ``paper`` (the authors' prompt structure, default) or ``suite`` (the suite's
        earlier prompts).
      parsing: ``paper`` (the authors' rule, default: the first answer tag, read as
        Python's ``int()`` reads it) or ``lenient`` (the suite's earlier rule).
    """
    probe = single_turn_task(probe_params(locals()), name="frontier_probe", task="frontier")
    positioned = [
        sample.model_copy(
            update={"metadata": {**(sample.metadata or {}), _POSITION: first_sample + offset}}
        )
        for offset, sample in enumerate(probe.dataset)
    ]
    probe.dataset = MemoryDataset(positioned, name=probe.dataset.name)
    return probe


def probe_params(arguments: dict[str, Any]) -> SingleTurnParams:
    """The ``frontier`` task's arguments, checked: a probe is one block of k keys. The
    search checks its ``-T`` values through here before any probe is built."""
    params: SingleTurnParams = validate_params(
        "frontier",
        SingleTurnParams,
        dict(arguments, steps=arguments["k"]),
        defaults={"reasoning_tokens": 32_000},
    )
    return params


TASK_PARAMETERS: dict[str, Any] = {
    name: parameter.default for name, parameter in inspect.signature(frontier).parameters.items()
}
"""The ``frontier`` task's parameters and their defaults."""


if __name__ == "__main__":
    # The search lives in frontier_cli; importing it here would make a cycle (the search
    # builds its probes from this module's task).
    raise SystemExit(
        "the frontier search is `horizon-frontier` "
        "(or `python -m long_horizon_execution.evals.frontier_cli`)"
    )
