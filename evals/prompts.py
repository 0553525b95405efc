"""The prompts, in two layouts.

``paper`` (the default) has the structure of the authors' prompts, in the suite's own
words. Multi-turn, the system message holds instructions, a worked example on a toy
dictionary whose turns have the task's K keys, the real dictionary on one line in Python
mapping notation, then a closing line that restates the answer format; in cot mode every
user turn starts with a reminder to work step by step before its keys. Single-turn, one
user message holds instructions, worked examples for the task's K, the dictionary, the
words as a Python list and a closing line that restates the answer format. Thinking mode
uses the plain prompts (the authors' thinking runs did), with the provider's reasoning on.

``suite`` keeps the suite's earlier prompts byte for byte: instructions, a reply format
per mode, a two-turn worked example and the dictionary one ``word: value`` per line.

The system message is identical on every turn of a sample, so providers' prefix caches hit.
Every example answer is computed, never typed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from long_horizon_execution.core import format_answer

Mode = Literal["plain", "cot", "thinking"]
MODES: tuple[str, ...] = get_args(Mode)
Layout = Literal["paper", "suite"]
LAYOUTS: tuple[str, ...] = get_args(Layout)
DEFAULT_LAYOUT: Layout = "paper"
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


def _check(mode: str, layout: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")


def system_prompt(
    dictionary: Mapping[str, int], k: int, mode: str, layout: str = DEFAULT_LAYOUT
) -> str:
    """The multi-turn system message. ``paper``: instructions, worked example for this k,
    real dictionary, closing format line. ``suite``: instructions, reply format for the
    mode, worked example for this k, real dictionary."""
    _check(mode, layout)
    if layout == "paper":
        return paper_system_prompt(dictionary, k, mode)
    return "\n\n".join(
        [_TASK, _REPLY_FORMAT[mode], worked_example(k, mode), dictionary_block(dictionary)]
    )


def turn_text(keys: Sequence[str]) -> str:
    return KEY_SEPARATOR.join(keys)


def turn_reminder(mode: str, layout: str = DEFAULT_LAYOUT) -> str:
    """What every user turn carries before its keys: the paper layout's cot reminder, or
    nothing (plain and thinking, and every mode of the suite layout)."""
    _check(mode, layout)
    return PAPER_COT_REMINDER if layout == "paper" and mode == "cot" else ""


def user_text(keys: Sequence[str], mode: str, layout: str = DEFAULT_LAYOUT) -> str:
    """A turn's whole user message: the reminder (if any), then the keys on the last line."""
    return turn_reminder(mode, layout) + turn_text(keys)


def turn_keys(text: str) -> list[str]:
    """The keys of a user turn in either layout: its last line, split at commas."""
    last = text.rsplit("\n", 1)[-1]
    return [key.strip() for key in last.split(KEY_SEPARATOR.strip()) if key.strip()]


def cot_working(
    keys: Sequence[str], dictionary: Mapping[str, int], start: int, layout: str = DEFAULT_LAYOUT
) -> list[str]:
    """The visible working of a chain-of-thought reply for one turn, as the layout's
    example writes it: one line per key (suite), or one line for the turn (paper)."""
    if layout == "paper":
        return [paper_working(keys, dictionary, start)]
    return working_lines(keys, dictionary, start)


def cot_reply(working: Sequence[str], answer: str, layout: str = DEFAULT_LAYOUT) -> str:
    """A chain-of-thought reply: the working, then the answer tag (on the working's line in
    the paper layout, on a line of its own in the suite's)."""
    return (" " if layout == "paper" else "\n").join([*working, answer])


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


def single_turn_prompt(
    dictionary: Mapping[str, int],
    keys: Sequence[str],
    k: int,
    mode: str,
    layout: str = DEFAULT_LAYOUT,
) -> str:
    """The one user message of the single-turn protocol (reported per block of k, or as one
    sum when k covers all). ``paper``: instructions, examples for this k, dictionary, the
    words, closing format line. ``suite``: task, reply format, working, example,
    dictionary and the words."""
    _check(mode, layout)
    if layout == "paper":
        return paper_single_turn_prompt(dictionary, keys, k, mode)
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


# The paper layout. Its structure, order, notation and rules follow the authors' prompts
# (src/experiments/dict_sum/exp.py in their repository); every sentence and all example
# data are the suite's own, and every example answer is computed for the task's K.

