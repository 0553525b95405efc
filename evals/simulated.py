"""The simulated executor: a model with known behaviour, the instrument that shows our
metrics recover what was planted.

It reads the conversation as any model would: the dictionary from the system message, the
keys from the user turns, its previous total from the last answer its history shows. It
never sees sample metadata or targets. Each step is right with probability p; a wrong step
adds a nonzero offset within +-10. With ``self_conditioning`` c, the per-step error
probability rises by c times the fraction of wrong totals visible in its own history.
Replies are deterministic for a seed and a conversation, so retries and reruns agree.

    inspect eval evals/horizon.py --model simulated/executor -M p=0.99 -M self_conditioning=0.2

With ``single_turn_capacity`` C, one reply executes about C steps: each reply draws its
capacity C * exp(spread * z), z standard normal, and every step beyond it drifts by a
nonzero offset of one sign, so at p = 1 accuracy at K steps is Phi(ln(C / K) / spread):
near 1 below C, 0.5 at C, near 0 above. It reads single-turn prompts (dictionary and all
words in one user message) and answers a list of block totals or one sum, as asked.

It reads both prompt layouts (``evals.prompts``): the paper's (the dictionary one line in
Python mapping notation after its header, a user turn's keys on its last line, the words
of a single-turn prompt as a Python list) and the suite's (``word: value`` lines after
``Dictionary:``). In cot mode it writes its working as the layout's example does.
"""

from __future__ import annotations

import ast
import hashlib
import math
import random
import re
import sys
from functools import lru_cache
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
from pydantic import BaseModel, ConfigDict, Field, field_validator

from long_horizon_execution.core import format_answer, format_answer_list, parse_answer
from long_horizon_execution.evals.dataset import MAX_VALUE_DIGITS, value_too_long
from long_horizon_execution.evals.params import ParameterError, validate_params
from long_horizon_execution.evals.params import shown as shown_value
from long_horizon_execution.evals.prompts import (
    BLOCK_PHRASE,
    DICTIONARY_HEADER,
    KEY_SEPARATOR,
    PAPER_BLOCK_PHRASE,
    PAPER_COT_PHRASE,
    PAPER_DICTIONARY_HEADER,
    PAPER_EACH_WORD_PHRASE,
    PAPER_WORDS_HEADER,
    WORDS_HEADER,
    cot_reply,
    turn_keys,
    working_lines,
    working_sentence,
)
from long_horizon_execution.evals.simulated_lists import is_list_conversation, list_reply

_ENTRY = re.compile(rf"^\s*([A-Za-z]+): (-?\d{{1,{MAX_VALUE_DIGITS}}})\s*$", re.MULTILINE)
"""A ``word: value`` line; a value longer than the suite allows is not read."""
_COT_MARKER = "previous total + value = new total"
_BLOCK = re.compile(re.escape(BLOCK_PHRASE).replace(re.escape("{k}"), r"(\d+)"))
_PAPER_BLOCK = re.compile(re.escape(PAPER_BLOCK_PHRASE).replace(re.escape("{k}"), r"(\d+)"))
_PAPER_WORDS = f"\n{PAPER_WORDS_HEADER}["
CHARS_PER_TOKEN = 4
MAX_OFFSET = 10
MAX_SPREAD = 10.0
"""Largest ``capacity_spread``: exp(spread * z) stays finite for any normal draw z."""
SEED_BOUND = 2**63
UNREADABLE_REPLY = "I cannot find a dictionary and words to add in this conversation."
"""The reply (without an answer) to a conversation it cannot read."""


class SimulatedBehaviour(BaseModel):
    """The planted behaviour; every field is a ``-M`` model argument. A value must be a
    finite number (the command line may give it as text: ``-M p=1e-3`` arrives as a string),
    never a boolean, so a bad one is refused when the model is built, before any request."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    p: float = Field(default=0.99, ge=0.0, le=1.0)
    """Per-step accuracy with a clean history."""
    self_conditioning: float = Field(default=0.0, ge=0.0)
    """Added to the per-step error probability per unit fraction of wrong visible totals."""
    format_error: float = Field(default=0.0, ge=0.0, le=1.0)
    """Probability that a reply has no tag or an unreadable one."""
    seed: int = Field(default=0, ge=-SEED_BOUND, lt=SEED_BOUND)
    context_window: int | None = Field(default=None, ge=1)
    """Approximate tokens (4 characters each) beyond which it stops with model_length."""
    single_turn_capacity: float | None = Field(default=None, gt=0)
    """Median steps one reply executes correctly; later steps in the reply go wrong."""
    capacity_spread: float = Field(default=0.05, ge=0.0, le=MAX_SPREAD)
    """Log-scale spread of each reply's capacity around ``single_turn_capacity``."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("a boolean is not a number")
        return value


