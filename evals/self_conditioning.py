"""The self-conditioning experiment: does a history showing errors cause more errors?

Every instance is run once per rate of induced errors. Each earlier assistant turn shows
the true running total (a healed history at rate 0) or, with probability ``rate``, an
induced error that is never right. The target turn's reply is then judged against the
history shown and against the true total. Rate 0 against turn 1 isolates long-context
decay; rising rates at a fixed turn isolate self-conditioning.

Protocols: ``target`` writes every earlier assistant turn synthetically and generates only
the target turn (one model call per sample); ``full`` has the model answer every turn and
rewrites what it sees of its replies.
"""

# No ``from __future__ import annotations`` here: ``inspect eval`` runs this file as a module
# outside sys.modules, where pydantic could not resolve the string annotations of
# SelfConditioningParams (``Protocol``, ``OffsetKind``); evaluated ones need no lookup.

from collections.abc import Mapping
from typing import Literal

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig
from inspect_ai.solver import Solver, TaskState
from pydantic import Field, field_validator, model_validator

from long_horizon_execution.core import SUITE_VERSION, format_answer
from long_horizon_execution.evals.dataset import ExecutionDataset
from long_horizon_execution.evals.params import (
    MAX_KEYS,
    MAX_SAMPLES,
    CommonParams,
    HorizonParams,
    InvalidField,
    check_product,
    shown_count,
    validate_params,
)
from long_horizon_execution.evals.prompts import system_prompt, turn_reminder
from long_horizon_execution.evals.prompts_format import cot_reply
from long_horizon_execution.evals.prompts_paper import paper_working
from long_horizon_execution.evals.prompts_suite import working_lines
from long_horizon_execution.evals.samples import execution_sample
from long_horizon_execution.evals.task_common import (
    TASK_VERSION,
    build_data,
    elicitation,
    generate_config,
    reply_parser,
)
from long_horizon_execution.evals.turn_notes import shown_note
from long_horizon_execution.scorers.attribution_scorer import error_attribution
from long_horizon_execution.scorers.self_conditioning import self_conditioning_scorer
from long_horizon_execution.solvers.history import history_policy
from long_horizon_execution.solvers.reminder import with_turn_prefix
from long_horizon_execution.solvers.rewrite import (
    MAX_OFFSET,
    PAPER_MAX_OFFSET,
    InducedErrors,
    OffsetKind,
    ShownRenderer,
    rewritten_history,
)
from long_horizon_execution.solvers.thinking import Elicitation, elicit

Protocol = Literal["target", "full"]
PAPER_RATES = (0.0, 0.25, 0.5, 0.75, 1.0)
PAPER_TARGET_TURN = 100


class SelfConditioningParams(CommonParams):
    """Parameters of the ``self_conditioning`` task (``samples``: instances, each run once
    per rate)."""

    rates: list[float] = Field(min_length=1)
    target_turn: int = Field(ge=2)
    protocol: Protocol
    offsets: OffsetKind
    max_offset: int = Field(ge=1, le=MAX_OFFSET)
    replay_reasoning: bool

    @field_validator("rates")
    @classmethod
    def _check_rates(cls, rates: list[float]) -> list[float]:
        if any(not 0.0 <= rate <= 1.0 for rate in rates):
            raise ValueError("every rate must lie in [0, 1]")
        if len(set(rates)) != len(rates):
            raise ValueError("rates must not repeat")
        return rates

    @model_validator(mode="after")
    def _check_size(self) -> "SelfConditioningParams":
        check_product(
            {"samples": self.samples, "target_turn": self.target_turn, "k": self.k},
            MAX_KEYS,
            "keys",
        )
        count = len(self.rates) * self.samples
        if count > MAX_SAMPLES:
            field = "rates" if len(self.rates) > self.samples else "samples"
            raise InvalidField(
                field,
                getattr(self, field),
                f"rates x samples is {shown_count(count)} samples, more than the "
                f"{MAX_SAMPLES:,} a task may hold",
            )
        return self

    def horizon_params(self) -> HorizonParams:
        """The same run as a ``horizon`` task of ``target_turn`` turns (data and config)."""
        return self.as_horizon(
            turns=self.target_turn, history="paper", replay_reasoning=self.replay_reasoning
        )


def sample_id(rate: float, instance: int) -> str:
    return f"r{rate}-i{instance}"


def self_conditioning_dataset(
    data: ExecutionDataset, params: SelfConditioningParams, system: str
) -> MemoryDataset:
    """One sample per (rate, instance), rate-major; the instance's turns up to the target.
    The rates of an instance share its input, target and turns (built once)."""
    bases = [execution_sample(instance, params.k, system) for instance in data.instances]
    samples: list[Sample] = []
    for rate in params.rates:
        for instance, base in zip(data.instances, bases, strict=True):
            samples.append(
                Sample(
                    id=sample_id(rate, instance.id),
                    input=base.input,
                    target=base.target,
                    metadata={
                        **(base.metadata or {}),
                        "rate": rate,
                        "target_turn": params.target_turn,
                        "protocol": params.protocol,
                    },
                )
            )
    return MemoryDataset(samples, name="self_conditioning")


