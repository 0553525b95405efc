"""The prompts, in two layouts: what a task sends, for a mode and a layout.

``paper`` (the default, ``prompts_paper``) has the structure of the authors' prompts, in
the suite's own words: the system message holds instructions, a worked example for the
task's K, the real dictionary in Python mapping notation and a closing line restating the
answer format; in cot mode every user turn starts with a reminder to work step by step.
Thinking mode uses the plain prompts (the authors' thinking runs did), with the provider's
reasoning on.

``suite`` (``prompts_suite``) keeps the suite's earlier prompts byte for byte: instructions,
a reply format per mode, a two-turn worked example and the dictionary one ``word: value``
per line.

The system message is identical on every turn of a sample, so providers' prefix caches hit.
Every example answer is computed, never typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from long_horizon_execution.evals.prompts_format import (
    DEFAULT_LAYOUT,
    LAYOUTS,
    MODES,
    turn_text,
)
from long_horizon_execution.evals.prompts_paper import (
    PAPER_COT_REMINDER,
    paper_single_turn_prompt,
    paper_system_prompt,
    paper_working,
)
from long_horizon_execution.evals.prompts_suite import (
    suite_single_turn_prompt,
    suite_system_prompt,
    working_lines,
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
    return suite_system_prompt(dictionary, k, mode)


def turn_reminder(mode: str, layout: str = DEFAULT_LAYOUT) -> str:
    """What every user turn carries before its keys: the paper layout's cot reminder, or
    nothing (plain and thinking, and every mode of the suite layout)."""
    _check(mode, layout)
    return PAPER_COT_REMINDER if layout == "paper" and mode == "cot" else ""


def user_text(keys: Sequence[str], mode: str, layout: str = DEFAULT_LAYOUT) -> str:
    """A turn's whole user message: the reminder (if any), then the keys on the last line."""
    return turn_reminder(mode, layout) + turn_text(keys)


def cot_working(
    keys: Sequence[str], dictionary: Mapping[str, int], start: int, layout: str = DEFAULT_LAYOUT
) -> list[str]:
    """The visible working of a chain-of-thought reply for one turn, as the layout's
    example writes it: one line per key (suite), or one line for the turn (paper)."""
    if layout == "paper":
        return [paper_working(keys, dictionary, start)]
    return working_lines(keys, dictionary, start)


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
    return suite_single_turn_prompt(dictionary, keys, k, mode)