def simulated_behaviour(model_args: dict[str, Any]) -> SimulatedBehaviour:
    """The ``-M`` arguments checked: a bad one is refused in one line naming it and its
    value (an unknown name with the names it could be)."""
    known = SimulatedBehaviour.model_fields
    for name, value in model_args.items():
        if name not in known:
            raise ParameterError(
                f"simulated model: unknown parameter {name!r} (got {shown_value(value)}); "
                f"known: {', '.join(known)}"
            )
    behaviour: SimulatedBehaviour = validate_params(
        "simulated model", SimulatedBehaviour, model_args
    )
    return behaviour


class Conversation(BaseModel):
    """What the simulated executor reads from the messages."""

    dictionary: dict[str, int]
    turns: list[list[str]]
    """Keys of every user turn, the current one last."""
    shown_answers: list[int | None]
    """The integer each earlier assistant turn shows, None where it shows none."""
    cot: bool
    single_turn: bool = False
    """A single-turn prompt: dictionary and every word in one user message."""
    block: int | None = None
    """Single-turn: report a total after every ``block`` words (None: one sum; 0 cannot be
    followed)."""
    layout: str = "suite"
    """The prompt layout read (``paper`` or ``suite``); cot working is written in its style."""


def readable(conversation: Conversation) -> bool:
    """Whether there is something to add: a dictionary, words in the last user turn and a
    block size that can be followed."""
    keys = conversation.turns[-1] if conversation.turns else []
    return bool(conversation.dictionary) and bool(keys) and conversation.block != 0


def _block_size(digits: str) -> int | None:
    """A block size as written; one longer than any list of words means one sum."""
    return int(digits) if len(digits) <= 9 else None


def _single_turn_prompt(messages: list[ChatMessage]) -> str | None:
    users = [m.text for m in messages if isinstance(m, ChatMessageUser)]
    if len(users) != 1 or any(isinstance(m, ChatMessageSystem) for m in messages):
        return None
    text = users[0]
    if PAPER_DICTIONARY_HEADER in text and _PAPER_WORDS in text:
        return text
    if DICTIONARY_HEADER in text and WORDS_HEADER in text:
        return text
    return None


def _line_after(text: str, header: str) -> str:
    """The rest of the line that starts at the last ``header`` (the line after it when the
    header ends its own line)."""
    start = text.rfind(header) + len(header)
    if text.startswith("\n", start):
        start += 1
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def python_literal(text: str) -> Any:
    """A Python literal as a model would read it (a mapping or a list of words)."""
    try:
        return ast.literal_eval(text.strip())
    except (SyntaxError, ValueError):
        return None


def paper_dictionary(text: str) -> dict[str, int]:
    """The dictionary of a paper-layout prompt: the mapping on the line after the last
    dictionary header (the worked example's comes before it)."""
    mapping = python_literal(_line_after(text, PAPER_DICTIONARY_HEADER))
    if not isinstance(mapping, dict):
        return {}
    return {
        str(word): value
        for word, value in mapping.items()
        if isinstance(value, int) and not isinstance(value, bool) and not value_too_long(value)
    }


def read_paper_single_turn(text: str) -> Conversation:
    """The dictionary, words and block size of a paper-layout single-turn prompt."""
    words_at = text.rfind(_PAPER_WORDS) + len(_PAPER_WORDS) - 1  # at the list's "["
    listed = python_literal(text[words_at:].split("\n", 1)[0])
    keys = [str(key) for key in listed] if isinstance(listed, list) else []
    instructions = text.split("\n\n", 1)[0]
    block = _PAPER_BLOCK.search(instructions)
    every: int | None = None  # one sum
    if block:
        every = _block_size(block.group(1))
    elif PAPER_EACH_WORD_PHRASE in instructions:
        every = 1
    return Conversation(
        dictionary=paper_dictionary(text),
        turns=[keys],
        shown_answers=[],
        cot=PAPER_COT_PHRASE in instructions,
        single_turn=True,
        block=every,
        layout="paper",
    )


def read_single_turn(text: str) -> Conversation:
    """The dictionary, words and block size of a single-turn prompt (either layout)."""
    if PAPER_DICTIONARY_HEADER in text:
        return read_paper_single_turn(text)
    header = text.rfind(DICTIONARY_HEADER)
    words_at = text.rfind(WORDS_HEADER)
    dictionary = {word: int(value) for word, value in _ENTRY.findall(text[header:words_at])}
    listed = text[words_at + len(WORDS_HEADER) :]
    keys = [key.strip() for key in listed.split(KEY_SEPARATOR.strip()) if key.strip()]
    block = _BLOCK.search(text)
    return Conversation(
        dictionary=dictionary,
        turns=[keys],
        shown_answers=[],
        cot=_COT_MARKER in text,
        single_turn=True,
        block=_block_size(block.group(1)) if block else None,
    )


