"""A fixed text at the start of every turn's user message, e.g. a reminder of how to answer.

:func:`with_turn_prefix` wraps a solver whose turns are user messages tagged with their
turn, as ``multi_turn`` and ``rewritten_history``
tag them. Before each generate, every tagged user message that does not start with the text
yet gets it, so the turns the model answers and the turns written into its history
(synthetic turns) read alike. Sample metadata and turn records keep the bare turn, so
scoring and the logs' per-turn keys are the same with or without a prefix.
"""

from __future__ import annotations

from typing import Any, Literal

from inspect_ai.model import ChatMessageUser
from inspect_ai.solver import Generate, Solver, TaskState, solver

from long_horizon_execution.solvers.turn_loop import TURN_METADATA


def prefix_turns(state: TaskState, prefix: str) -> None:
    """Put ``prefix`` before every tagged user message that lacks it, newest first; an
    earlier message already prefixed means every one before it is too."""
    for message in reversed(state.messages):
        if not isinstance(message, ChatMessageUser) or TURN_METADATA not in (
            message.metadata or {}
        ):
            continue
        text = message.text
        if text.startswith(prefix):
            break
        message.content = prefix + text


@solver
def with_turn_prefix(inner: Solver, prefix: str = "") -> Solver:
    """Run ``inner`` with ``prefix`` at the start of every turn's user message.

    Args:
      inner: A multi-turn solver (e.g. ``multi_turn()``) whose user turns carry turn metadata.
      prefix: The text; empty runs ``inner`` unchanged.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if not prefix:
            return await inner(state, generate)

        async def prefixed(
            state: TaskState,
            tool_calls: Literal["loop", "single", "none"] = "loop",
            **kwargs: Any,
        ) -> TaskState:
            prefix_turns(state, prefix)
            return await generate(state, tool_calls=tool_calls, **kwargs)

        return await inner(state, prefixed)

    return solve
