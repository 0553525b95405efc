"""Scripted replies for mockllm: each output carries usage, since mockllm would otherwise
count tokens with a tokenizer file it downloads (and offline, every sample would fail)."""

from __future__ import annotations

from inspect_ai.model import ModelOutput, ModelUsage, StopReason


def scripted_outputs(*replies: str | tuple[str, StopReason]) -> list[ModelOutput]:
    """One output per reply: its text, or (text, stop reason)."""
    outputs = []
    for reply in replies:
        text, stop_reason = (reply, "stop") if isinstance(reply, str) else reply
        output = ModelOutput.from_content("mockllm", text, stop_reason=stop_reason)
        output.usage = ModelUsage(input_tokens=10, output_tokens=3, total_tokens=13)
        outputs.append(output)
    return outputs
