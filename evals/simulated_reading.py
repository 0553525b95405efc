"""How the simulated executor reads a conversation, as any model would: the dictionary
from the system message, the keys from the user turns, its previous total from the last
answer its history shows. It never sees sample metadata or targets.

It reads both prompt layouts: the paper's (``prompts_paper``: the dictionary one line in
Python mapping notation after its header, a user turn's keys on its last line, the words of
a single-turn prompt as a Python list) and the suite's (``prompts_suite``: ``word: value``
lines after ``Dictionary:``), and single-turn prompts (dictionary and all words in one user
message) with the block size they ask totals for.
"""

from __future__ import annotations

import ast
import re
import sys
from functools import lru_cache
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageSystem, ChatMessageUser
from pydantic import BaseModel

from long_horizon_execution.core import parse_answer
from long_horizon_execution.evals.dataset import MAX_VALUE_DIGITS, value_too_long
from long_horizon_execution.evals.prompts_format import KEY_SEPARATOR, turn_keys
from long_horizon_execution.evals.prompts_paper import (
    PAPER_BLOCK_PHRASE,
    PAPER_COT_PHRASE,
    PAPER_DICTIONARY_HEADER,
    PAPER_EACH_WORD_PHRASE,
    PAPER_WORDS_HEADER,
)
from long_horizon_execution.evals.prompts_suite import BLOCK_PHRASE, DICTIONARY_HEADER, WORDS_HEADER

_ENTRY = re.compile(rf"^\s*([A-Za-z]+): (-?\d{{1,{MAX_VALUE_DIGITS}}})\s*$", re.MULTILINE)
"""A ``word: value`` line; a value longer than the suite allows is not read."""
_COT_MARKER = "previous total + value = new total"
_BLOCK = re.compile(re.escape(BLOCK_PHRASE).replace(re.escape("{k}"), r"(\d+)"))
_PAPER_BLOCK = re.compile(re.escape(PAPER_BLOCK_PHRASE).replace(re.escape("{k}"), r"(\d+)"))
_PAPER_WORDS = f"\n{PAPER_WORDS_HEADER}["


class Conversation(BaseModel):
    """What the simulated executor reads from the messages."""

    dictionary: dict[str, int]
    turns: list[list[str]]
    """Keys of every user turn, the current one last."""
    shown_answers: list[int | None]
    """The integer each earlier assistant turn shows, None where it shows none."""
    cot: bool
    single_turn: bool = False
    """A single-turn prompt: dictionary and every word in one user message."""
    block: int | None = None
    """Single-turn: report a total after every ``block`` words (None: one sum; 0 cannot be
    followed)."""
    layout: str = "suite"
    """The prompt layout read (``paper`` or ``suite``); cot working is written in its style."""


def readable(conversation: Conversation) -> bool:
    """Whether there is something to add: a dictionary, words in the last user turn and a
    block size that can be followed."""
    keys = conversation.turns[-1] if conversation.turns else []
    return bool(conversation.dictionary) and bool(keys) and conversation.block != 0


def _block_size(digits: str) -> int | None:
    """A block size as written; one longer than any list of words means one sum."""
    return int(digits) if len(digits) <= 9 else None


def _single_turn_prompt(messages: list[ChatMessage]) -> str | None:
    users = [m.text for m in messages if isinstance(m, ChatMessageUser)]
    if len(users) != 1 or any(isinstance(m, ChatMessageSystem) for m in messages):
        return None
    text = users[0]
    if PAPER_DICTIONARY_HEADER in text and _PAPER_WORDS in text:
        return text
    if DICTIONARY_HEADER in text and WORDS_HEADER in text:
        return text
    return None


def _line_after(text: str, header: str) -> str:
    """The rest of the line that starts at the last ``header`` (the line after it when the
    header ends its own line)."""
    start = text.rfind(header) + len(header)
    if text.startswith("\n", start):
        start += 1
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def python_literal(text: str) -> Any:
    """A Python literal as a model would read it (a mapping or a list of words)."""
    try:
        return ast.literal_eval(text.strip())
    except (SyntaxError, ValueError):
        return None


