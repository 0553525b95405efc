"""Fuzz the answer parsers: generated replies must never crash them or break their rules.

    python benchmarks/parser_fuzz.py [--count 100000] [--seed 0]

Texts are built from the pieces replies are made of (answer and think tags in any case,
signs, digits of several scripts, grouping commas and underscores, emphasis, brackets,
white space), mixed with arbitrary Unicode, lone surrogates, undecodable bytes and very
long runs. Both rules (``paper``, with and without thinking, and ``lenient``) are checked
on every text: nothing raises; the status agrees with value and content; an integer has
at most MAX_DIGITS digits; the canonical form of every parsed integer reads back as
itself; removing reasoning never grows the text; a closed think block in front of a reply
changes nothing where the rule strips it; every block of a single-turn list gets one
answer. Under ``paper`` the answer is also what ``int()`` makes of the stripped content,
wherever ``int()`` itself can read the number. Prints the counts per rule and exits
non-zero on any crash or broken rule.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter

from long_horizon_execution.core import (
    MAX_DIGITS,
    ParsedAnswer,
    ReplyParser,
    answer_parser,
    format_answer,
    paper_integer,
    parse_answer_list,
    parse_integer,
    strip_reasoning,
    strip_think_blocks,
)

PARSERS: dict[str, ReplyParser] = {
    "paper": answer_parser("paper"),
    "paper+thinking": answer_parser("paper", thinking=True),
    "lenient": answer_parser("lenient"),
}
INT_DIGITS = 4300
"""Python's default ``int_max_str_digits``: past it ``int()`` refuses what the parser reads."""

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
    "1_234",
    "1__2",
    "_",
    "7",
    "42",
    "-99",
    "9" * 19,
    "1" * 18,
    "9" * MAX_DIGITS,
    "1" + "0" * MAX_DIGITS,
    "\u0663",  # Arabic-Indic three: a digit to int() and the paper rule, not to lenient
    "\uff17",  # fullwidth seven
    "\u00b2",  # superscript two: str.isdigit, yet no decimal digit
    "\x1f",  # white space to str.strip, not to int()
    "\xa0",
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
    if rng.random() < 0.2:
        core = f"{rng.randint(1, 999)}_{rng.randint(0, 999):03d}"
    marker = rng.choice(["", "", "**", "*", "_", "`", "__"])
    return f"<answer>{marker}{core}{marker}</answer>"


def random_text(rng: random.Random) -> str:
    pieces = [random_piece(rng) for _ in range(rng.randint(0, 12))]
    if rng.random() < 0.5:
        pieces.insert(rng.randint(0, len(pieces)), near_answer(rng))
    return "".join(pieces)


def check_answer(name: str, parser: ReplyParser, text: str, parsed: ParsedAnswer) -> list[str]:
    """Rules every parser keeps for one text's parsed answer."""
    broken: list[str] = []
    if parsed.status == "int":
        if parsed.value is None or parsed.content is None:
            broken.append("int without value or content")
        elif len(str(abs(parsed.value))) > MAX_DIGITS:
            broken.append(f"integer longer than {MAX_DIGITS} digits")
        elif parser(format_answer(parsed.value)).value != parsed.value:
            broken.append("canonical form does not read back")
    elif parsed.status == "invalid":
        if parsed.value is not None or parsed.content is None:
            broken.append("invalid with a value or without content")
        elif parser.rule == "lenient" and parse_integer(parsed.content) is not None:
            broken.append("invalid content that parse_integer accepts")
        elif parser.rule == "paper" and paper_integer(parsed.content) is not None:
            broken.append("invalid content that paper_integer accepts")
    elif parsed.status == "no_answer":
        if parsed.value is not None or parsed.content is not None:
            broken.append("no_answer with a value or content")
    else:
        broken.append(f"unknown status {parsed.status!r}")
    if parser.rule == "paper" and parsed.content is not None:
        stripped = parsed.content.strip()
        if sum(c.isdecimal() for c in stripped) <= INT_DIGITS:
            try:
                expected: int | None = int(stripped)
            except ValueError:
                expected = None
            if expected is not None and len(str(abs(expected))) > MAX_DIGITS:
                expected = None
            if parsed.value != expected:
                broken.append("paper answer is not what int() reads")
    return [f"{name}: {rule}" for rule in broken]


def check(text: str, rng: random.Random) -> tuple[list[str], dict[str, str]]:
    """Rules broken by ``text`` and each parser's status (an exception propagates: the
    caller counts it)."""
    broken: list[str] = []
    statuses: dict[str, str] = {}
    for name, parser in PARSERS.items():
        parsed = parser(text)
        statuses[name] = parsed.status
        broken += check_answer(name, parser, text, parsed)
        blocks = rng.randint(0, 4)
        items = parser.items(text, blocks)
        if len(items) != blocks or any(item.is_int != (item.value is not None) for item in items):
            broken.append(f"{name}: list items disagree with the blocks or their values")
    if len(strip_reasoning(text)) > len(text):
        broken.append("strip_reasoning grew the text")
    if len(strip_think_blocks(text)) > len(text):
        broken.append("strip_think_blocks grew the text")
    if "<think>" not in text and PARSERS["paper+thinking"](text) != PARSERS["paper"](text):
        broken.append("paper: thinking changed a reply without think blocks")
    hidden = random_text(rng).replace("think", "")
    if "think" not in text.lower():
        if PARSERS["lenient"](f"<think>{hidden}</think>{text}") != PARSERS["lenient"](text):
            broken.append("lenient: a closed think block changed the answer")
    # ``hidden`` holds no think tag, so the block in front closes where it should
    shielded = f"<think>{hidden}</think>{text}"
    if PARSERS["paper+thinking"](shielded) != PARSERS["paper+thinking"](text):
        broken.append("paper+thinking: a closed think block changed the answer")
    if "<answer>" not in hidden and PARSERS["paper"](shielded) != PARSERS["paper"](text):
        broken.append("paper: a think block without an answer tag changed the answer")
    listed = parse_answer_list(text)
    if (listed.status == "int") != (listed.values is not None):
        broken.append("list status disagrees with values")
    return broken, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    crashes: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    statuses: dict[str, Counter[str]] = {name: Counter() for name in PARSERS}
    characters = 0
    started = time.perf_counter()
    for _ in range(args.count):
        text = random_text(rng)
        characters += len(text)
        try:
            rules, found = check(text, rng)
            for rule in rules:
                broken[rule] += 1
            for name, status in found.items():
                statuses[name][status] += 1
        except Exception as error:  # the point of the exercise: count, do not stop
            crashes[f"{type(error).__name__}: {error}"[:120]] += 1
    elapsed = time.perf_counter() - started
    print(f"texts: {args.count:,} ({characters:,} characters, seed {args.seed})")
    for name, counts in statuses.items():
        print(f"statuses ({name}): {dict(counts)}")
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
