"""Thinking elicitation: one mode, turned into what each provider family needs.

A mode is ``none`` (answer directly), ``cot`` (visible step-by-step working) or ``thinking``
(provider-side reasoning, with an effort or a token budget). Providers switch reasoning on
in different ways, so the same mode becomes different request settings:

- OpenAI reasoning models take an effort only; a budget is mapped to an effort
  (:func:`effort_for_budget`).
- Anthropic and Google take a token budget (``budget_tokens`` / ``thinking_budget``), or an
  effort that Inspect converts into one.
- OpenRouter takes one of the two (``reasoning.max_tokens`` or ``reasoning.effort``; the
  budget when both are set, unless ``prefer="effort"``); ``none`` is sent as effort
  ``none``, which switches reasoning off.
- Open models behind vLLM, SGLang or another OpenAI-compatible server switch thinking in
  the chat template: ``extra_body.chat_template_kwargs`` gets ``enable_thinking`` (Qwen3
  style) and ``thinking`` (DeepSeek V3.1 style). Those servers enforce no reasoning budget;
  cap the whole reply with ``max_tokens`` instead.

:func:`elicit` wraps any solver so every generate it makes carries the settings of the
active model's family, and records per reply the reasoning tokens reported and whether
reasoning came back. Replaying reasoning in later turns is a choice (``replay``), sent to
providers as Inspect's ``reasoning_history``.
"""

from __future__ import annotations

from typing import Any, Literal, cast, get_args

from inspect_ai.model import (
    ChatMessageAssistant,
    ContentReasoning,
    GenerateConfig,
    GenerateConfigArgs,
    get_model,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import store_as
from pydantic import BaseModel, ConfigDict, Field, model_validator

from long_horizon_execution.core import ReasoningLog, ReplyReasoning

ThinkingMode = Literal["none", "cot", "thinking"]
THINKING_MODES: tuple[str, ...] = get_args(ThinkingMode)
Effort = Literal["minimal", "low", "medium", "high"]
Family = Literal["openai", "anthropic", "google", "openrouter", "open", "other"]

DEFAULT_EFFORT: Effort = "medium"
OPEN_MODEL_PROVIDERS = frozenset({"vllm", "sglang", "openai-api", "local"})
"""Providers serving open weights behind an OpenAI-compatible chat endpoint."""
_FAMILIES: dict[str, Family] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "openrouter": "openrouter",
}
_BUDGET_EFFORTS: tuple[tuple[int, Effort], ...] = (
    (1_024, "minimal"),
    (8_192, "low"),
    (24_576, "medium"),
)
_PROMPT_ADDITIONS: dict[str, str] = {
    "none": "Give the answer directly, without showing any working.",
    "cot": "Work through the problem step by step in writing, then give the answer.",
    "thinking": "Think the problem through before replying; the reply holds only the answer.",
}


def provider_family(model: str) -> Family:
    """The family of a model name such as ``anthropic/claude-sonnet-4-20250514``."""
    provider = model.split("/", 1)[0]
    if provider in OPEN_MODEL_PROVIDERS:
        return "open"
    return _FAMILIES.get(provider, "other")


def effort_for_budget(budget: int) -> Effort:
    """The effort closest in spirit to a token budget, for providers that take no budget:
    up to 1k tokens minimal, 8k low, 24k medium, beyond that high (the paper's 32k is high)."""
    for ceiling, effort in _BUDGET_EFFORTS:
        if budget <= ceiling:
            return effort
    return "high"


