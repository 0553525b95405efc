"""One request per reply, whatever the model returns.

Inspect's ``generate`` runs the tool loop by default: a reply carrying tool calls is
answered (with "tool not found" when no tool was offered) and the model is asked again,
so a model that keeps calling tools makes requests without end. Every solver here asks for
its replies through :func:`one_request`, which makes exactly one request and always leaves
one assistant reply, and removes the reply's tool calls before later turns see it
(:func:`drop_tool_calls`): an OpenAI-compatible server refuses a conversation whose tool
calls are not answered by tool messages.
"""

from __future__ import annotations

from typing import Any, Literal

from inspect_ai.model import ChatCompletionChoice, ChatMessageAssistant
from inspect_ai.solver import Generate, Solver, TaskState, solver


def drop_tool_calls(message: ChatMessageAssistant) -> int:
    """Remove a reply's tool calls in place (they will never be answered); how many."""
    calls = len(message.tool_calls or [])
    message.tool_calls = None
    return calls


def one_request(generate: Generate) -> Generate:
    """A ``generate`` that makes exactly one request and appends exactly one reply: tools
    are never run (whatever ``tool_calls`` asks), and a response without choices becomes
    an empty reply with stop reason ``unknown`` instead of an error."""

    async def single(
        state: TaskState,
        tool_calls: Literal["loop", "single", "none"] = "none",
        **kwargs: Any,
    ) -> TaskState:
        before = state.output
        try:
            return await generate(state, tool_calls="none", **kwargs)
        except IndexError:
            # Inspect reads the first choice of the output it has just stored
            if state.output is before or not state.output.empty:
                raise
        output = state.output
        reply = ChatMessageAssistant(content="", model=output.model, source="generate")
        output.choices = [ChatCompletionChoice(message=reply, stop_reason="unknown")]
        state.messages.append(reply)
        return state

    return single


@solver
def single_reply() -> Solver:
    """Ask for one reply (one request), keeping its visible text and dropping any tool
    calls; the single-turn tasks' solver."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state = await one_request(generate)(state)
        message = state.messages[-1]
        if isinstance(message, ChatMessageAssistant):
            drop_tool_calls(message)
        return state

    return solve