# Every turn re-reads the whole conversation, as a model would. Reading one message's text
# is memoised, so a turn costs a lookup per earlier message instead of a parse.
_MEMO = 1 << 16


@lru_cache(maxsize=64)
def _system_dictionary(system: str) -> tuple[tuple[str, int], ...]:
    if PAPER_DICTIONARY_HEADER in system:
        return tuple(paper_dictionary(system).items())
    header = system.rfind(DICTIONARY_HEADER)
    dictionary_text = system[header:] if header >= 0 else system
    return tuple((word, int(value)) for word, value in _ENTRY.findall(dictionary_text))


def system_layout(system: str) -> tuple[str, bool]:
    """The layout of a multi-turn system message and whether it asks for working (cot)."""
    if PAPER_DICTIONARY_HEADER in system:
        return "paper", PAPER_COT_PHRASE in system
    return "suite", _COT_MARKER in system


@lru_cache(maxsize=_MEMO)
def _turn_keys(text: str) -> tuple[str, ...]:
    # Interned: a memo full of turns with many keys holds each word once, not once a key.
    return tuple(sys.intern(key) for key in turn_keys(text))


@lru_cache(maxsize=_MEMO)
def _shown_value(text: str) -> int | None:
    return parse_answer(text).value


def read_conversation(messages: list[ChatMessage]) -> Conversation:
    single = _single_turn_prompt(messages)
    if single is not None:
        return read_single_turn(single)
    system = "\n".join(m.text for m in messages if isinstance(m, ChatMessageSystem))
    dictionary = dict(_system_dictionary(system))
    turns = [list(_turn_keys(m.text)) for m in messages if isinstance(m, ChatMessageUser)]
    shown = [_shown_value(m.text) for m in messages if isinstance(m, ChatMessageAssistant)]
    layout, cot = system_layout(system)
    # Built from parsed parts, so validation (linear in the history) is skipped.
    return Conversation.model_construct(
        dictionary=dictionary, turns=turns, shown_answers=shown, cot=cot, layout=layout
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
    conversation: Conversation,
    behaviour: SimulatedBehaviour,
    rng: random.Random,
    capacity_rng: random.Random | None = None,
) -> SimulatedReply:
    """The executor's reply to the last user turn (``capacity_rng`` draws this reply's
    single-turn capacity, kept apart so other behaviour is unchanged by it)."""
    previous = next((a for a in reversed(conversation.shown_answers) if a is not None), 0)
    error = (1.0 - behaviour.p) + behaviour.self_conditioning * visible_error_fraction(conversation)
    believed: dict[str, int] = {}
    total = previous
    working: list[str] = []
    keys = conversation.turns[-1] if conversation.turns else []
    capacity, drift = math.inf, 1
    if behaviour.single_turn_capacity is not None:
        draw = capacity_rng or random.Random(rng.random())
        capacity = behaviour.single_turn_capacity * math.exp(
            behaviour.capacity_spread * draw.gauss(0.0, 1.0)
        )
        drift = draw.choice([-1, 1])
    totals: list[int] = []
    read: list[int] = []
    for step, key in enumerate(keys, start=1):
        value = conversation.dictionary.get(key, 0)
        if step > capacity:
            value += drift * rng.randint(1, MAX_OFFSET)
        elif rng.random() < error:
            value += rng.choice([o for o in range(-MAX_OFFSET, MAX_OFFSET + 1) if o != 0])
        believed[key] = value
        read.append(value)
        working.extend(working_lines([key], believed, total))
        total += value
        totals.append(total)
    if conversation.layout == "paper" and keys:
        working = [working_sentence(keys, read, previous)]
    block = conversation.block if conversation.single_turn else None
    if block is not None and block < len(totals):
        ends = [*range(block - 1, len(totals) - 1, block), len(totals) - 1]
        reported = [totals[end] for end in ends]
        return SimulatedReply(text=format_answer_list(reported), working=working)
    if rng.random() < behaviour.format_error:
        text = rng.choice([f"The running total is now {total}.", f"<answer>{total}?</answer>"])
    else:
        text = format_answer(total)
    return SimulatedReply(text=text, working=working)


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
        self.behaviour = simulated_behaviour(model_args)
        super().__init__(model_name, base_url, api_key, [], config)

    def max_connections(self) -> int:
        return 64

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
            output_tokens = len(UNREADABLE_REPLY) // CHARS_PER_TOKEN + 1
            output.usage = ModelUsage(
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                total_tokens=input_tokens + output_tokens,
            )
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
        output.usage = ModelUsage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=input_tokens + output_tokens,
            reasoning_tokens=reasoning_tokens if thinking else None,
        )
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
        output_tokens = len(content) // CHARS_PER_TOKEN + 1
        output.usage = ModelUsage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=input_tokens + output_tokens,
        )
        return output