class Elicitation(BaseModel):
    """How a model is asked to reason. Frozen, so it can be shared between tasks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: ThinkingMode = "none"
    effort: Effort | None = None
    """Thinking mode: the reasoning effort (``medium`` when neither this nor a budget)."""
    budget: int | None = Field(default=None, ge=1)
    """Thinking mode: a reasoning token budget; wins over ``effort`` where both exist."""
    replay: bool = False
    """Send earlier turns' reasoning back to the model."""
    prefer: Literal["budget", "effort"] = "budget"
    """With both an effort and a budget: which one OpenRouter (which takes either) receives
    and the generic settings carry. OpenAI always receives the effort, Anthropic and
    Google the budget."""

    @model_validator(mode="after")
    def _check(self) -> Elicitation:
        if self.mode != "thinking" and (self.effort is not None or self.budget is not None):
            raise ValueError(
                f"a reasoning effort or budget needs mode 'thinking', not {self.mode!r}"
            )
        return self

    @property
    def prompt_mode(self) -> str:
        """The suite's prompt mode (``plain``, ``cot``, ``thinking``) for this mode."""
        return "plain" if self.mode == "none" else self.mode

    def prompt_addition(self) -> str:
        """One sentence any eval can append to its instructions for this mode."""
        return _PROMPT_ADDITIONS[self.mode]

    def _effort(self) -> Effort:
        if self.effort is not None:
            return self.effort
        return DEFAULT_EFFORT if self.budget is None else effort_for_budget(self.budget)

    def generic_config(self) -> GenerateConfig:
        """Provider-neutral settings (Inspect translates them per provider): what a task
        records in its own config, and what a model of no known family receives."""
        history = GenerateConfig(reasoning_history="all" if self.replay else "none")
        if self.mode != "thinking":
            return history
        if self._effort_first():
            return history.merge(GenerateConfig(reasoning_effort=self.effort))
        effort = self.effort or (DEFAULT_EFFORT if self.budget is None else None)
        return history.merge(GenerateConfig(reasoning_effort=effort, reasoning_tokens=self.budget))

    def _effort_first(self) -> bool:
        return self.prefer == "effort" and self.effort is not None

    def config_for(self, model: str) -> GenerateConfig:
        """The settings a request to ``model`` (``provider/name``) needs for this mode."""
        family = provider_family(model)
        history = GenerateConfig(reasoning_history="all" if self.replay else "none")
        thinking = self.mode == "thinking"
        if family == "open":
            switch = {"enable_thinking": thinking, "thinking": thinking}
            extra = GenerateConfig(extra_body={"chat_template_kwargs": switch})
            if thinking and self.effort is not None:
                extra = extra.merge(GenerateConfig(reasoning_effort=self.effort))
            return history.merge(extra)
        if not thinking:
            if family == "openrouter":
                return history.merge(GenerateConfig(reasoning_effort="none"))
            return history
        if family == "openai" or (family == "openrouter" and self._effort_first()):
            return history.merge(GenerateConfig(reasoning_effort=self._effort()))
        if family in ("anthropic", "google", "openrouter") and self.budget is not None:
            return history.merge(GenerateConfig(reasoning_tokens=self.budget))
        if family in ("anthropic", "google", "openrouter"):
            return history.merge(GenerateConfig(reasoning_effort=self._effort()))
        return self.generic_config()


def config_arguments(config: GenerateConfig) -> GenerateConfigArgs:
    """A config as keyword arguments for ``generate(state, **...)``."""
    return cast(GenerateConfigArgs, config.model_dump(exclude_none=True))


def reply_reasoning(state: TaskState) -> ReplyReasoning:
    """Read the reasoning facts of the reply ``generate`` just appended."""
    output = state.output
    message = state.messages[-1] if state.messages else None
    returned = (
        isinstance(message, ChatMessageAssistant)
        and not isinstance(message.content, str)
        and any(isinstance(part, ContentReasoning) for part in message.content)
    )
    usage = output.usage
    return ReplyReasoning(
        reasoning_tokens=None if usage is None else usage.reasoning_tokens,
        output_tokens=None if usage is None else usage.output_tokens,
        reasoning_returned=returned,
        stop_reason=output.stop_reason,
    )


@solver
def elicit(inner: Solver, elicitation: Elicitation | None = None) -> Solver:
    """Run ``inner`` with every generate carrying the elicitation's settings for the
    active model's family; record each reply's reasoning in :class:`ReasoningLog`.

    Args:
      inner: The solver whose generate calls are elicited (e.g. ``multi_turn()``).
      elicitation: The mode; ``none`` by default.
    """
    chosen = elicitation or Elicitation()

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = str(get_model())
        settings = config_arguments(chosen.config_for(model))
        # A conversation carried over from an earlier run keeps the replies it recorded.
        replies: list[ReplyReasoning] = list(store_as(ReasoningLog).replies)

        async def elicited(
            state: TaskState,
            tool_calls: Literal["loop", "single", "none"] = "loop",
            **kwargs: Any,
        ) -> TaskState:
            arguments = cast(GenerateConfigArgs, {**settings, **kwargs})
            state = await generate(state, tool_calls=tool_calls, **arguments)
            replies.append(reply_reasoning(state))
            return state

        try:
            return await inner(state, elicited)
        finally:
            log = store_as(ReasoningLog)
            log.model = model
            log.settings = dict(settings)
            log.replies = replies

    return solve


def from_prompt_mode(
    mode: str,
    effort: str | None = None,
    budget: int | None = None,
    replay: bool = False,
    prefer: str = "budget",
) -> Elicitation:
    """The elicitation for a suite prompt mode (``plain``/``cot``/``thinking``); an effort
    or budget given with a non-thinking mode is ignored, as the tasks always did."""
    thinking = mode == "thinking"
    return Elicitation.model_validate(
        {
            "mode": "none" if mode == "plain" else mode,
            "effort": effort if thinking else None,
            "budget": budget if thinking else None,
            "replay": replay,
            "prefer": prefer,
        }
    )
