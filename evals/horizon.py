"""The suite's tasks.

``horizon`` is the paper's multi-turn method: a dictionary in the system message, K keys per
user turn, the model reports the running total each turn; scored per turn (index, task and
turn correctness) and summarised as horizons H_0.5 and H_0.8 in steps.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig

from evals.dataset import (
    PAPER_INSTANCE_LENGTH,
    DatasetConfig,
    DatasetError,
    DictionaryConfig,
    ExecutionDataset,
    generate_dataset,
    load_dataset_file,
)
from evals.params import HorizonParams, ParameterError, validate_params
from evals.prompts import system_prompt
from evals.samples import execution_dataset
from scorers.execution import execution_scorer
from solvers.turn_loop import multi_turn

PAPER_TEMPERATURE = 0.6
PAPER_TOP_P = 0.95
TASK_VERSION = "1-A"


def build_data(params: HorizonParams) -> ExecutionDataset:
    """The instances the task runs: a user's file, or generated from the seed."""
    try:
        if params.dataset_file is not None:
            data = load_dataset_file(params.dataset_file)
        else:
            data = generate_dataset(
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
        return data.truncated(params.samples, params.total_steps)
    except DatasetError as error:
        raise ParameterError(f"horizon: {error}") from None


def generate_config(params: HorizonParams) -> GenerateConfig:
    """The paper's sampling; in thinking mode, the provider's reasoning switched on."""
    config = GenerateConfig(temperature=PAPER_TEMPERATURE, top_p=PAPER_TOP_P)
    if params.mode == "thinking":
        effort = params.reasoning_effort or ("medium" if params.reasoning_tokens is None else None)
        config = config.merge(
            GenerateConfig(reasoning_effort=effort, reasoning_tokens=params.reasoning_tokens)
        )
    return config


@task
def horizon(
    samples: int = 20,
    turns: int | None = 50,
    steps: int | None = None,
    k: int = 1,
    mode: str = "plain",
    seed: int = 42,
    dict_size: int = 100,
    value_min: int = -99,
    value_max: int = 99,
    history: str = "paper",
    replay_reasoning: bool = False,
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = None,
    dataset_file: str | None = None,
) -> Task:
    """Multi-turn long-horizon execution (the paper's main protocol).

    Args:
      samples: Instances to run (sample n is instance n of the dataset).
      turns: Turns per sample; ignored when ``steps`` is given.
      steps: Total keys per sample (turns = ceil(steps / k)); overrides ``turns``.
      k: Keys per turn (turn complexity).
      mode: ``plain`` (answer only), ``cot`` (visible working), ``thinking`` (provider
        reasoning on, answer only).
      seed: Dataset seed; 42 with the other defaults reproduces the paper's data.
      dict_size: Dictionary size (beyond 101 the vocabulary is extended deterministically).
      value_min: Smallest dictionary value.
      value_max: Largest dictionary value.
      history: What the model sees of its earlier replies: ``paper`` (answer tag for
        plain/thinking, whole reply for cot), ``answer`` or ``full``.
      replay_reasoning: Keep returned reasoning in the history.
      reasoning_effort: Thinking mode: minimal, low, medium (default) or high.
      reasoning_tokens: Thinking mode: a reasoning token budget instead of an effort.
      dataset_file: The public dataset (JSON/JSONL records) or the authors' JSON file.
    """
    params: HorizonParams = validate_params(
        "horizon",
        HorizonParams,
        dict(
            samples=samples,
            turns=turns,
            steps=steps,
            k=k,
            mode=mode,
            seed=seed,
            dict_size=dict_size,
            value_min=value_min,
            value_max=value_max,
            history=history,
            replay_reasoning=replay_reasoning,
            reasoning_effort=reasoning_effort,
            reasoning_tokens=reasoning_tokens,
            dataset_file=dataset_file,
        ),
    )
    data = build_data(params)
    system = system_prompt(data.dictionary, params.k, params.mode)
    return Task(
        dataset=execution_dataset(data, params.k, system, name="long_horizon_execution"),
        solver=multi_turn(
            history=params.history, mode=params.mode, replay_reasoning=params.replay_reasoning
        ),
        scorer=execution_scorer(),
        config=generate_config(params),
        version=TASK_VERSION,
        metadata={
            "k": params.k,
            "mode": params.mode,
            "steps": params.total_steps,
            "turns": params.total_turns,
            "history": params.history,
            "dictionary_sha256": data.dictionary_sha256(),
        },
    )
