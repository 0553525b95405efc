"""Extending an earlier run's conversations instead of asking their turns again.

``horizon -T continue_from=LOG`` reads LOG (a ``horizon`` run with the same parameters, but
for ``through_turn``) and starts each sample from where that run left it: its messages,
exactly as the model saw them, and its store (the turn records, the reasoning records).
The turn loop then asks only the turns after the last one recorded, for conversations that
were paused (``ended`` ``paused``); a conversation that ended for good (its first error
under ``until=first_error``, its context, its last planned turn) is carried over unchanged,
so the new log holds every sample of the run. No turn is asked twice, and the first new
request resends the whole history, as the next request of an unbroken run would (a
provider's prefix cache serves it alike).

Everything that can be checked without the model is checked when the task is built, before
any model call: the log exists, is a finished ``horizon`` log whose parameters match, and
none of its samples failed. The model is checked by each sample before its first request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspect_ai.log import read_eval_log, read_eval_log_samples, transcript
from inspect_ai.model import ChatMessage, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver
from pydantic import BaseModel, ConfigDict

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.params import HorizonParams, ParameterError

RUN_ARGUMENTS = {"through_turn", "continue_from"}
"""Task arguments that may differ between a run and the run it continues."""
_EARLIER_DEFAULTS = {"until": "last_turn", "through_turn": None, "continue_from": None}
"""What a log written before these parameters existed ran with."""


class CarriedConversation(BaseModel):
    """One sample run (a sample in one epoch) as an earlier run left it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    messages: list[ChatMessage]
    store: dict[str, Any]
    turns: int
    """Turns recorded."""


class Continuation(BaseModel):
    """The conversations of an earlier run, by sample id and epoch."""

    log: str
    model: str
    model_args: dict[str, Any]
    conversations: dict[str, CarriedConversation]

    def get(self, sample_id: int | str, epoch: int) -> CarriedConversation | None:
        return self.conversations.get(conversation_key(sample_id, epoch))


def conversation_key(sample_id: int | str, epoch: int) -> str:
    return f"{sample_id}:{epoch}"


def _refuse(path: str, message: str) -> ParameterError:
    return ParameterError(f"horizon: invalid parameter 'continue_from': {message} (got {path!r})")


def load_continuation(params: HorizonParams) -> Continuation | None:
    """The conversations ``params.continue_from`` names, checked against ``params`` (None
    when the run continues nothing)."""
    path = params.continue_from
    if path is None:
        return None
    try:
        header = read_eval_log(path, header_only=True)
    except Exception as error:  # a damaged file, another format
        raise _refuse(path, f"not a readable Inspect log ({type(error).__name__})") from None
    spec = header.eval
    if spec.task.rsplit("/", 1)[-1] != "horizon":
        raise _refuse(path, f"a log of task {spec.task!r}, not of horizon")
    if header.status != "success":
        raise _refuse(path, f"its run did not finish (status {header.status})")
    given = params.model_dump()
    logged = _EARLIER_DEFAULTS | dict(spec.task_args)
    differing = sorted(
        name
        for name, value in given.items()
        if name not in RUN_ARGUMENTS and name in logged and logged[name] != value
    )
    if differing:
        name = differing[0]
        raise _refuse(
            path,
            f"its run had {name}={logged[name]!r}, this one {name}={given[name]!r}; only "
            f"{' and '.join(sorted(RUN_ARGUMENTS))} may differ",
        )
    earlier_through = logged.get("through_turn")
    if params.through_turn is not None and isinstance(earlier_through, int):
        if params.through_turn < earlier_through:
            raise _refuse(
                path,
                f"its run went through turn {earlier_through}, past this run's "
                f"through_turn={params.through_turn}",
            )
    conversations: dict[str, CarriedConversation] = {}
    for sample in read_eval_log_samples(path, resolve_attachments=True, exclude_fields={"events"}):
        if sample.error is not None:
            raise _refuse(path, f"sample {sample.id} (epoch {sample.epoch}) failed: rerun it")
        turns = len(TurnLog.of_sample(sample).turns)
        conversations[conversation_key(sample.id, sample.epoch)] = CarriedConversation(
            messages=sample.messages, store=dict(sample.store), turns=turns
        )
    return Continuation(
        log=str(Path(path)),
        model=spec.model,
        model_args=dict(spec.model_args),
        conversations=conversations,
    )


@solver
def carry_over(continuation: Continuation) -> Solver:
    """Start each sample from its conversation in ``continuation``: messages and store.
    A sample the earlier run did not hold, another model or another system message is an
    error before the sample's first request."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        where = f"continue_from {continuation.log}"
        carried = continuation.get(state.sample_id, state.epoch)
        if carried is None:
            raise ValueError(
                f"{where}: holds no sample {state.sample_id} in epoch {state.epoch} "
                "(continue with the samples and epochs of that run)"
            )
        model = get_model()
        if str(model) != continuation.model or model.model_args != continuation.model_args:
            raise ValueError(
                f"{where}: its conversations are {continuation.model}'s "
                f"({continuation.model_args}); this run's model is {model} ({model.model_args})"
            )
        system = [m.text for m in state.messages if m.role == "system"]
        if system != [m.text for m in carried.messages if m.role == "system"]:
            raise ValueError(f"{where}: sample {state.sample_id} had another system message")
        state.messages = [message.model_copy() for message in carried.messages]
        for key, value in carried.store.items():
            state.store.set(key, value)
        if carried.turns:
            transcript().info(
                f"turns 1-{carried.turns} carried over from {continuation.log} (not asked again)"
            )
        return state

    return solve