PAPER_TOY_DICTIONARY = {"oak": 6, "elm": -2, "fir": 0, "ash": 11, "yew": -8, "bay": 3}
"""Six toy entries, one of them zero, like the authors' examples; words shorter than five
letters, so they never collide with a real key."""
PAPER_EXAMPLE_ORDER = ("elm", "ash", "fir", "oak", "yew", "bay")
"""The order in which examples send the toy words, cycled when an example needs more."""
PAPER_EXAMPLE_KEYS = 6
"""Keys a multi-turn example sends at the least: six turns of one key at K = 1."""
PAPER_DICTIONARY_HEADER = "The dictionary for the task:"
PAPER_WORDS_HEADER = "Words: "
PAPER_COT_PHRASE = "step by step"
"""Said in every chain-of-thought instruction of the paper layout, never in another."""
PAPER_BLOCK_PHRASE = "report the total after every {k} words"
PAPER_EACH_WORD_PHRASE = "report the total after every word"
PAPER_COT_REMINDER = (
    f"Work this turn out {PAPER_COT_PHRASE} in writing, then give the new running total "
    "between <answer> and </answer>, with only the number inside the tags.\n\n"
    "This turn's words:\n"
)


def python_mapping(dictionary: Mapping[str, int]) -> str:
    """The dictionary on one line in Python mapping notation (``repr``, insertion order)."""
    return repr(dict(dictionary))


def _cycled(order: Sequence[str], count: int) -> list[str]:
    return [order[i % len(order)] for i in range(count)]


def _signed(value: int) -> str:
    return f"- {-value}" if value < 0 else f"+ {value}"


def paper_working(
    keys: Sequence[str], dictionary: Mapping[str, int], start: int, total: int | None = None
) -> str:
    """One turn's working on one line: each key's value, then the addition from ``start``
    (ending at ``total`` when given, e.g. a history showing an induced error)."""
    return working_sentence(keys, [dictionary[key] for key in keys], start, total)


def working_sentence(
    keys: Sequence[str], values: Sequence[int], start: int, total: int | None = None
) -> str:
    """:func:`paper_working` with each key's value given by position (a key met twice may
    be misread differently each time)."""
    end = start + sum(values) if total is None else total
    lookups = [f"{key} is {value}" for key, value in zip(keys, values, strict=True)]
    named = lookups[0] if len(lookups) == 1 else f"{', '.join(lookups[:-1])} and {lookups[-1]}"
    addition = " ".join([str(start), *(_signed(value) for value in values)])
    return f"{named}, so {addition} = {end}."


def _paper_instructions(k: int, mode: str) -> str:
    words = "one word from it" if k == 1 else f"{k} words from it, separated by commas"
    lookup = "Look up its value and add it" if k == 1 else "Look up their values and add them"
    reply = (
        f"write out your working {PAPER_COT_PHRASE} (the value of each word, then the "
        "addition) and end with the updated total between <answer> and </answer>."
        if mode == "cot"
        else "reply with the updated total between <answer> and </answer>."
    )
    return (
        "In this conversation you keep a running total. Below is a dictionary that gives "
        f"each word an integer value. In every turn I will send you {words}. {lookup} to "
        "the total, which starts at 0 and carries over from one turn to the next. After "
        f"each turn, {reply}"
    )


