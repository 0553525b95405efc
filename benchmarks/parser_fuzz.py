"""Fuzz the answer parser: generated replies must never crash it or break its rules.

    python benchmarks/parser_fuzz.py [--count 100000] [--seed 0]

Texts are built from the pieces replies are made of (answer and think tags in any case,
signs, digits, grouping commas, emphasis, brackets, white space), mixed with arbitrary
Unicode, lone surrogates, undecodable bytes and very long runs. Checked for every text:
nothing raises; the status agrees with value and content; an integer has at most
MAX_DIGITS digits; reasoning never grows the text; a closed think block in front of a
reply changes nothing; and the canonical form of every parsed integer reads back as
itself. Prints the counts and exits non-zero on any crash or broken rule.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter

from scorers.parsing import (
    MAX_DIGITS,
    format_answer,
    parse_answer,
    parse_answer_list,
    parse_integer,
    strip_reasoning,
)

PIECES = [
    "<answer>",
    "</answer>",
    "<ANSWER>",
    "</Answer>",
    "<answer >",
    "<think>",
    "</think>",
    "<THINK>",
    "-",
    "+",
    "\u2212",
    ",",
    ", ",
    ".",
    "**",
    "*",
    "_",
    "__",
    "`",
    "[",
    "]",
    " ",
    "\n",
    "\t",
    "0",
    "000",
    "1,234",
    "12,34",
    "7",
    "42",
    "-99",
    "9" * 19,
    "1" * 18,
    "9" * MAX_DIGITS,
    "1" + "0" * MAX_DIGITS,
    "\u0663",  # Arabic-Indic three: a digit to str.isdigit, not to the parser
    "\uff17",  # fullwidth seven
    "\ufffd",
    "\u0130",  # dotted capital I: lowering it yields two characters
    "\u212a",  # Kelvin sign: lowers to an ASCII k
    "\ud800",  # a lone surrogate, as a broken decoder may deliver
    "\x00",
    "total:",
    "The running total is",
]


def random_piece(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.70:
        return rng.choice(PIECES)
    if roll < 0.80:
        return str(rng.randint(-(10**20), 10**20))
    if roll < 0.90:
        return "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(1, 4)))
    if roll < 0.995:
        raw = bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 8)))
        return raw.decode("utf-8", errors="surrogateescape")
    return rng.choice(["x", "9", " ", "<answer>"]) * rng.randint(1_000, 20_000)


def near_answer(rng: random.Random) -> str:
    """A tag around something close to an integer, so every branch of the rules is hit."""
    core = "".join(
        rng.choice(["", "", "-", "+", "\u2212", " "])
        + str(rng.randint(0, 10 ** rng.randint(1, 20)))
        for _ in range(rng.choice([1, 1, 1, 2]))
    )
    if rng.random() < 0.3:
        core = f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}"
    marker = rng.choice(["", "", "**", "*", "_", "`", "__"])
    return f"<answer>{marker}{core}{marker}</answer>"


def random_text(rng: random.Random) -> str:
    pieces = [random_piece(rng) for _ in range(rng.randint(0, 12))]
    if rng.random() < 0.5:
        pieces.insert(rng.randint(0, len(pieces)), near_answer(rng))
    return "".join(pieces)


def check(text: str, rng: random.Random) -> list[str]:
    """Rules broken by ``text`` (an exception propagates: the caller counts it)."""
    broken: list[str] = []
    parsed = parse_answer(text)
    if parsed.status == "int":
        if parsed.value is None or parsed.content is None:
            broken.append("int without value or content")
        elif len(str(abs(parsed.value))) > MAX_DIGITS:
            broken.append(f"integer longer than {MAX_DIGITS} digits")
        elif parse_answer(format_answer(parsed.value)).value != parsed.value:
            broken.append("canonical form does not read back")
    elif parsed.status == "invalid":
        if parsed.value is not None or parsed.content is None:
            broken.append("invalid with a value or without content")
        elif parse_integer(parsed.content) is not None:
            broken.append("invalid content that parse_integer accepts")
    elif parsed.status == "no_answer":
        if parsed.value is not None or parsed.content is not None:
            broken.append("no_answer with a value or content")
    else:
        broken.append(f"unknown status {parsed.status!r}")
    if len(strip_reasoning(text)) > len(text):
        broken.append("strip_reasoning grew the text")
    if "think" not in text.lower():
        hidden = random_text(rng).replace("think", "")
        if parse_answer(f"<think>{hidden}</think>{text}") != parsed:
            broken.append("a closed think block changed the answer")
    listed = parse_answer_list(text)
    if (listed.status == "int") != (listed.values is not None):
        broken.append("list status disagrees with values")
    return broken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    crashes: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    characters = 0
    started = time.perf_counter()
    for _ in range(args.count):
        text = random_text(rng)
        characters += len(text)
        try:
            for rule in check(text, rng):
                broken[rule] += 1
            statuses[parse_answer(text).status] += 1
        except Exception as error:  # the point of the exercise: count, do not stop
            crashes[f"{type(error).__name__}: {error}"[:120]] += 1
    elapsed = time.perf_counter() - started
    print(f"texts: {args.count:,} ({characters:,} characters, seed {args.seed})")
    print(f"statuses: {dict(statuses)}")
    print(f"crashes: {sum(crashes.values())}")
    for message, count in crashes.most_common(5):
        print(f"  {count} x {message}")
    print(f"broken rules: {sum(broken.values())}")
    for rule, count in broken.most_common(5):
        print(f"  {count} x {rule}")
    print(f"rate: {args.count / elapsed:,.0f} texts/s")
    return 1 if crashes or broken else 0


if __name__ == "__main__":
    sys.exit(main())