def paper_dictionary(text: str) -> dict[str, int]:
    """The dictionary of a paper-layout prompt: the mapping on the line after the last
    dictionary header (the worked example's comes before it)."""
    mapping = python_literal(_line_after(text, PAPER_DICTIONARY_HEADER))
    if not isinstance(mapping, dict):
        return {}
    return {
        str(word): value
        for word, value in mapping.items()
        if isinstance(value, int) and not isinstance(value, bool) and not value_too_long(value)
    }


def read_paper_single_turn(text: str) -> Conversation:
    """The dictionary, words and block size of a paper-layout single-turn prompt."""
    words_at = text.rfind(_PAPER_WORDS) + len(_PAPER_WORDS) - 1  # at the list's "["
    listed = python_literal(text[words_at:].split("\n", 1)[0])
    keys = [str(key) for key in listed] if isinstance(listed, list) else []
    instructions = text.split("\n\n", 1)[0]
    block = _PAPER_BLOCK.search(instructions)
    every: int | None = None  # one sum
    if block:
        every = _block_size(block.group(1))
    elif PAPER_EACH_WORD_PHRASE in instructions:
        every = 1
    return Conversation(
        dictionary=paper_dictionary(text),
        turns=[keys],
        shown_answers=[],
        cot=PAPER_COT_PHRASE in instructions,
        single_turn=True,
        block=every,
        layout="paper",
    )


def read_single_turn(text: str) -> Conversation:
    """The dictionary, words and block size of a single-turn prompt (either layout)."""
    if PAPER_DICTIONARY_HEADER in text:
        return read_paper_single_turn(text)
    header = text.rfind(DICTIONARY_HEADER)
    words_at = text.rfind(WORDS_HEADER)
    dictionary = {word: int(value) for word, value in _ENTRY.findall(text[header:words_at])}
    listed = text[words_at + len(WORDS_HEADER) :]
    keys = [key.strip() for key in listed.split(KEY_SEPARATOR.strip()) if key.strip()]
    block = _BLOCK.search(text)
    return Conversation(
        dictionary=dictionary,
        turns=[keys],
        shown_answers=[],
        cot=_COT_MARKER in text,
        single_turn=True,
        block=_block_size(block.group(1)) if block else None,
    )


# Every turn re-reads the whole conversation, as a model would. Reading one message's text
# is memoised, so a turn costs a lookup per earlier message instead of a parse.
_MEMO = 1 << 16


@lru_cache(maxsize=64)
def _system_dictionary(system: str) -> tuple[tuple[str, int], ...]:
    if PAPER_DICTIONARY_HEADER in system:
        return tuple(paper_dictionary(system).items())
    header = system.rfind(DICTIONARY_HEADER)
    dictionary_text = system[header:] if header >= 0 else system
    return tuple((word, int(value)) for word, value in _ENTRY.findall(dictionary_text))


def system_dictionary(system: str) -> dict[str, int]:
    """The dictionary a multi-turn system message gives, in either layout (read as the
    executor reads it; the report reads it so from a log's first message)."""
    return dict(_system_dictionary(system))


def system_layout(system: str) -> tuple[str, bool]:
    """The layout of a multi-turn system message and whether it asks for working (cot)."""
    if PAPER_DICTIONARY_HEADER in system:
        return "paper", PAPER_COT_PHRASE in system
    return "suite", _COT_MARKER in system


@lru_cache(maxsize=_MEMO)
def _turn_keys(text: str) -> tuple[str, ...]:
    # Interned: a memo full of turns with many keys holds each word once, not once a key.
    return tuple(sys.intern(key) for key in turn_keys(text))


@lru_cache(maxsize=_MEMO)
def _shown_value(text: str) -> int | None:
    return parse_answer(text).value


def read_conversation(messages: list[ChatMessage]) -> Conversation:
    single = _single_turn_prompt(messages)
    if single is not None:
        return read_single_turn(single)
    system = "\n".join(m.text for m in messages if isinstance(m, ChatMessageSystem))
    dictionary = dict(_system_dictionary(system))
    turns = [list(_turn_keys(m.text)) for m in messages if isinstance(m, ChatMessageUser)]
    shown = [_shown_value(m.text) for m in messages if isinstance(m, ChatMessageAssistant)]
    layout, cot = system_layout(system)
    # Built from parsed parts, so validation (linear in the history) is skipped.
    return Conversation.model_construct(
        dictionary=dictionary, turns=turns, shown_answers=shown, cot=cot, layout=layout
    )
