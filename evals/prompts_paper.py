"""The paper layout, the default (``layout=paper``): the structure of the authors' prompts
in the suite's own words.

Its structure, order, notation and rules follow the authors' prompts
(src/experiments/dict_sum/exp.py in their repository); every sentence and all example data
are the suite's own, and every example answer is computed for the task's K. Multi-turn, the
system message holds instructions, a worked example on a toy dictionary whose turns have the
task's K keys, the real dictionary on one line in Python mapping notation, then a closing
line that restates the answer format; in cot mode every user turn starts with
:data:`PAPER_COT_REMINDER`. Single-turn, one user message holds instructions, worked
examples for the task's K, the dictionary, the words as a Python list and a closing line
that restates the answer format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from long_horizon_execution.core import format_answer
from long_horizon_execution.evals.prompts_format import cot_reply, turn_text

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
