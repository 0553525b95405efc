"""The simulated executor: a model with known behaviour, the instrument that shows our
metrics recover what was planted. ``simulated/<any name>``; every ``-M`` argument is a
field of :class:`SimulatedBehaviour`.

    inspect eval evals/horizon.py --model simulated/executor -M p=0.99 -M self_conditioning=0.2

This module is the provider: it answers a request from what it reads in the conversation
(``simulated_reading``) and the planted behaviour (``simulated_behaviour``), or, in a
list-edit conversation, as ``simulated_lists`` says; it stops with model_length beyond its
context window and reports usage at 4 characters a token. Replies are deterministic for a
seed and a conversation, so retries and reruns agree; a sampling seed in the request gives
another draw.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from long_horizon_execution.evals.in_process import InProcessModelAPI
from long_horizon_execution.evals.prompts_format import cot_reply
from long_horizon_execution.evals.simulated_behaviour import (
    SimulatedBehaviour,
    simulate_reply,
    simulated_behaviour,
)
from long_horizon_execution.evals.simulated_lists import is_list_conversation, list_reply
from long_horizon_execution.evals.simulated_reading import read_conversation, readable
from long_horizon_execution.evals.simulated_slips import PLANTED_SLIP

CHARS_PER_TOKEN = 4
UNREADABLE_REPLY = "I cannot find a dictionary and words to add in this conversation."
"""The reply (without an answer) to a conversation it cannot read."""


def _conversation_bytes(messages: list[ChatMessage], texts: list[str] | None = None) -> bytes:
    """Each message's role then text, concatenated: what the reply's seed is hashed from."""
    texts = [m.text for m in messages] if texts is None else texts
    pairs = zip(messages, texts, strict=True)
    return "".join(part for m, text in pairs for part in (m.role, text)).encode()


def _conversation_rng(
    seed: int, messages: list[ChatMessage], salt: str = "", payload: bytes | None = None
) -> random.Random:
    """A generator seeded by the conversation (``payload``: its precomputed bytes)."""
    digest = hashlib.sha256((str(seed) + salt).encode())
    digest.update(_conversation_bytes(messages) if payload is None else payload)
    return random.Random(digest.digest())


def _usage(
    input_tokens: int, output_tokens: int, reasoning_tokens: int | None = None
) -> ModelUsage:
    return ModelUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
        reasoning_tokens=reasoning_tokens,
    )


@modelapi(name="simulated")
class SimulatedExecutor(InProcessModelAPI):
    """``simulated/<any name>``: the behaviour comes from ``-M`` arguments."""

    behaviour: SimulatedBehaviour

    def read_model_args(self, model_args: dict[str, Any]) -> None:
        self.behaviour = simulated_behaviour(model_args)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        texts = [m.text for m in input]
        payload = _conversation_bytes(input, texts)
        prompt_chars = sum(len(text) for text in texts)
        input_tokens = prompt_chars // CHARS_PER_TOKEN + 1
        window = self.behaviour.context_window
        if window is not None and input_tokens > window:
            output = ModelOutput.from_content(self.model_name, "", stop_reason="model_length")
            output.usage = ModelUsage(input_tokens=input_tokens, total_tokens=input_tokens)
            return output
        salt = "" if config.seed is None else f"/sampling-seed-{config.seed}"
        if is_list_conversation(input):
            return self._list_output(input, config, salt, payload, input_tokens)
        conversation = read_conversation(input)
        if not readable(conversation):
            output = ModelOutput.from_content(self.model_name, UNREADABLE_REPLY)
            output.usage = _usage(input_tokens, len(UNREADABLE_REPLY) // CHARS_PER_TOKEN + 1)
            return output
        # A sampling seed in the request (e.g. one per vote) gives a different draw.
        reply = simulate_reply(
            conversation,
            self.behaviour,
            _conversation_rng(self.behaviour.seed, input, salt, payload),
            _conversation_rng(self.behaviour.seed, input, salt + "/capacity", payload),
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
            content = cot_reply(reply.working, reply.text, conversation.layout)
        else:
            content = reply.text
        output = ModelOutput.from_content(self.model_name, content)
        visible = content if isinstance(content, str) else reply.text
        output_tokens = len(visible) // CHARS_PER_TOKEN + 1 + reasoning_tokens
        output.usage = _usage(input_tokens, output_tokens, reasoning_tokens if thinking else None)
        if reply.slip is not None:
            output.metadata = {PLANTED_SLIP: reply.slip}
        return output

    def _list_output(
        self,
        input: list[ChatMessage],
        config: GenerateConfig,
        salt: str,
        payload: bytes,
        input_tokens: int,
    ) -> ModelOutput:
        """A reply in a list-edit conversation (see ``evals.simulated_lists``)."""
        behaviour = self.behaviour
        text, working, cot = list_reply(
            input,
            behaviour.p,
            behaviour.self_conditioning,
            behaviour.format_error,
            _conversation_rng(behaviour.seed, input, salt, payload),
        )
        content = "\n".join([*working, text]) if cot else text
        output = ModelOutput.from_content(self.model_name, content)
        output.usage = _usage(input_tokens, len(content) // CHARS_PER_TOKEN + 1)
        return output
