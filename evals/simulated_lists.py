"""The simulated executor on the list-edit family: the same planted behaviour as on the
running sum, so the family's metrics are validated the same way.

It reads the conversation as a model would: the starting list from the system message, the
edits from the user turns and the list it works from out of the last answer its history
shows (the starting list before any). Each edit
is applied right with probability p; a wrong step skips the edit, which always leaves a
wrong list, since every planned edit changes the list. With ``self_conditioning`` c the
per-step error probability rises by c times the share of wrong lists visible in its own
history (an earlier shown list that differs from the true list after that turn).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

from long_horizon_execution.evals.list_family import (
    EDITS,
    INSTRUCTIONS,
    START,
    WORKING,
    apply_edit,
    read_list_answer,
    render,
)

MARKER = INSTRUCTIONS.splitlines()[0]
"""The first line of the family's instructions, which identifies its conversations."""


def is_list_conversation(messages: Sequence[ChatMessage]) -> bool:
    return any(isinstance(m, ChatMessageSystem) and m.text.startswith(MARKER) for m in messages)


def turn_edits(text: str) -> list[str]:
    """The edits of a user turn (``verb word`` items joined by commas); others are ignored."""
    edits = [item.strip() for item in text.split(",")]
    return [edit for edit in edits if edit.partition(" ")[0] in EDITS]


def shown_list(text: str) -> list[str] | None:
    """The list an assistant turn shows, None where it shows none."""
    answer = read_list_answer(text)
    return [str(item) for item in answer.data] if isinstance(answer.data, list) else None


def starting_list(messages: Sequence[ChatMessage]) -> list[str]:
    """The list the system message says the conversation starts from."""
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            for line in message.text.splitlines():
                if line.startswith(START):
                    return shown_list(f"<answer>{line.removeprefix(START)}</answer>") or []
    return []


def visible_error_share(
    start: list[str], turns: list[list[str]], shown: list[list[str] | None]
) -> float:
    """Share of earlier turns whose shown list differs from the true list after them."""
    if not shown:
        return 0.0
    truth = list(start)
    wrong = 0
    for edits, seen in zip(turns, shown, strict=False):
        for edit in edits:
            truth = apply_edit(truth, edit)
        wrong += seen != truth
    return wrong / len(shown)


def list_reply(
    messages: Sequence[ChatMessage],
    p: float,
    self_conditioning: float,
    format_error: float,
    rng: random.Random,
) -> tuple[str, list[str], bool]:
    """(answer text, working lines, whether cot working was asked for) for the last turn."""
    turns = [turn_edits(m.text) for m in messages if isinstance(m, ChatMessageUser)]
    shown = [shown_list(m.text) for m in messages if isinstance(m, ChatMessageAssistant)]
    start = starting_list(messages)
    items = next((s for s in reversed(shown) if s is not None), start)
    error = (1.0 - p) + self_conditioning * visible_error_share(start, turns, shown)
    working: list[str] = []
    for edit in turns[-1] if turns else []:
        if rng.random() >= error:
            items = apply_edit(items, edit)
        working.append(f"{edit}: {render(items)}")
    if rng.random() < format_error:
        text = rng.choice([f"The list is {render(items)}.", f"<answer>{render(items)}!</answer>"])
    else:
        text = f"<answer>{render(items)}</answer>"
    cot = any(isinstance(m, ChatMessageSystem) and WORKING in m.text for m in messages)
    return text, working, cot
