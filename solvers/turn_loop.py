"""The multi-turn loop: one user message per turn, one reply, one record.

Reusable by any eval whose samples carry their turns in metadata: each turn is either the
user text itself or a list of items joined by ``separator``. Every turn is a span in
``inspect view``, and its user message and reply carry ``metadata={"turn": n}`` and ids
named by sample, turn and role (:func:`turn_message_id`); the per-turn records live in
:class:`TurnLog` (a StoreModel, so they are saved in the log and survive ``inspect score``).

A conversation may end before its last planned turn: its context ran out or its reply was
cut, a ``stop`` hook names a reason after some turn (e.g. its first wrong total), or the run
goes only ``through_turn`` turns (``paused``). A conversation whose :class:`TurnLog` already
holds turns when the loop starts (carried over from an earlier run, with its messages)
continues after them if it was paused, and is left as it is otherwise: no turn is asked
twice.

A turn is exactly one request, whatever the model returns (see ``solvers/replies.py``).
Tools are never run: a reply that calls one (offered or not) is read by its visible text
like any other, the number of calls is recorded, and the calls are removed from what later
turns see. A response without choices is an empty reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from inspect_ai.log import transcript
from inspect_ai.model import (
    ChatMessageAssistant,
    ChatMessageUser,
    Content,
    ContentReasoning,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import span, store_as

from long_horizon_execution.core import (
    ENDED_PAUSED,
    THINKING_MODE,
    AnswerParser,
    TurnLog,
    TurnRecord,
    answer_parser,
)
from long_horizon_execution.solvers.history import HistoryPolicy, history_policy
from long_horizon_execution.solvers.progress import count_turn, show_turns
from long_horizon_execution.solvers.replies import drop_tool_calls, one_request

ENDING_STOP_REASONS = {"model_length": "context_exhausted", "max_tokens": "reply_cut"}
"""Stop reasons after which a conversation cannot meaningfully go on."""

TURN_METADATA = "turn"
"""Message metadata key holding the turn a user message or reply belongs to."""

TURN_SPAN_TYPE = "execution"
"""Span type of a turn. Not the viewer's own ``turn``: spans of that type are folded
into "1 turn" entries in its outline, which hides the turn numbers."""


class TurnNote(Protocol):
    """A line for the transcript after a turn (markdown), from the records so far (the
    last is the turn just run), or None for no line: e.g. the turn's expected answer, the
    answer read and whether it was right, so a reader sees correctness in the turn."""

    def __call__(self, state: TaskState, records: Sequence[TurnRecord]) -> str | None: ...


def turn_message_id(state: TaskState, turn: int, role: str) -> str:
    """The id of a turn's message: the sample run's uuid, the turn and the role.

    Inspect's default ids are random, and a log stores each message several times far
    apart (the message list, the solver's state changes, the message pool), beyond what
    its compressor can match, so each copy paid for the random id again and the log grew
    faster than the turns. These ids stay unique and cost almost nothing per copy.
    """
    return f"{state.uuid}-{turn}-{role}"


def user_turn(state: TaskState, turn: int, text: str) -> ChatMessageUser:
    """A turn's user message, tagged with its turn (see :func:`multi_turn`)."""
    return ChatMessageUser(
        id=turn_message_id(state, turn, "user"), content=text, metadata={TURN_METADATA: turn}
    )


def tag_reply(state: TaskState, message: ChatMessageAssistant, turn: int) -> None:
    """Tag a generated reply with its turn and name it like the turn's user message. With
    tools offered it keeps the provider's id: a provider may key server-side tool state by
    it (Anthropic does)."""
    message.metadata = {**(message.metadata or {}), TURN_METADATA: turn}
    if not state.tools:
        message.id = turn_message_id(state, turn, "assistant")


class TurnStop(Protocol):
    """After a turn, from the records so far (the last is the turn just run): a reason to
    end the conversation there, recorded as ``TurnLog.ended`` (e.g. ``first_error``), or
    None to go on."""

    def __call__(self, state: TaskState, records: Sequence[TurnRecord]) -> str | None: ...


class HistoryRewrite(Protocol):
    """Runs after the history policy: the text later turns see of ``record``'s turn, or
    None to keep ``record.shown``. The raw reply stays in the record either way."""

    def __call__(self, state: TaskState, record: TurnRecord) -> str | None: ...


def turn_inputs(
    metadata: dict[str, Any], field: str, separator: str
) -> list[tuple[str, list[str] | None]]:
    """The (user text, items) of each planned turn, read from sample metadata."""
    planned = metadata.get(field)
    if not isinstance(planned, Sequence) or isinstance(planned, str):
        raise ValueError(f"sample metadata field {field!r} must be a list of turns")
    inputs: list[tuple[str, list[str] | None]] = []
    for turn in planned:
        if isinstance(turn, str):
            inputs.append((turn, None))
        else:
            items = [str(item) for item in turn]
            inputs.append((separator.join(items), items))
    return inputs


def strip_reasoning_content(message: ChatMessageAssistant) -> bool:
    """Drop reasoning blocks from a message in place; True when there were any."""
    if isinstance(message.content, str):
        return False
    kept = [part for part in message.content if not isinstance(part, ContentReasoning)]
    had_reasoning = len(kept) != len(message.content)
    message.content = list[Content](kept)
    return had_reasoning


def default_parser(mode: str) -> AnswerParser:
    """The paper's parsing rule, stripping reasoning blocks only in thinking mode."""
    return answer_parser("paper", thinking=mode == THINKING_MODE)


def _has_reasoning(message: ChatMessageAssistant) -> bool:
    return not isinstance(message.content, str) and any(
        isinstance(part, ContentReasoning) for part in message.content
    )


@solver
def multi_turn(
    turns_field: str = "turns",
    separator: str = ", ",
    history: str | HistoryPolicy = "full",
    mode: str = "plain",
    replay_reasoning: bool = False,
    rewrite: HistoryRewrite | None = None,
    first_turn: int = 1,
    parser: AnswerParser | None = None,
    note: TurnNote | None = None,
    stop: TurnStop | None = None,
    through_turn: int | None = None,
) -> Solver:
    """Run one request per planned turn (``one_request``), applying
    a history policy to each reply.

    Args:
      turns_field: Sample metadata field holding the turns.
      separator: Joins a turn's items into its user text.
      history: A policy name (``paper``, ``answer``, ``full``) or a callable
        ``(reply, parsed) -> shown text``.
      mode: The prompting mode, which the ``paper`` policy depends on.
      replay_reasoning: Keep returned reasoning in later turns' context.
      rewrite: Optional hook replacing what later turns see of a reply (see
        :class:`HistoryRewrite`).
      first_turn: The first turn to generate; an earlier solver has already put the
        turns before it into the messages.
      parser: Reads each reply's answer (see
        :func:`~long_horizon_execution.core.answer_parser`);
        None is the paper's rule, stripping reasoning blocks only when ``mode`` is
        ``thinking``.
      note: Writes a line into each turn's span after its reply (see :class:`TurnNote`).
      stop: Ends the conversation after a turn when it names a reason (see
        :class:`TurnStop`); None runs every planned turn.
      through_turn: Generate no turn after this one: a conversation with more turns
        planned ends ``paused`` there, and a later run can carry it over (see the module
        docstring). None goes to the last planned turn.
    """
    if through_turn is not None and through_turn < 1:
        raise ValueError(f"through_turn must be at least 1, got {through_turn}")
    policy = history_policy(history, mode) if isinstance(history, str) else history
    read = default_parser(mode) if parser is None else parser

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        ask = one_request(generate)
        log = store_as(TurnLog)
        records: list[TurnRecord] = list(log.turns)
        if records and log.ended != ENDED_PAUSED:
            return state  # carried over, and ended for good: nothing left to ask
        start = max(first_turn, records[-1].turn + 1) if records else first_turn
        ended = "completed"
        try:
            for number, (text, keys) in enumerate(
                turn_inputs(state.metadata, turns_field, separator), start=1
            ):
                if number < start:
                    continue
                if through_turn is not None and number > through_turn:
                    ended = ENDED_PAUSED
                    break
                async with span(f"turn {number}", type=TURN_SPAN_TYPE):
                    # The turn tag keeps repeated texts (K = 1 keys, equal totals) apart in
                    # Inspect's log, whose message pool merges messages of equal content: a
                    # merged message splits every later request's pool range, so untagged
                    # logs and their peak memory grow with the square of the turns. Message
                    # metadata is never sent to the model.
                    state.messages.append(user_turn(state, number, text))
                    state = await ask(state)
                    output = state.output
                    reply = output.completion
                    answer = read(reply)
                    message = state.messages[-1]
                    calls, returned = 0, False
                    if isinstance(message, ChatMessageAssistant):
                        calls = drop_tool_calls(message)
                        returned = _has_reasoning(message)
                    shown = policy(reply, answer)
                    record = TurnRecord(
                        turn=number,
                        keys=keys,
                        prompt=text if keys is None else None,
                        reply=reply,
                        answer=answer,
                        shown=shown,
                        stop_reason=output.stop_reason,
                        usage=output.usage,
                        reasoning_returned=returned,
                        tool_calls=calls,
                    )
                    replaced = None if rewrite is None else rewrite(state, record)
                    if replaced is not None and replaced != shown:
                        shown = record.shown = replaced
                        record.rewritten = True
                    if isinstance(message, ChatMessageAssistant):
                        if not replay_reasoning:
                            strip_reasoning_content(message)
                        if shown != reply:
                            message.text = shown
                        tag_reply(state, message, number)
                    records.append(record)
                    line = None if note is None else note(state, records)
                    if line is not None:
                        transcript().info(line, source=f"turn {number}")
                count_turn()
                if output.stop_reason in ENDING_STOP_REASONS:
                    ended = ENDING_STOP_REASONS[output.stop_reason]
                    break
                reason = None if stop is None else stop(state, records)
                if reason is not None:
                    ended = reason
                    break
        except BaseException as error:
            ended = f"interrupted: {type(error).__name__}"
            raise
        finally:
            # Written once: assigning a StoreModel field revalidates everything stored.
            log.turns = records
            log.ended = ended
            show_turns()
        return state

    return solve
