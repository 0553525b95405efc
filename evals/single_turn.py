"""Single-turn execution: the dictionary and all L keys in one user message, one reply.

Two shapes: the running total after every block of K keys as one comma-separated list in
the answer tag, or, when K = L (the frontier setting), one integer, the sum of all keys.
This module holds the ``single_turn`` task; the ``frontier`` task in ``evals/frontier.py``
builds its probes with :func:`single_turn_task` and searches over K for the largest one a
model executes.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageUser, GenerateConfig
from pydantic import Field, model_validator

from long_horizon_execution.core import SUITE_VERSION
from long_horizon_execution.evals.dataset import ExecutionDataset, Instance
from long_horizon_execution.evals.params import (
    MAX_INSTANCES,
    MAX_KEYS,
    MAX_TOKEN_COUNT,
    CommonParams,
    InvalidField,
    check_product,
    shown_count,
    validate_params,
)
from long_horizon_execution.evals.prompts import single_turn_prompt
from long_horizon_execution.evals.samples import split_turns, turn_totals
from long_horizon_execution.evals.task_common import (
    HEADLINE_METRIC,
    PAPER_REASONING_TOKENS,
    PAPER_TEMPERATURE,
    PAPER_TOP_P,
    TASK_VERSION,
    build_data,
    single_turn_elicitation,
)
from long_horizon_execution.scorers.single_turn import single_turn_scorer
from long_horizon_execution.solvers.replies import single_reply
from long_horizon_execution.solvers.thinking import Elicitation, elicit

FRONTIER_REASONING_TOKENS = PAPER_REASONING_TOKENS
"""The paper's reasoning budget for frontier models (the ``frontier`` task's default)."""
PAPER_THINKING_MAX_TOKENS = 100_000
"""The paper's output limit for thinking models (pass ``max_tokens`` to use it)."""


class SingleTurnParams(CommonParams):
    """Parameters of the ``single_turn`` and ``frontier`` tasks."""

    first_sample: int = Field(default=0, ge=0)
    """Index of the first instance used (probes take consecutive batches of instances)."""
    steps: int = Field(ge=1)
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKEN_COUNT)

    @model_validator(mode="after")
    def _check(self) -> SingleTurnParams:
        if self.k > self.steps:
            raise InvalidField("k", self.k, f"k ({self.k}) must not exceed steps ({self.steps})")
        instances = self.first_sample + self.samples
        if instances > MAX_INSTANCES:
            field = "first_sample" if self.first_sample > self.samples else "samples"
            raise InvalidField(
                field,
                getattr(self, field),
                f"first_sample + samples is {shown_count(instances)} instances, more than the "
                f"{MAX_INSTANCES:,} a task may draw or read",
            )
        check_product(
            {"first_sample + samples": instances, self.length: self.steps}, MAX_KEYS, "keys"
        )
        return self

    @property
    def length(self) -> str:
        """The parameter that set ``steps``: ``k`` when they are equal (the ``frontier``
        task's probes, whose only length is k)."""
        return "k" if self.k == self.steps else "steps"

    @property
    def blocks(self) -> int:
        return -(-self.steps // self.k)

    def elicitation(self) -> Elicitation:
        return single_turn_elicitation(self)

    def data(self, task: str = "single_turn") -> tuple[ExecutionDataset, list[Instance]]:
        """The dataset and its instances ``first_sample`` .. ``first_sample + samples - 1``,
        cut to ``steps``; errors name ``task``."""
        horizon_params = self.as_horizon(
            samples=self.first_sample + self.samples,
            steps=self.steps,
            history="paper",
            replay_reasoning=False,
            reasoning_effort=None,
            reasoning_tokens=None,
        )
        data = build_data(
            horizon_params, task, instances="first_sample + samples", length=self.length
        )
        return data, data.instances[self.first_sample :]


def single_turn_sample(
    instance: Instance, dictionary: dict[str, int], k: int, mode: str, layout: str = "paper"
) -> Sample:
    """One sample: the whole task in one user message (both layouts, as in the authors'
    code), the true total after each block."""
    prompt = single_turn_prompt(dictionary, instance.keys, k, mode, layout)
    return Sample(
        id=instance.id,
        input=[ChatMessageUser(content=prompt)],
        target=[str(total) for total in turn_totals(instance, k)],
        metadata={
            "instance": instance.id,
            "k": k,
            "steps": len(instance.keys),
            "blocks": len(split_turns(instance.keys, k)),
        },
    )


def single_turn_task(params: SingleTurnParams, name: str, task: str = "single_turn") -> Task:
    """The Inspect task for validated parameters (``name`` names the dataset, ``task`` the
    task in error messages)."""
    data, instances = params.data(task)
    elicitation = params.elicitation()
    config = GenerateConfig(
        temperature=PAPER_TEMPERATURE, top_p=PAPER_TOP_P, max_tokens=params.max_tokens
    ).merge(elicitation.generic_config())
    samples = [
        single_turn_sample(i, data.dictionary, params.k, params.mode, params.layout)
        for i in instances
    ]
    return Task(
        dataset=MemoryDataset(samples, name=name),
        solver=elicit(single_reply(), elicitation),
        scorer=single_turn_scorer(parsing=params.parsing, mode=params.mode),
        headline_metric=HEADLINE_METRIC,
        config=config,
        version=TASK_VERSION,
        metadata={
            "k": params.k,
            "steps": params.steps,
            "blocks": params.blocks,
            "shape": "sum" if params.blocks == 1 else "block_totals",
            "mode": params.mode,
            "layout": params.layout,
            "parsing": params.parsing,
            "first_sample": params.first_sample,
            "dictionary_sha256": data.dictionary_sha256(),
            "suite_version": SUITE_VERSION,
        },
    )


@task
def single_turn(
    samples: int = 20,
    steps: int = 100,
    k: int = 10,
    mode: str = "plain",
    first_sample: int = 0,
    seed: int = 42,
    dict_size: int = 100,
    value_min: int = -99,
    value_max: int = 99,
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = None,
    max_tokens: int | None = None,
    dataset_file: str | None = None,
    layout: str = "paper",
    parsing: str = "paper",
) -> Task:
    """Single-turn execution: the dictionary and all keys in one message, one reply.

    Args:
      samples: Instances to run.
      steps: Keys in the message (L).
      k: Report the running total after every k keys, as one comma-separated list; with
        k = steps the reply is one integer, the sum.
      mode: ``plain``, ``cot`` (visible working) or ``thinking`` (provider reasoning on).
      first_sample: First instance to use (instances first_sample.. are run).
      seed: Dataset seed; 42 with the other defaults gives the paper's data.
      dict_size: Dictionary size.
      value_min: Smallest dictionary value.
      value_max: Largest dictionary value.
      reasoning_effort: Thinking mode: minimal, low, medium or high.
      reasoning_tokens: Thinking mode: a reasoning token budget (default: 32,000 under the
        paper layout, effort medium under the suite layout).
      max_tokens: Output token limit (the paper allowed thinking models 100,000).
      dataset_file: The public dataset or the authors' JSON file.
      layout: ``paper`` (the authors' prompt structure, default) or ``suite`` (the
        suite's earlier prompts).
      parsing: ``paper`` (the authors' rule, default: the first answer tag, read as
        Python's ``int()`` reads it) or ``lenient`` (the suite's earlier rule).
    """
    params: SingleTurnParams = validate_params("single_turn", SingleTurnParams, locals())
    return single_turn_task(params, name="single_turn_execution")
