"""Reading a reply's shopping list, and when two lists are the same list.

The parser gives the turn loop, the votes and the scorer one reading of every reply; the
key makes votes that name the same items in another order agree.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from long_horizon_execution.core import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    ParsedAnswer,
    first_tag_content,
    strip_reasoning,
)
from pydantic import JsonValue

from shopping_list_eval.dataset import NOTHING, render


def tagged(items: Sequence[str]) -> str:
    """A list as a whole answer, tags included."""
    return f"{ANSWER_OPEN}{render(items)}{ANSWER_CLOSE}"


def read_shopping_list(reply: str) -> ParsedAnswer:
    """The list in the reply's first answer tag (reasoning blocks removed first): items
    separated by commas, case and surrounding spaces ignored, ``nothing`` for none.

    An item must be letters (words separated by single spaces) and appear once; a tag
    holding anything else is ``invalid``, a reply with no tag ``no_answer``.
    """
    content = first_tag_content(strip_reasoning(reply))
    if content is None:
        return ParsedAnswer(status="no_answer")
    text = content.strip().lower()
    items = [] if text == NOTHING else [item.strip() for item in text.split(",")]
    words = [item.split(" ") for item in items]
    readable = all(parts and all(p.isascii() and p.isalpha() for p in parts) for parts in words)
    if not readable or len(set(items)) != len(items):
        return ParsedAnswer(status="invalid", content=content)
    return ParsedAnswer.of(list[JsonValue](items), content)


def same_items(answer: ParsedAnswer) -> Hashable | None:
    """The items of an answered list, in no order (None for a reply without a list): the
    voting key, and what the scorer compares."""
    if answer.status != "value" or not isinstance(answer.data, list):
        return None
    return frozenset(str(item) for item in answer.data)
