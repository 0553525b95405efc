"""The ``horizon`` task: the paper's multi-turn method.

A dictionary in the system message, K keys per user turn, the model reports the running
total each turn; scored per turn (index, task and turn correctness) and summarised as
horizons H_0.5 and H_0.8 in steps. The other experiments have task files of their own
(``self_conditioning.py``, ``single_turn.py``, ``frontier.py``, ``grid.py``), because
``inspect eval FILE`` runs every task in FILE.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Solver, chain

from long_horizon_execution.core import SUITE_VERSION
from long_horizon_execution.evals.continuation import carry_over, load_continuation
from long_horizon_execution.evals.dataset import ExecutionDataset
from long_horizon_execution.evals.first_error import first_wrong_total
from long_horizon_execution.evals.params import HorizonParams, validate_params
from long_horizon_execution.evals.prompts import system_prompt, turn_reminder
from long_horizon_execution.evals.samples import execution_dataset
from long_horizon_execution.evals.task_common import (
    HEADLINE_METRIC,
    TASK_VERSION,
    build_data,
    elicitation,
    generate_config,
    reply_parser,
)
from long_horizon_execution.evals.turn_notes import total_note
from long_horizon_execution.scorers.attribution_scorer import error_attribution
from long_horizon_execution.scorers.execution import execution_scorer
from long_horizon_execution.solvers.history import history_policy
from long_horizon_execution.solvers.reminder import with_turn_prefix
from long_horizon_execution.solvers.thinking import elicit
from long_horizon_execution.solvers.turn_loop import multi_turn
from long_horizon_execution.solvers.voting import multi_turn_voting


def turn_loop(params: HorizonParams) -> Solver:
    """The multi-turn loop, with voting or a sliding window when asked for, and the
    layout's reminder (if any) before every turn's keys."""
    policy = history_policy(params.history, params.mode, params.layout)
    stop = first_wrong_total if params.until == "first_error" else None
    loop: Solver
    if params.votes > 1 or params.window is not None:
        loop = multi_turn_voting(
            votes=params.votes,
            window=params.window,
            history=policy,
            mode=params.mode,
            replay_reasoning=params.replay_reasoning,
            parser=reply_parser(params),
            # A turn no vote answered is the model's failure to answer, measured like any
            # other: recorded and scored, not an error.
            unanswered="count",
            note=total_note,
            stop=stop,
            through_turn=params.through_turn,
        )
    else:
        loop = multi_turn(
            history=policy,
            mode=params.mode,
            replay_reasoning=params.replay_reasoning,
            parser=reply_parser(params),
            note=total_note,
            stop=stop,
            through_turn=params.through_turn,
        )
    return with_turn_prefix(loop, turn_reminder(params.mode, params.layout))


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
    layout: str = "paper",
    parsing: str = "paper",
    until: str = "last_turn",
    through_turn: int | None = None,
    continue_from: str | None = None,
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
        plain/thinking, whole reply for cot; "No Answer" for a reply with no tag under the
        paper layout), ``answer`` or ``full``.
      replay_reasoning: Keep returned reasoning in the history.
      reasoning_effort: Thinking mode: minimal, low, medium or high (default: the paper
        layout's settings, or medium under the suite layout).
      reasoning_tokens: Thinking mode: a reasoning token budget instead of an effort.
      dataset_file: The public dataset (JSON/JSONL records) or the authors' JSON file.
      votes: Replies sampled per turn, majority vote on the parsed totals (1 = none).
      window: Show only the last ``window`` earlier turns (None keeps the whole history).
      layout: ``paper`` (the authors' prompt structure and thinking settings, default) or
        ``suite`` (the suite's earlier prompts and settings).
      parsing: ``paper`` (the authors' rule, default: the first answer tag, read as
        Python's ``int()`` reads it) or ``lenient`` (the suite's earlier rule).
      until: ``last_turn`` (default: every planned turn) or ``first_error`` (end each
        conversation after its first wrong total: horizons are unchanged, turn accuracy
        becomes ``turn_accuracy_conditional``).
      through_turn: Ask no turn after this one: conversations still going end ``paused``
        there (censored), and a later run can extend them (``continue_from``).
      continue_from: The log of an earlier run of this task with the same parameters
        (``through_turn`` aside): its conversations are carried over and only their later
        turns asked (see ``horizon-adaptive``, which runs such rounds).
    """
    params: HorizonParams = validate_params("horizon", HorizonParams, locals())
    data = build_data(params)
    continuation = load_continuation(params)
    system = system_prompt(data.dictionary, params.k, params.mode, params.layout)
    solver = elicit(turn_loop(params), elicitation(params))
    if continuation is not None:
        solver = chain(carry_over(continuation), solver)
    return Task(
        dataset=execution_dataset(data, params.k, system, name="long_horizon_execution"),
        solver=solver,
        scorer=_scorers(params, data),
        headline_metric=HEADLINE_METRIC,
        config=generate_config(params),
        version=TASK_VERSION,
        metadata={
            "k": params.k,
            "mode": params.mode,
            "steps": params.total_steps,
            "turns": params.total_turns,
            "history": params.history,
            "parsing": params.parsing,
            "layout": params.layout,
            "dictionary_sha256": data.dictionary_sha256(),
            "suite_version": SUITE_VERSION,
            **_round_metadata(params),
        },
    )


def _scorers(params: HorizonParams, data: ExecutionDataset) -> list[Scorer]:
    """The execution scorer (told the stopping rule when it is not the default, so a
    default run logs it as it always did) and error attribution, which needs the turns after
    an error and so is left out of a run that stops at its first one."""
    if params.until == "last_turn":
        return [execution_scorer(), error_attribution(data.dictionary, params.mode)]
    return [execution_scorer(until=params.until)]


def _round_metadata(params: HorizonParams) -> dict[str, object]:
    """How far this run asks, when it does not ask every planned turn (absent otherwise, so
    a default run's metadata is as it was)."""
    metadata: dict[str, object] = {}
    if params.until != "last_turn":
        metadata["until"] = params.until
    if params.through_turn is not None:
        metadata["through_turn"] = params.through_turn
    return metadata
