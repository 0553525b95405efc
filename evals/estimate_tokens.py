"""How the estimate turns text into tokens: four characters a token, or the model's own
tokenizer.

Four characters a token is what the simulated executor reports, so it is exact for a
simulated run, but real tokenizers differ: the local model's splits every digit, and the
prompts are full of numbers, so it bills a token per 2.2 to 2.5 characters of them. A
counter maps texts to *units* (characters or tokens) and says, in :class:`Counting`, how
units become billed tokens and what the chat template adds around the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel

from long_horizon_execution.evals.simulated import CHARS_PER_TOKEN
from long_horizon_execution.evals.tokenizer_client import LlamaTokenizer

Method = Literal["characters", "tokenizer", "pilot"]
METHODS: tuple[str, ...] = ("characters", "tokenizer", "pilot")
LLAMA_REPLY_END = 1
"""Tokens a llama.cpp server counts in a reply beyond its text: the end-of-turn token."""


class Counting(BaseModel):
    """How a counter's units become tokens."""

    method: Method
    detail: str
    tokens_per_unit: float
    request_constant: int = 0
    """Tokens every request adds (the characters rule rounds up by one)."""
    reply_constant: int = 0
    """Tokens every reply adds (the characters rule's one; a server's end-of-turn token)."""
    first_request: int = 0
    """Template tokens of a first request beyond its system and user text: role markers
    and the generation prompt."""
    per_turn: int = 0
    """Template tokens each later turn adds beyond its reply and user text."""
    rounds_down: bool = False
    """Whether a count is rounded down to whole tokens (the characters rule), which loses
    half a token on average; a pilot's scales are fitted and applied without rounding."""

    @property
    def rounding_loss(self) -> float:
        return 0.5 if self.rounds_down else 0.0


class TextCounter(Protocol):
    """Counts texts in its units."""

    @property
    def counting(self) -> Counting: ...

    def units(self, texts: Sequence[str]) -> list[int]: ...


class CharacterCounter:
    """Four characters a token, as the simulated executor counts: no model needed."""

    counting = Counting(
        method="characters",
        detail=f"{CHARS_PER_TOKEN} characters a token",
        tokens_per_unit=1 / CHARS_PER_TOKEN,
        request_constant=1,
        reply_constant=1,
        rounds_down=True,
    )

    def units(self, texts: Sequence[str]) -> list[int]:
        return [len(text) for text in texts]


class TokenizerCounter:
    """Tokens as the model's tokenizer counts them, each distinct text asked once."""

    def __init__(self, tokenizer: LlamaTokenizer, counting: Counting) -> None:
        self.tokenizer = tokenizer
        self.counting = counting
        self._known: dict[str, int] = {}

    def units(self, texts: Sequence[str]) -> list[int]:
        new = list(dict.fromkeys(text for text in texts if text not in self._known))
        self._known.update(zip(new, self.tokenizer.count(new), strict=True))
        return [self._known[text] for text in texts]

    @classmethod
    def measured(
        cls,
        tokenizer: LlamaTokenizer,
        name: str,
        system: str,
        turns: Sequence[tuple[str, str]],
    ) -> TokenizerCounter:
        """A counter whose template costs are measured on a real conversation's start:
        ``system``, then at least two (user, reply) turns."""
        if len(turns) < 2:
            raise ValueError("measuring the chat template takes two turns")
        (user1, reply1), (user2, _) = turns[0], turns[1]
        first = [{"role": "system", "content": system}, {"role": "user", "content": user1}]
        second = [
            *first,
            {"role": "assistant", "content": reply1},
            {"role": "user", "content": user2},
        ]
        counter = cls(tokenizer, Counting(method="tokenizer", detail=name, tokens_per_unit=1.0))
        s, u1, r1, u2 = counter.units([system, user1, reply1, user2])
        one, two = tokenizer.prompt_tokens(first), tokenizer.prompt_tokens(second)
        counter.counting = counter.counting.model_copy(
            update={
                "first_request": one - s - u1,
                "per_turn": two - one - r1 - u2,
                "reply_constant": LLAMA_REPLY_END,
            }
        )
        return counter
