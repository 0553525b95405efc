"""Turn progress in Inspect's task display.

Inspect's progress bar moves when a sample finishes, so a run of long conversations sits at
0% until they all end together. Every finished turn is counted here and shown as a counter
beside the bar ("turns done"), refreshed at most a few times a second so that a fast model
running thousands of turns a second does not spend its time redrawing the display.
"""

from __future__ import annotations

import time

from inspect_ai.util import display_counter

TURNS_CAPTION = "turns done"
REFRESH_SECONDS = 0.25


class TurnCounter:
    """Turns finished in this process, across samples and tasks."""

    def __init__(self, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.turns = 0
        self.refresh_seconds = refresh_seconds
        self._shown_at = -float("inf")

    def add(self, turns: int = 1) -> None:
        self.turns += turns
        if time.monotonic() - self._shown_at >= self.refresh_seconds:
            self.show()

    def show(self) -> None:
        self._shown_at = time.monotonic()
        display_counter(TURNS_CAPTION, f"{self.turns:,}")


_COUNTER = TurnCounter()


def count_turn() -> None:
    """Count one finished turn (called by the turn loop after every turn)."""
    _COUNTER.add()


def show_turns() -> None:
    """Show the exact count now (called when a conversation ends, so the display never
    stays behind once the turns stop)."""
    _COUNTER.show()


def turns_done() -> int:
    """Turns finished in this process so far."""
    return _COUNTER.turns
