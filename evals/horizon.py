"""The suite's tasks.

``horizon`` is the paper's multi-turn method: a dictionary in the system message, K keys per
user turn, the model reports the running total each turn; scored per turn (index, task and
turn correctness) and summarised as horizons H_0.5 and H_0.8 in steps.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig
from inspect_ai.solver import Solver

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
from solvers.thinking import Elicitation, elicit, from_prompt_mode
from solvers.turn_loop import multi_turn
from solvers.voting import multi_turn_voting

PAPER_TEMPERATURE = 0.6
PAPER_TOP_P = 0.95
TASK_VERSION = "1-A"


def build_data(params: HorizonParams, task: str = "horizon") -> ExecutionDataset:
    """The instances the task runs: a user's file, or generated from the seed. Errors name
    ``task``."""
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
        raise ParameterError(f"{task}: {error}") from None


def generate_config(params: HorizonParams) -> GenerateConfig:
    """The paper's sampling; in thinking mode, the provider's reasoning switched on."""
    config = GenerateConfig(temperature=PAPER_TEMPERATURE, top_p=PAPER_TOP_P)
    return config.merge(elicitation(params).generic_config())


def elicitation(params: HorizonParams) -> Elicitation:
    """The task's mode as an elicitation; its per-provider settings are added at generate
    time by :func:`solvers.thinking.elicit`."""
    return from_prompt_mode(
        params.mode, params.reasoning_effort, params.reasoning_tokens, params.replay_reasoning
    )


def turn_loop(params: HorizonParams) -> Solver:
    """The multi-turn loop, with voting or a sliding window when asked for."""
    if params.votes > 1 or params.window is not None:
        return multi_turn_voting(
            votes=params.votes,
            window=params.window,
            history=params.history,
            mode=params.mode,
            replay_reasoning=params.replay_reasoning,
        )
    return multi_turn(
        history=params.history, mode=params.mode, replay_reasoning=params.replay_reasoning
    )


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
    votes: int = 1,
    window: int | None = None,
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
      votes: Replies sampled per turn, majority vote on the parsed totals (1 = none).
      window: Show only the last ``window`` earlier turns (None keeps the whole history).
    """
    params: HorizonParams = validate_params("horizon", HorizonParams, locals())
    data = build_data(params)
    system = system_prompt(data.dictionary, params.k, params.mode)
    return Task(
        dataset=execution_dataset(data, params.k, system, name="long_horizon_execution"),
        solver=elicit(turn_loop(params), elicitation(params)),
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


@task
def self_conditioning(
    samples: int = 20,
    rates: list[float] | float = [0.0, 0.25, 0.5, 0.75, 1.0],  # noqa: B006 (the paper's)
    target_turn: int = 100,
    protocol: str = "target",
    k: int = 1,
    mode: str = "plain",
    seed: int = 42,
    offsets: str = "uniform",
    max_offset: int = 10,
    dict_size: int = 100,
    value_min: int = -99,
    value_max: int = 99,
    replay_reasoning: bool = False,
    reasoning_effort: str | None = None,
    reasoning_tokens: int | None = None,
    dataset_file: str | None = None,
) -> Task:
    """Self-conditioning: accuracy at ``target_turn`` when earlier turns show induced errors.

    Args:
      samples: Instances per rate (each instance is run at every rate).
      rates: Probabilities that an earlier turn shows an induced error (0 = healed).
      target_turn: The turn whose reply is judged.
      protocol: ``target`` (earlier assistant turns synthetic, one call per sample) or
        ``full`` (the model answers every turn; what it sees of them is rewritten).
      k: Keys per turn.
      mode: ``plain``, ``cot`` or ``thinking``.
      seed: Dataset seed, also seeding the induced errors.
      offsets: ``uniform`` (paper: a wrong total within +-max_offset, later totals true)
        or ``drift`` (later totals follow the wrong one).
      max_offset: Largest induced error magnitude.
      dict_size: Dictionary size.
      value_min: Smallest dictionary value.
      value_max: Largest dictionary value.
      replay_reasoning: Keep returned reasoning in the history (full protocol).
      reasoning_effort: Thinking mode: minimal, low, medium (default) or high.
      reasoning_tokens: Thinking mode: a reasoning token budget instead of an effort.
      dataset_file: The public dataset or the authors' JSON file.
    """
    arguments = dict(locals(), rates=list(rates) if isinstance(rates, list | tuple) else [rates])
    from evals.self_conditioning import SelfConditioningParams, self_conditioning_task

    params: SelfConditioningParams = validate_params(
        "self_conditioning", SelfConditioningParams, arguments
    )
    base = params.horizon_params()
    return self_conditioning_task(
        params,
        build_data(base, "self_conditioning"),
        generate_config(base),
        elicitation(base),
        TASK_VERSION,
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
      reasoning_tokens: Thinking mode: a reasoning token budget.
      max_tokens: Output token limit (the paper allowed thinking models 100,000).
      dataset_file: The public dataset or the authors' JSON file.
    """
    arguments = dict(locals())
    from evals.single_turn import SingleTurnParams, single_turn_task

    params: SingleTurnParams = validate_params("single_turn", SingleTurnParams, arguments)
    return single_turn_task(params, name="single_turn_execution")


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
) -> Task:
    """One probe of the frontier search: k keys in one message, reply with their sum.

    ``python -m evals.frontier`` runs probes of this task over k to find the largest k a
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
    """
    arguments = dict(locals(), steps=k)  # a probe is one block of k keys
    from evals.single_turn import SingleTurnParams, single_turn_task

    params: SingleTurnParams = validate_params("frontier", SingleTurnParams, arguments)
    return single_turn_task(params, name="frontier_probe", task="frontier")
