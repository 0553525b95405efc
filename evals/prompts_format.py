"""What both prompt layouts share: the modes and layouts a prompt can have, how a turn's
keys are written and read back, and how a chain-of-thought reply joins its working to its
answer. The layouts (``prompts_paper``, ``prompts_suite``) and the prompts built from them
(``prompts``) import it; it imports neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

Mode = Literal["plain", "cot", "thinking"]
MODES: tuple[str, ...] = get_args(Mode)
Layout = Literal["paper", "suite"]
LAYOUTS: tuple[str, ...] = get_args(Layout)
DEFAULT_LAYOUT: Layout = "paper"
KEY_SEPARATOR = ", "


def turn_text(keys: Sequence[str]) -> str:
    return KEY_SEPARATOR.join(keys)


def turn_keys(text: str) -> list[str]:
    """The keys of a user turn in either layout: its last line, split at commas."""
    last = text.rsplit("\n", 1)[-1]
    return [key.strip() for key in last.split(KEY_SEPARATOR.strip()) if key.strip()]


def cot_reply(working: Sequence[str], answer: str, layout: str = DEFAULT_LAYOUT) -> str:
    """A chain-of-thought reply: the working, then the answer tag (on the working's line in
    the paper layout, on a line of its own in the suite's)."""
    return (" " if layout == "paper" else "\n").join([*working, answer])
