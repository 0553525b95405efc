"""What the task files share: the instances a run uses, the paper's sampling, the mode's
elicitation and the task version.

Kept apart from the task files so that each experiment has a file of its own (``inspect
eval FILE`` runs every task in FILE) and no task file imports another for these.
"""

from __future__ import annotations

from inspect_ai.log import HeadlineMetric
from inspect_ai.model import GenerateConfig

from long_horizon_execution.core import AnswerParser, answer_parser
from long_horizon_execution.evals.dataset import (
    PAPER_INSTANCE_LENGTH,
    DatasetConfig,
    DatasetError,
    DictionaryConfig,
    ExecutionDataset,
    generate_dataset,
)
from long_horizon_execution.evals.dataset_files import load_dataset_file
from long_horizon_execution.evals.params import (
    CommonParams,
    HorizonParams,
    ParameterError,
    ReasoningEffort,
)
from long_horizon_execution.solvers.thinking import Elicitation, from_prompt_mode

PAPER_TEMPERATURE = 0.6
PAPER_TOP_P = 0.95
PAPER_REASONING_TOKENS = 32_000
"""The paper's reasoning budget for frontier models. The authors' single-turn requests
sent it to OpenRouter as ``reasoning.max_tokens``."""
PAPER_MULTI_TURN_EFFORT: ReasoningEffort = "high"
"""What the authors' multi-turn requests sent OpenRouter instead: ``reasoning.effort``."""
TASK_VERSION = "3-A"
"""Bumped in its number whenever scores change meaning or shape (a report skips logs of a
newer number), in its letter for changes that leave them comparable. 3: a score's value is
named numbers, its per-turn correctness moved to its metadata."""

HEADLINE_METRIC = HeadlineMetric(metric="horizon_50")
"""The number the run list shows for a multi-turn run: H_0.5, the paper's headline."""


def reply_parser(params: CommonParams) -> AnswerParser:
    """How the task reads a reply: its parsing rule, reasoning blocks stripped first in
    thinking mode (the paper rule strips them only there)."""
    return answer_parser(params.parsing, thinking=params.mode == "thinking")


def build_data(
    params: HorizonParams,
    task: str = "horizon",
    instances: str = "samples",
    length: str | None = None,
) -> ExecutionDataset:
    """The instances the task runs: a user's file, or generated from the seed. Sizes were
    bounded when the parameters were checked, so this never builds more than they allow.

    Errors name ``task``, ``instances`` (the task's words for ``params.samples``) and
    ``length`` (the task's parameter for the steps; default ``steps`` or ``turns``)."""
    try:
        if params.dataset_file is None:
            return generate_dataset(
                DatasetConfig(
                    seed=params.seed,
                    dictionary=DictionaryConfig(
                        size=params.dict_size,
                        value_min=params.value_min,
                        value_max=params.value_max,
                    ),
                    instances=params.samples,
                    steps=params.total_steps,
                    # Longer than the paper's instances: still deterministic, no longer its data.
                    generation_length=max(PAPER_INSTANCE_LENGTH, params.total_steps),
                )
            )
        data = load_dataset_file(params.dataset_file, params.samples, params.total_steps)
    except DatasetError as error:
        raise ParameterError(f"{task}: {error}") from None
    if len(data.instances) < params.samples:
        raise ParameterError(
            f"{task}: invalid parameter 'samples': {params.dataset_file} holds "
            f"{len(data.instances)} instances, fewer than {instances} ({params.samples})"
        )
    short = next((i for i in data.instances if len(i.keys) < params.total_steps), None)
    if short is not None:
        length = length or ("steps" if params.steps is not None else "turns")
        raise ParameterError(
            f"{task}: invalid parameter {length!r}: instance {short.id} of "
            f"{params.dataset_file} holds {len(short.keys)} keys, fewer than the "
            f"{params.total_steps} steps asked for"
        )
    return data


def generate_config(params: HorizonParams) -> GenerateConfig:
    """The paper's sampling; in thinking mode, the provider's reasoning switched on."""
    config = GenerateConfig(temperature=PAPER_TEMPERATURE, top_p=PAPER_TOP_P)
    return config.merge(elicitation(params).generic_config())


def elicitation(params: HorizonParams) -> Elicitation:
    """The task's mode as an elicitation; its per-provider settings are added at generate
    time by :func:`~long_horizon_execution.solvers.elicit`.

    Thinking mode with neither an effort nor a budget given: under the ``paper`` layout the
    authors' multi-turn settings (effort high to OpenAI and OpenRouter, the paper's 32k
    budget to Anthropic and Google); under ``suite`` effort medium.
    """
    effort, budget, prefer = params.reasoning_effort, params.reasoning_tokens, "budget"
    if _paper_default(params):
        effort, budget, prefer = PAPER_MULTI_TURN_EFFORT, PAPER_REASONING_TOKENS, "effort"
    return from_prompt_mode(params.mode, effort, budget, params.replay_reasoning, prefer)


def single_turn_elicitation(params: CommonParams) -> Elicitation:
    """The elicitation of a single-turn task. Thinking mode with neither an effort nor a
    budget given: under the ``paper`` layout the paper's 32k budget (the authors'
    single-turn setting; OpenAI gets it as effort high); under ``suite`` effort medium."""
    effort, budget = params.reasoning_effort, params.reasoning_tokens
    if _paper_default(params):
        budget = PAPER_REASONING_TOKENS
    return from_prompt_mode(params.mode, effort, budget)


def _paper_default(params: CommonParams) -> bool:
    """Thinking mode under the paper layout with neither an effort nor a budget given."""
    return (
        params.layout == "paper"
        and params.mode == "thinking"
        and params.reasoning_effort is None
        and params.reasoning_tokens is None
    )
