"""The ``lenient`` parsing rule, the suite's earlier rule, kept as an option (the default,
``paper``, is in :mod:`long_horizon_execution.core.parsing`):

1. Reasoning is always removed first: every closed ``<think>...</think>`` block, a leading
   block that never closes (the whole rest is reasoning), and everything up to a stray
   ``</think>`` (templates that open the block inside the prompt).
2. The first ``<answer>...</answer>`` pair (tag names are case-insensitive) is the answer;
   later tags are ignored. No complete pair means ``no_answer``.
3. Its content, with surrounding white space and markdown emphasis (``**``, ``*``, ``__``,
   ``_``, backticks) stripped, must be one integer: optional ``+``/``-`` (or the Unicode
   minus), ASCII digits, optionally grouped in threes by commas (``1,234``). Anything else,
   including an empty tag, ``7.0`` or ``1 2``, is ``invalid``. The value is a Python int of
   any size up to :data:`MAX_DIGITS` significant digits; a longer number is ``invalid``.
4. A single-turn list (``1, -2, 3``, optionally in brackets) is all or nothing: one item
   that is not an integer makes every block ``invalid``. One block is read by step 3.
"""

from __future__ import annotations

import string

from pydantic import BaseModel

from long_horizon_execution.core.answers import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    MAX_DIGITS,
    AnswerStatus,
    ParsedAnswer,
)

_OPEN, _CLOSE = ANSWER_OPEN, ANSWER_CLOSE
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"
_EMPHASIS = ("**", "__", "*", "_", "`")
_MINUS_SIGNS = ("-", "\u2212")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _fold_case(text: str) -> str:
    """ASCII letters lowered, nothing else: the result has the same length as ``text``, so
    positions found in it index ``text``. (``str.lower`` turns U+0130 into two characters
    and would shift every later position.)"""
    return text.translate(_ASCII_LOWER)


def strip_reasoning(text: str) -> str:
    """Remove reasoning written inline, so a tag inside it never counts as the answer
    (``lenient`` rule; the ``paper`` rule uses :func:`strip_think_blocks`)."""
    lowered = _fold_case(text)
    stray_close = lowered.find(_THINK_CLOSE)
    first_open = lowered.find(_THINK_OPEN)
    if stray_close != -1 and (first_open == -1 or stray_close < first_open):
        cut = stray_close + len(_THINK_CLOSE)
        text, lowered = text[cut:], lowered[cut:]
    pieces: list[str] = []
    position = 0
    while True:
        start = lowered.find(_THINK_OPEN, position)
        if start == -1:
            pieces.append(text[position:])
            break
        pieces.append(text[position:start])
        end = lowered.find(_THINK_CLOSE, start + len(_THINK_OPEN))
        if end == -1:
            break  # an unclosed block runs to the end of the reply
        position = end + len(_THINK_CLOSE)
    return "".join(pieces)


def first_tag_content(text: str) -> str | None:
    """Content of the first complete ``<answer>...</answer>`` pair, tag names in any case
    (``lenient`` rule), or None."""
    lowered = _fold_case(text)
    start = lowered.find(_OPEN)
    if start == -1:
        return None
    end = lowered.find(_CLOSE, start + len(_OPEN))
    if end == -1:
        return None
    return text[start + len(_OPEN) : end]


def _strip_emphasis(content: str) -> str:
    changed = True
    while changed:
        changed = False
        content = content.strip()
        for marker in _EMPHASIS:
            if (
                len(content) > 2 * len(marker)
                and content.startswith(marker)
                and content.endswith(marker)
            ):
                content = content[len(marker) : -len(marker)]
                changed = True
                break
    return content


def _digits_value(body: str) -> int | None:
    if "," in body:
        groups = body.split(",")
        if not (1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:]):
            return None
        body = "".join(groups)
    if not body or not (body.isascii() and body.isdigit()):
        return None
    significant = body.lstrip("0")
    if len(significant) > MAX_DIGITS:
        return None
    return int(significant or "0")


def parse_integer(content: str) -> int | None:
    """One integer in a form the ``lenient`` rule accepts, or None."""
    body = _strip_emphasis(content)
    sign = 1
    if body[:1] == "+":
        body = body[1:]
    elif body[:1] in _MINUS_SIGNS:
        sign, body = -1, body[1:]
    value = _digits_value(body)
    return None if value is None else sign * value


def lenient_answer(reply: str) -> ParsedAnswer:
    """Parse a visible reply by the ``lenient`` rule (reasoning may still be inline)."""
    content = first_tag_content(strip_reasoning(reply))
    if content is None:
        return ParsedAnswer(status="no_answer")
    value = parse_integer(content)
    if value is None:
        return ParsedAnswer(status="invalid", content=content)
    return ParsedAnswer(status="int", value=value, content=content)


class ParsedList(BaseModel):
    """A reply that should hold a comma-separated list of integers in one answer tag."""

    status: AnswerStatus
    values: list[int] | None = None
    content: str | None = None


def parse_integer_list(content: str) -> list[int] | None:
    """Integers separated by commas (optionally inside ``[...]``), each in a form
    :func:`parse_integer` accepts; None if any item is not one.

    Inside a list a comma always separates items, so ``1,234`` is the two items 1 and 234:
    grouped thousands are not accepted in lists. An empty item (``1,,2``, a trailing comma)
    makes the list invalid."""
    body = _strip_emphasis(content)
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    values: list[int] = []
    for item in body.split(","):
        value = parse_integer(item.strip()) if item.strip() else None
        if value is None:
            return None
        values.append(value)
    return values


def parse_answer_list(reply: str) -> ParsedList:
    """Parse a visible reply into a list of integers from its first answer tag, by the
    ``lenient`` rule (all or nothing)."""
    content = first_tag_content(strip_reasoning(reply))
    if content is None:
        return ParsedList(status="no_answer")
    values = parse_integer_list(content)
    if values is None:
        return ParsedList(status="invalid", content=content)
    return ParsedList(status="int", values=values, content=content)


def format_answer_list(values: list[int]) -> str:
    """The canonical tagged form of a list answer: ``<answer>3, -5, 12</answer>``."""
    return f"{_OPEN}{', '.join(str(value) for value in values)}{_CLOSE}"


def lenient_items(reply: str, blocks: int) -> list[ParsedAnswer]:
    """One answer per block of a single-turn reply, by the ``lenient`` rule: one block is
    read as one integer; a longer list is all or nothing."""
    if blocks < 1:
        return []
    if blocks == 1:
        return [lenient_answer(reply)]
    parsed = parse_answer_list(reply)
    if parsed.values is None:
        return [ParsedAnswer(status=parsed.status, content=parsed.content)] * blocks
    items = [ParsedAnswer(status="int", value=v, content=str(v)) for v in parsed.values]
    missing = [ParsedAnswer(status="no_answer")] * max(0, blocks - len(items))
    return (items + missing)[:blocks]