def paper_example(k: int, mode: str) -> str:
    """The worked example: turns of exactly k toy keys (six turns at k = 1, at least two
    otherwise), each reply as the mode asks, with totals computed."""
    turns = max(2, -(-PAPER_EXAMPLE_KEYS // k))
    keys = _cycled(PAPER_EXAMPLE_ORDER, turns * k)
    per_turn = "one word" if k == 1 else f"{k} words"
    lines = [
        f"Worked example with {per_turn} per turn, on a small dictionary that is not the one "
        "for the task:",
        python_mapping(PAPER_TOY_DICTIONARY),
    ]
    total = 0
    for start in range(0, len(keys), k):
        turn = keys[start : start + k]
        after = total + sum(PAPER_TOY_DICTIONARY[key] for key in turn)
        working = paper_working(turn, PAPER_TOY_DICTIONARY, total)
        answer = format_answer(after)
        reply = cot_reply([working], answer, "paper") if mode == "cot" else answer
        lines += ["", f"User: {turn_text(turn)}", f"Assistant: {reply}"]
        total = after
    return "\n".join(lines)


def _paper_closing(mode: str) -> str:
    if mode == "cot":
        return (
            f"For every turn, show your working {PAPER_COT_PHRASE} first, then give the "
            "running total of all the words so far between <answer> and </answer>; put "
            "nothing but that number inside the tags."
        )
    return (
        "Reply to every turn with the running total of all the words so far between "
        "<answer> and </answer>, and with nothing else: no working, no other text."
    )


def paper_system_prompt(dictionary: Mapping[str, int], k: int, mode: str) -> str:
    """Instructions, worked example for this k, real dictionary, closing format line."""
    return "\n\n".join(
        [
            _paper_instructions(k, mode),
            paper_example(k, mode),
            f"{PAPER_DICTIONARY_HEADER}\n{python_mapping(dictionary)}",
            _paper_closing(mode),
        ]
    )


def _paper_single_instructions(k: int, steps: int, mode: str) -> str:
    if k >= steps:
        task = (
            "Your task is to add up the values of a list of words. Below are a dictionary "
            "that gives each word an integer value and a list of words. Add up the values "
            "of all the words in the list."
        )
        shape = "The reply holds the sum, one integer, inside one pair of <answer></answer> tags."
        inside = "only the sum goes inside them"
    else:
        every = PAPER_EACH_WORD_PHRASE if k == 1 else PAPER_BLOCK_PHRASE.format(k=k)
        shorter = "" if k == 1 else " (and after the last word, if the last group is shorter)"
        task = (
            "Your task is to keep a running total over a list of words. Below are a "
            "dictionary that gives each word an integer value and a list of words. Go "
            "through the list in order, adding each word's value to a total that starts "
            f"at 0, and {every}{shorter}."
        )
        shape = (
            "The reply holds these totals in order on one line, separated by commas, "
            "inside one pair of <answer></answer> tags."
        )
        inside = "only the totals go inside them"
    working = (
        f"Write out your working {PAPER_COT_PHRASE} before the tags; {inside}."
        if mode == "cot"
        else "Write nothing outside the tags."
    )
    return f"{task} Do not write or run code and do not use any tools. {shape} {working}"


def _paper_single_example(number: int, keys: list[str], k: int | None) -> str:
    """Example ``number``: its words and the reply, totals after every k words (None: the
    sum alone)."""
    sums = [sum(PAPER_TOY_DICTIONARY[key] for key in keys[: i + 1]) for i in range(len(keys))]
    if k is None:
        shown, what = [sums[-1]], "the sum"
    else:
        ends = [*range(k - 1, len(keys) - 1, k), len(keys) - 1]
        shown = [sums[end] for end in ends]
        what = "a total after every word" if k == 1 else f"a total after every {k} words"
    answer = f"<answer>{','.join(str(value) for value in shown)}</answer>"
    return f"Example {number}:\n{PAPER_WORDS_HEADER}{keys!r}\nReply ({what}): {answer}"


def paper_single_turn_examples(k: int, steps: int) -> str:
    """Two worked examples in the task's shape: totals after every k toy words (two groups,
    then two groups and a shorter one), or, when the task is one group, a sum."""
    block: int | None = k
    if k >= steps:
        sizes, block = (4, 7), None
    elif k == 1:
        sizes = (4, 6)
    else:
        sizes = (2 * k, 2 * k + -(-k // 2))
    orders = (PAPER_EXAMPLE_ORDER, tuple(reversed(PAPER_EXAMPLE_ORDER)))
    examples = [
        _paper_single_example(number, _cycled(order, size), block)
        for number, (order, size) in enumerate(zip(orders, sizes, strict=True), start=1)
    ]
    header = (
        "Examples, on a small dictionary that is not the one for the task: "
        f"{python_mapping(PAPER_TOY_DICTIONARY)}"
    )
    return "\n\n".join([header, *examples])


def _paper_single_closing(k: int, steps: int, mode: str) -> str:
    working = "your working, then " if mode == "cot" else ""
    if k >= steps:
        return (
            f"Your reply: {working}the sum of all the words, one integer in one "
            "<answer></answer> pair."
        )
    blocks = -(-steps // k)
    return (
        f"Your reply: {working}the {blocks} totals in order, separated by commas, in one "
        "<answer></answer> pair."
    )


def paper_single_turn_prompt(
    dictionary: Mapping[str, int], keys: Sequence[str], k: int, mode: str
) -> str:
    """Instructions, examples for this k, the dictionary, the words as a Python list and a
    closing line restating the answer format (the last thing the model reads)."""
    steps = len(keys)
    return "\n\n".join(
        [
            _paper_single_instructions(k, steps, mode),
            paper_single_turn_examples(k, steps),
            f"{PAPER_DICTIONARY_HEADER}\n{python_mapping(dictionary)}",
            f"{PAPER_WORDS_HEADER}{list(keys)!r}\n{_paper_single_closing(k, steps, mode)}",
        ]
    )
