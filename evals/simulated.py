"""The simulated executor: a model with known behaviour, the instrument that shows our
metrics recover what was planted.

It reads the conversation as any model would: the dictionary from the system message, the
keys from the user turns, its previous total from the last answer its history shows. It
never sees sample metadata or targets. Each step is right with probability p; a wrong step
adds a nonzero offset within +-10. With ``self_conditioning`` c, the per-step error
probability rises by c times the fraction of wrong totals visible in its own history.
Replies are deterministic for a seed and a conversation, so retries and reruns agree.

    inspect eval evals/horizon.py --model simulated/executor -M p=0.99 -M self_conditioning=0.2
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.prompts import DICTIONARY_HEADER, KEY_SEPARATOR, working_lines
from scorers.parsing import format_answer, parse_answer

_ENTRY = re.compile(r"^\s*([A-Za-z]+): (-?\d+)\s*$", re.MULTILINE)
_COT_MARKER = "previous total + value = new total"
CHARS_PER_TOKEN = 4
MAX_OFFSET = 10


class SimulatedBehaviour(BaseModel):
    """The planted behaviour; every field is a ``-M`` model argument."""

    model_config = ConfigDict(extra="forbid")

    p: float = Field(default=0.99, ge=0.0, le=1.0)
    """Per-step accuracy with a clean history."""
    self_conditioning: float = Field(default=0.0, ge=0.0)
    """Added to the per-step error probability per unit fraction of wrong visible totals."""
    format_error: float = Field(default=0.0, ge=0.0, le=1.0)
    """Probability that a reply has no tag or an unreadable one."""
    seed: int = 0
    context_window: int | None = Field(default=None, ge=1)
    """Approximate tokens (4 characters each) beyond which it stops with model_length."""


class Conversation(BaseModel):
    """What the simulated executor reads from the messages."""

    dictionary: dict[str, int]
    turns: list[list[str]]
    """Keys of every user turn, the current one last."""
    shown_answers: list[int | None]
    """The integer each earlier assistant turn shows, None where it shows none."""
    cot: bool


def read_conversation(messages: list[ChatMessage]) -> Conversation:
    system = "\n".join(m.text for m in messages if isinstance(m, ChatMessageSystem))
    header = system.rfind(DICTIONARY_HEADER)
    dictionary_text = system[header:] if header >= 0 else system
    dictionary = {word: int(value) for word, value in _ENTRY.findall(dictionary_text)}
    turns = [
        [key.strip() for key in m.text.split(KEY_SEPARATOR.strip()) if key.strip()]
        for m in messages
        if isinstance(m, ChatMessageUser)
    ]
    shown = [parse_answer(m.text).value for m in messages if isinstance(m, ChatMessageAssistant)]
    return Conversation(
        dictionary=dictionary, turns=turns, shown_answers=shown, cot=_COT_MARKER in system
    )


def visible_error_fraction(conversation: Conversation) -> float:
    """Share of earlier turns whose shown total differs from the true running total."""
    if not conversation.shown_answers:
        return 0.0
    total, wrong = 0, 0
    for keys, shown in zip(conversation.turns, conversation.shown_answers, strict=False):
        total += sum(conversation.dictionary.get(key, 0) for key in keys)
        wrong += shown != total
    return wrong / len(conversation.shown_answers)


class SimulatedReply(BaseModel):
    text: str
    working: list[str]


def simulate_reply(
    conversation: Conversation, behaviour: SimulatedBehaviour, rng: random.Random
) -> SimulatedReply:
    """The executor's reply to the last user turn."""
    previous = next((a for a in reversed(conversation.shown_answers) if a is not None), 0)
    error = (1.0 - behaviour.p) + behaviour.self_conditioning * visible_error_fraction(conversation)
    believed: dict[str, int] = {}
    total = previous
    working: list[str] = []
    keys = conversation.turns[-1] if conversation.turns else []
    for key in keys:
        value = conversation.dictionary.get(key, 0)
        if rng.random() < error:
            value += rng.choice([o for o in range(-MAX_OFFSET, MAX_OFFSET + 1) if o != 0])
        believed[key] = value
        working.extend(working_lines([key], believed, total))
        total += value
    if rng.random() < behaviour.format_error:
        text = rng.choice([f"The running total is now {total}.", f"<answer>{total}?</answer>"])
    else:
        text = format_answer(total)
    return SimulatedReply(text=text, working=working)


def _conversation_rng(seed: int, messages: list[ChatMessage]) -> random.Random:
    digest = hashlib.sha256(str(seed).encode())
    for message in messages:
        digest.update(message.role.encode())
        digest.update(message.text.encode())
    return random.Random(digest.digest())


@modelapi(name="simulated")
class SimulatedExecutor(ModelAPI):
    """``simulated/<any name>``: the behaviour comes from ``-M`` arguments."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        try:
            self.behaviour = SimulatedBehaviour(**model_args)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"simulated model argument {where}: {first['msg']}") from None

    def max_connections(self) -> int:
        return 64

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        prompt_chars = sum(len(m.text) for m in input)
        input_tokens = prompt_chars // CHARS_PER_TOKEN + 1
        window = self.behaviour.context_window
        if window is not None and input_tokens > window:
            output = ModelOutput.from_content(self.model_name, "", stop_reason="model_length")
            output.usage = ModelUsage(input_tokens=input_tokens, total_tokens=input_tokens)
            return output
        conversation = read_conversation(input)
        reply = simulate_reply(
            conversation, self.behaviour, _conversation_rng(self.behaviour.seed, input)
        )
        thinking = config.reasoning_effort is not None or config.reasoning_tokens is not None
        reasoning_tokens = 0
        if thinking:
            reasoning = "\n".join(reply.working)
            reasoning_tokens = len(reasoning) // CHARS_PER_TOKEN + 1
            content: str | list[Any] = [
                ContentReasoning(reasoning=reasoning),
                ContentText(text=reply.text),
            ]
        elif conversation.cot:
            content = "\n".join([*reply.working, reply.text])
        else:
            content = reply.text
        output = ModelOutput.from_content(self.model_name, content)
        output_tokens = len(reply.text) // CHARS_PER_TOKEN + 1 + reasoning_tokens
        output.usage = ModelUsage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=input_tokens + output_tokens,
            reasoning_tokens=reasoning_tokens if thinking else None,
        )
        return output
