"""The shopping list's conversations: the items, what an edit does, and the dataset built
from a seed.

A list starts empty. Each turn brings a few edits (``add milk``, ``remove eggs``), and
after each turn the model answers with the whole list. An item is on the list at most
once and the order does not matter, so a list is judged by the items it holds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem

NAME = "shopping_list"
ITEMS = (
    "apples", "bananas", "bread", "butter", "cheese", "coffee", "eggs", "flour",
    "milk", "onions", "pasta", "rice", "salt", "sugar", "tea", "yogurt",
)  # fmt: skip
EDITS_PER_TURN = 2
MAX_ITEMS = 6
"""Longest the list gets: no edit adds a seventh item."""
ADD_SHARE = 2 / 3
"""How likely an edit is an add, where both an add and a remove are possible."""
NOTHING = "nothing"
"""How an empty list is written in an answer."""

INSTRUCTIONS = f"""You keep a shopping list. It starts empty.
Each message gives edits. Apply them in order:
- add ITEM: put ITEM on the list (if it is already there, nothing changes);
- remove ITEM: take ITEM off the list (if it is not there, nothing changes).
After the edits of a message, answer with the whole list inside answer tags, items
separated by commas, each item once, in any order, for example <answer>milk, bread</answer>.
Answer <answer>{NOTHING}</answer> when the list is empty."""


def apply_edit(items: list[str], edit: str) -> list[str]:
    """The list after one edit; an edit that does not apply leaves it unchanged."""
    verb, _, item = edit.partition(" ")
    if verb == "add":
        return items if item in items else [*items, item]
    if verb == "remove":
        return [kept for kept in items if kept != item]
    return items


def apply_turn(items: Sequence[str], edits: Sequence[str]) -> list[str]:
    """The list after a turn's edits, applied in order."""
    result = list(items)
    for edit in edits:
        result = apply_edit(result, edit)
    return result


def render(items: Sequence[str]) -> str:
    """A list as an answer tag's content."""
    return ", ".join(items) if items else NOTHING


def next_edit(rng: random.Random, items: list[str]) -> str:
    """An edit that changes the list: an add (twice as likely as a remove, so lists grow)
    or a remove where both are possible, then its item, chosen uniformly."""
    can_add = len(items) < MAX_ITEMS
    add = can_add and (not items or rng.random() < ADD_SHARE)
    choices = [item for item in ITEMS if item not in items] if add else items
    return f"{'add' if add else 'remove'} {rng.choice(choices)}"


def plan_conversation(rng: random.Random, turns: int) -> tuple[list[list[str]], list[list[str]]]:
    """(edits of each turn, the true list after each turn) for one conversation."""
    items: list[str] = []
    edits: list[list[str]] = []
    lists: list[list[str]] = []
    for _ in range(turns):
        turn = []
        for _ in range(EDITS_PER_TURN):
            edit = next_edit(rng, items)
            items = apply_edit(items, edit)
            turn.append(edit)
        edits.append(turn)
        lists.append(list(items))
    return edits, lists


def shopping_dataset(samples: int, turns: int, seed: int) -> MemoryDataset:
    """One sample per conversation, the same for the same seed: the instructions as the
    system message, each turn's edits in metadata ``turns`` (the turn loop's field), the
    true lists in ``lists`` and, rendered, in the target."""
    if samples < 1 or turns < 1:
        raise ValueError(f"{NAME}: samples and turns must be at least 1")
    dataset = []
    for index in range(samples):
        edits, lists = plan_conversation(random.Random(f"{NAME}-{seed}-{index}"), turns)
        dataset.append(
            Sample(
                id=index + 1,
                input=[ChatMessageSystem(content=INSTRUCTIONS)],
                target=[render(items) for items in lists],
                metadata={"turns": edits, "lists": lists},
            )
        )
    return MemoryDataset(dataset, name=NAME)
