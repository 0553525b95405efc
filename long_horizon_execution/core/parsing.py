"""Reading the model's answer out of a reply: the suite's two parsing rules.

Every reply ends as one of three outcomes: an integer (any size up to :data:`MAX_DIGITS`
significant digits), ``no_answer`` (no complete answer tag) or ``invalid`` (a tag whose
content is not an integer). Parsing never raises, whatever the text.

``paper`` (the default) is the rule of the paper's code (``DictSumOutputParser`` in the
authors' ``src/experiments/dict_sum/dict_sum_util.py``):

1. Only in thinking mode, every closed ``<think>...</think>`` block is removed (an unclosed
   block and a stray ``</think>`` stay). Outside thinking mode nothing is removed.
2. The first ``<answer>...</answer>`` pair (tag names case-sensitive) is the answer; later
   tags are ignored. No complete pair means ``no_answer``.
3. Its content, stripped of white space, counts iff Python's ``int()`` accepts it: an
   optional ``+``/``-``, decimal digits of any script (Arabic-Indic digits too),
   optionally separated by single underscores (``1_231``). ``**7**``, ``1,231``, the
   Unicode minus, an empty tag, ``7.0`` and ``1 2`` are ``invalid``. A number longer than
   :data:`MAX_DIGITS` significant digits is ``invalid`` too (``int()`` is never called on
   it, so the interpreter's ``int_max_str_digits`` never matters).
4. A single-turn reply holds one tag of comma-separated running totals: after the same
   steps 1-2, the content is split on every comma and each item, stripped, is judged by
   step 3 on its own, so one bad item does not spoil the others. Item b answers block b;
   items past the last block are ignored, blocks past the last item are ``no_answer``.
   This holds for one block too (``1,234`` there is the item 1).

``lenient``, the suite's earlier rule, is in :mod:`long_horizon_execution.core.lenient`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from long_horizon_execution.core.answers import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    MAX_DIGITS,
    PARSING_RULES,
    ParsedAnswer,
    ParsingRule,
)
from long_horizon_execution.core.lenient import lenient_answer, lenient_items

_OPEN, _CLOSE = ANSWER_OPEN, ANSWER_CLOSE
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"

# The paper rule. Written with str.find rather than regular expressions: a lazy ``.*?``
# pattern rescans the rest of the text from every unmatched opening tag, which is
# quadratic on a reply of many opening tags; the positions found are the same.


def strip_think_blocks(text: str) -> str:
    """Remove every closed ``<think>...</think>`` block (tag names case-sensitive), as a
    lazy, leftmost, non-overlapping substitution would. An opening tag with no closing tag
    after it stays, and so does everything after it; a stray closing tag stays."""
    pieces: list[str] = []
    position = 0
    while True:
        start = text.find(_THINK_OPEN, position)
        if start == -1:
            break
        end = text.find(_THINK_CLOSE, start + len(_THINK_OPEN))
        if end == -1:
            break
        pieces.append(text[position:start])
        position = end + len(_THINK_CLOSE)
    pieces.append(text[position:])
    return "".join(pieces)


def paper_tag_content(text: str) -> str | None:
    """Content of the first complete ``<answer>...</answer>`` pair, tag names
    case-sensitive, or None: the leftmost opening tag with a closing tag after it, up to
    the first such closing tag. (If the first opening tag has no closing tag after it,
    no later one has.)"""
    start = text.find(_OPEN)
    if start == -1:
        return None
    end = text.find(_CLOSE, start + len(_OPEN))
    if end == -1:
        return None
    return text[start + len(_OPEN) : end]


def _decimal_ascii(digits: str) -> str | None:
    if digits.isascii():
        return digits
    values = [unicodedata.decimal(character, None) for character in digits]
    if any(value is None for value in values):
        return None
    return "".join(str(value) for value in values)


def paper_integer(content: str) -> int | None:
    """The integer ``int(content.strip())`` reads, or None where it raises ValueError; also
    None past :data:`MAX_DIGITS` significant digits, where ``int()`` is never called.

    What ``int()`` accepts, after the strip: an optional ``+`` or ``-``, then runs of
    decimal digits (any script: ``str.isdecimal``) joined by single underscores. Leading
    zeros are allowed and do not count towards the bound."""
    body = content.strip()
    negative = body[:1] == "-"
    if body[:1] in ("+", "-"):
        body = body[1:]
    runs = body.split("_")
    if not all(run and run.isdecimal() for run in runs):
        return None
    digits = _decimal_ascii("".join(runs))
    if digits is None:
        return None
    significant = digits.lstrip("0")
    if len(significant) > MAX_DIGITS:
        return None
    value = int(significant or "0")
    return -value if negative else value


def _paper_read(content: str) -> ParsedAnswer:
    value = paper_integer(content)
    if value is None:
        return ParsedAnswer(status="invalid", content=content)
    return ParsedAnswer(status="int", value=value, content=content)


def paper_answer(reply: str, thinking: bool = False) -> ParsedAnswer:
    """Parse a visible reply by the ``paper`` rule; ``thinking`` removes closed think
    blocks first."""
    content = paper_tag_content(strip_think_blocks(reply) if thinking else reply)
    if content is None:
        return ParsedAnswer(status="no_answer")
    return _paper_read(content)


def paper_items(reply: str, blocks: int, thinking: bool = False) -> list[ParsedAnswer]:
    """One answer per block of a single-turn reply, by the ``paper`` rule: the first tag's
    content split on every comma, each item stripped and read on its own (an empty item
    is ``invalid``); items past the last block are ignored, blocks past the last item
    (all blocks, with no tag) are ``no_answer``."""
    if blocks < 1:
        return []
    content = paper_tag_content(strip_think_blocks(reply) if thinking else reply)
    if content is None:
        return [ParsedAnswer(status="no_answer")] * blocks
    # At most blocks + 1 pieces: the first ``blocks`` are those of a full split.
    items = [_paper_read(item.strip()) for item in content.split(",", blocks)[:blocks]]
    return items + [ParsedAnswer(status="no_answer")] * (blocks - len(items))


def check_rule(rule: str) -> ParsingRule:
    """``rule`` as a :data:`ParsingRule`, or ValueError naming the choices."""
    if rule == "paper":
        return "paper"
    if rule == "lenient":
        return "lenient"
    raise ValueError(f"parsing must be one of {', '.join(PARSING_RULES)}, got {rule!r}")


@dataclass(frozen=True)
class ReplyParser:
    """A parsing rule with its thinking flag: an :class:`AnswerParser` for one-answer
    replies, and :meth:`items` for single-turn lists. Frozen and comparable, so a solver's
    parser can be logged and checked."""

    rule: ParsingRule = "paper"
    thinking: bool = False
    """Strip reasoning blocks first (``paper``); ``lenient`` always strips them."""

    def __post_init__(self) -> None:
        check_rule(self.rule)

    def __call__(self, reply: str, /) -> ParsedAnswer:
        if self.rule == "lenient":
            return lenient_answer(reply)
        return paper_answer(reply, self.thinking)

    def items(self, reply: str, blocks: int) -> list[ParsedAnswer]:
        """One answer per block of a single-turn reply (see :func:`parse_answer_items`)."""
        if self.rule == "lenient":
            return lenient_items(reply, blocks)
        return paper_items(reply, blocks, self.thinking)


def answer_parser(rule: ParsingRule = "paper", thinking: bool = False) -> ReplyParser:
    """The parser of ``rule``; ``thinking`` strips reasoning blocks before looking for the
    answer (``lenient`` always does). Raises ValueError for an unknown rule."""
    return ReplyParser(check_rule(rule), thinking)


def parse_answer(reply: str, rule: ParsingRule = "paper", thinking: bool = False) -> ParsedAnswer:
    """Parse a visible reply into a :class:`ParsedAnswer` by ``rule`` (see the module
    docstring)."""
    return answer_parser(rule, thinking)(reply)


def parse_answer_items(
    reply: str, blocks: int, rule: ParsingRule = "paper", thinking: bool = False
) -> list[ParsedAnswer]:
    """One :class:`ParsedAnswer` per block of a single-turn reply, in block order: item
    by item under ``paper``, all or nothing under ``lenient``."""
    return answer_parser(rule, thinking).items(reply, blocks)
