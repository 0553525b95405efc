"""The suite layout: the suite's earlier prompts, kept byte for byte (``layout=suite``).

Multi-turn, the system message holds instructions, a reply format per mode, a two-turn
worked example on a toy dictionary and the real dictionary one ``word: value`` per line.
Single-turn, one user message holds the task, the reply format, the working asked for, a
worked example, the dictionary and the words. Every example answer is computed, never typed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from long_horizon_execution.core import format_answer
from long_horizon_execution.evals.prompts_format import KEY_SEPARATOR

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


def suite_system_prompt(dictionary: Mapping[str, int], k: int, mode: str) -> str:
    """Instructions, reply format for the mode, worked example for this k, real dictionary."""
    return "\n\n".join(
        [_TASK, _REPLY_FORMAT[mode], worked_example(k, mode), dictionary_block(dictionary)]
    )


# Single-turn protocol: one user message holds the instructions, the dictionary and every key.
WORDS_HEADER = "Words:"
BLOCK_PHRASE = "After every {k} words"

_SINGLE_TURN_TASK = (
    "Below is a dictionary that maps words to integers, followed by a list of words "
    "separated by commas. Go through the list in order, look up each word's value and add "
    "it to a running total that starts at 0. Words may repeat."
)
_SINGLE_TURN_WORKING: dict[str, str] = {
    "plain": "Do not show any working: the reply is the answer tag alone.",
    "cot": (
        "Work through the words in order, one line per word, in the form "
        "'word = value; previous total + value = new total', then give the answer tag."
    ),
    "thinking": "Think it through privately; the reply is the answer tag alone.",
}
_EXAMPLE_WORDS = 6
_EXAMPLE_BLOCK = 2


def single_turn_format(k: int, steps: int) -> str:
    """The reply format: the running total after each block of k words as one list, or,
    when the task is a single block, the sum alone."""
    if k >= steps:
        return "Reply with the sum of the values of all the words, written as <answer>SUM</answer>."
    blocks = -(-steps // k)
    return (
        f"{BLOCK_PHRASE.format(k=k)}, and after the last word, note the running total. "
        f"Reply with these {blocks} running totals in order, separated by commas, inside "
        "one tag: <answer>TOTAL_1, TOTAL_2, ...</answer>."
    )


def single_turn_example(blocks: bool, mode: str) -> str:
    """A worked example on the toy dictionary, computed, in the same shape as the task."""
    rng = random.Random("single-turn-example")
    keys = [rng.choice(list(TOY_DICTIONARY)) for _ in range(_EXAMPLE_WORDS)]
    sums = [sum(TOY_DICTIONARY[key] for key in keys[: i + 1]) for i in range(len(keys))]
    if blocks:
        totals = sums[_EXAMPLE_BLOCK - 1 :: _EXAMPLE_BLOCK]
        answer = f"<answer>{', '.join(str(total) for total in totals)}</answer>"
        shape = f"(a running total after every {_EXAMPLE_BLOCK} words)"
    else:
        answer = format_answer(sums[-1])
        shape = "(the sum of all the words)"
    reply = [*working_lines(keys, TOY_DICTIONARY, 0), answer] if mode == "cot" else [answer]
    return "\n".join(
        [
            f"Example {shape}, with a made-up dictionary that is not the real one:",
            "  " + ", ".join(f"{word}: {value}" for word, value in TOY_DICTIONARY.items()),
            f"Words: {KEY_SEPARATOR.join(keys)}",
            "Reply:",
            *("  " + line for line in reply),
        ]
    )


def suite_single_turn_prompt(
    dictionary: Mapping[str, int], keys: Sequence[str], k: int, mode: str
) -> str:
    """Task, reply format, working, example, dictionary and the words."""
    blocks = k < len(keys)
    return "\n\n".join(
        [
            _SINGLE_TURN_TASK,
            single_turn_format(k, len(keys)),
            _SINGLE_TURN_WORKING[mode],
            single_turn_example(blocks, mode),
            dictionary_block(dictionary),
            f"{WORDS_HEADER}\n{KEY_SEPARATOR.join(keys)}",
        ]
    )