def cot_renderer(dictionary: Mapping[str, int], layout: str = "paper") -> ShownRenderer:
    """Chain-of-thought history as the model would write it, in the working of the layout's
    example: from the total shown before, the turn's error (if any) landing in the last
    addition (suite: one line per key) or in the turn's sum (paper: one line a turn)."""

    def render(state: TaskState, turn: int, previous: int, value: int) -> str:
        keys = state.metadata["turns"][turn - 1]
        if layout == "paper":
            working = [paper_working(keys, dictionary, previous, total=value)]
            return cot_reply(working, format_answer(value), layout)
        lines = working_lines(keys, dictionary, previous)
        if lines:
            last = dictionary[keys[-1]]
            start = previous + sum(dictionary[key] for key in keys[:-1])
            lines[-1] = f"{keys[-1]} = {last}; {start} + {last} = {value}"
        return "\n".join([*lines, format_answer(value)])

    return render


def induced_errors(
    params: SelfConditioningParams, dictionary: Mapping[str, int] | None = None
) -> InducedErrors:
    """The rule: keyed by instance, so the rates of an instance share draws (nested error
    sets, equal offsets) and the slope is measured on paired samples. In cot mode shown
    turns carry working lines, so the history looks like the model's own."""
    return InducedErrors(
        rate_field="rate",
        offsets=params.offsets,
        max_offset=params.max_offset,
        seed=params.seed,
        key_field="instance",
        render=(
            cot_renderer(dictionary, params.layout) if params.mode == "cot" and dictionary else None
        ),
    )


def self_conditioning_solver(
    params: SelfConditioningParams, dictionary: Mapping[str, int] | None = None
) -> Solver:
    synthetic_before = params.target_turn if params.protocol == "target" else 1
    loop = rewritten_history(
        induced_errors(params, dictionary),
        synthetic_before=synthetic_before,
        history=history_policy("paper", params.mode, params.layout),
        mode=params.mode,
        replay_reasoning=params.replay_reasoning,
        parser=reply_parser(params),
        note=shown_note(reply_parser(params)),
    )
    return with_turn_prefix(loop, turn_reminder(params.mode, params.layout))


def self_conditioning_task(
    params: SelfConditioningParams,
    data: ExecutionDataset,
    config: GenerateConfig,
    elicitation: Elicitation,
    version: str,
) -> Task:
    """The task, from validated parameters, the instances, the generation config and the
    mode's elicitation (as the horizon task sets them)."""
    return Task(
        dataset=self_conditioning_dataset(
            data, params, system_prompt(data.dictionary, params.k, params.mode, params.layout)
        ),
        solver=elicit(self_conditioning_solver(params, data.dictionary), elicitation),
        scorer=[
            self_conditioning_scorer(parsing=params.parsing, mode=params.mode),
            error_attribution(data.dictionary, params.mode),
        ],
        config=config,
        version=version,
        metadata={
            "k": params.k,
            "mode": params.mode,
            "layout": params.layout,
            "parsing": params.parsing,
            "rates": params.rates,
            "target_turn": params.target_turn,
            "protocol": params.protocol,
            "offsets": params.offsets,
            "max_offset": params.max_offset,
            "dictionary_sha256": data.dictionary_sha256(),
            "suite_version": SUITE_VERSION,
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
    layout: str = "paper",
    parsing: str = "paper",
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
      reasoning_effort: Thinking mode: minimal, low, medium or high (default: the paper
        layout's settings, or medium under the suite layout).
      reasoning_tokens: Thinking mode: a reasoning token budget instead of an effort.
      dataset_file: The public dataset or the authors' JSON file.
      layout: ``paper`` (the authors' prompt structure and thinking settings, default) or
        ``suite`` (the suite's earlier prompts and settings).
      parsing: ``paper`` (the authors' rule, default: the first answer tag, read as
        Python's ``int()`` reads it) or ``lenient`` (the suite's earlier rule).
    """
    arguments = dict(locals(), rates=list(rates) if isinstance(rates, list | tuple) else [rates])
    params: SelfConditioningParams = validate_params(
        "self_conditioning", SelfConditioningParams, arguments
    )
    base = params.horizon_params()
    return self_conditioning_task(
        params,
        build_data(base, "self_conditioning", length="target_turn"),
        generate_config(base),
        elicitation(base),
        TASK_VERSION,
    )


__all__ = [
    "PAPER_MAX_OFFSET",
    "PAPER_RATES",
    "PAPER_TARGET_TURN",
    "SelfConditioningParams",
    "self_conditioning",
    "self_conditioning_task",
]
