"""The suite's prompts: the system message (instructions, a worked example on a toy
dictionary that follows the task's K, the real dictionary) and each turn's user text.

The system message is identical on every turn of a sample, so providers' prefix caches hit.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from scorers.parsing import format_answer

Mode = Literal["plain", "cot", "thinking"]
MODES: tuple[str, ...] = get_args(Mode)
KEY_SEPARATOR = ", "
DICTIONARY_HEADER = "Dictionary:"

# Toy words are shorter than five letters, so they can never collide with a real key.
TOY_DICTIONARY = {"kiwi": 4, "plum": -7, "lime": 12, "pear": -3, "fig": 9, "yam": -11}
EXAMPLE_TURNS = 2

_TASK = (
    "You will keep a running total over many turns.\n\n"
    "At the end of this message is a dictionary that maps words to integers. Each turn, "
    "the user sends one or more words from it, separated by commas. Look up each word's "
    "value and add it to the running total. The total starts at 0 and carries over from "
    "turn to turn: after every turn it is the sum of the values of all words sent so far, "
    "in this turn and all earlier ones. Words may repeat."
)

_REPLY_FORMAT: dict[str, str] = {
    "plain": (
        "Reply with the new running total and nothing else, written as "
        "<answer>TOTAL</answer>. Do not show any working."
    ),
    "cot": (
        "Work through the turn's words in order, one line per word, in the form "
        "'word = value; previous total + value = new total'. Then give the new running "
        "total as <answer>TOTAL</answer>."
    ),
    "thinking": (
        "Think it through privately, then reply with the new running total only, written as "
        "<answer>TOTAL</answer>."
    ),
}


def working_lines(keys: Sequence[str], dictionary: Mapping[str, int], start: int) -> list[str]:
    """The step-by-step working a chain-of-thought reply writes for one turn."""
    lines, total = [], start
    for key in keys:
        value = dictionary[key]
        lines.append(f"{key} = {value}; {total} + {value} = {total + value}")
        total += value
    return lines


def example_reply(keys: Sequence[str], dictionary: Mapping[str, int], start: int, mode: str) -> str:
    total = start + sum(dictionary[key] for key in keys)
    if mode == "cot":
        return "\n".join([*working_lines(keys, dictionary, start), format_answer(total)])
    return format_answer(total)


def worked_example(k: int, mode: str) -> str:
    """Two example turns of exactly k toy keys each, with answers computed, not typed."""
    rng = random.Random(f"worked-example-{k}")
    words = list(TOY_DICTIONARY)
    lines = [
        "Example, with a made-up dictionary that is not the real one:",
        "  " + ", ".join(f"{word}: {value}" for word, value in TOY_DICTIONARY.items()),
    ]
    total = 0
    for turn in range(1, EXAMPLE_TURNS + 1):
        keys = [rng.choice(words) for _ in range(k)]
        reply = example_reply(keys, TOY_DICTIONARY, total, mode)
        total += sum(TOY_DICTIONARY[key] for key in keys)
        lines.append(f"Turn {turn}, the user sends: {KEY_SEPARATOR.join(keys)}")
        lines.append("You reply:")
        lines.extend("  " + line for line in reply.splitlines())
    return "\n".join(lines)


def dictionary_block(dictionary: Mapping[str, int]) -> str:
    return "\n".join(
        [DICTIONARY_HEADER, *(f"{word}: {value}" for word, value in dictionary.items())]
    )


def system_prompt(dictionary: Mapping[str, int], k: int, mode: str) -> str:
    """Instructions, reply format for the mode, worked example for this k, real dictionary."""
    if mode not in _REPLY_FORMAT:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return "\n\n".join(
        [_TASK, _REPLY_FORMAT[mode], worked_example(k, mode), dictionary_block(dictionary)]
    )


def turn_text(keys: Sequence[str]) -> str:
    return KEY_SEPARATOR.join(keys)
