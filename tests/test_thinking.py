"""Thinking elicitation: what each provider family actually receives, through Inspect,
from a fake server on 127.0.0.1 that records request bodies."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from inspect_ai import eval
from inspect_ai.model import GenerateConfig

from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.single_turn import single_turn
from long_horizon_execution.solvers.thinking import (
    Elicitation,
    effort_for_budget,
    from_prompt_mode,
    provider_family,
)

ANSWER = "<answer>7</answer>"
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def _chat(body: dict[str, Any]) -> dict[str, Any]:
    message = {"role": "assistant", "content": ANSWER, "reasoning_content": "adding up"}
    details = {"completion_tokens_details": {"reasoning_tokens": 3}}
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "m"),
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
        "usage": USAGE | details,
    }


def _responses(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 0,
        "status": "completed",
        "model": body.get("model"),
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "x"}]},
            {
                "type": "message",
                "id": "m1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": ANSWER, "annotations": []}],
            },
        ],
        "parallel_tool_calls": False,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": 10,
            "output_tokens": 5,
            "total_tokens": 15,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 3},
        },
    }


def _google(body: dict[str, Any]) -> dict[str, Any]:
    parts = [{"text": "adding up", "thought": True}, {"text": ANSWER}]
    return {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}
        ],
        "usageMetadata": {
            "promptTokenCount": 10,
            "candidatesTokenCount": 5,
            "thoughtsTokenCount": 3,
            "totalTokenCount": 18,
        },
    }


_ANTHROPIC_USAGE = {
    "input_tokens": 10,
    "output_tokens": 5,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}


def _anthropic_events(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A streamed Messages API reply: a thinking block, then the answer."""
    start = {"id": "msg_1", "type": "message", "role": "assistant", "model": body.get("model")}
    start |= {"content": [], "stop_reason": None, "stop_sequence": None, "usage": _ANTHROPIC_USAGE}
    yield {"type": "message_start", "message": start}
    block = {"type": "thinking", "thinking": "", "signature": ""}
    yield {"type": "content_block_start", "index": 0, "content_block": block}
    delta = {"type": "thinking_delta", "thinking": "adding up"}
    yield {"type": "content_block_delta", "index": 0, "delta": delta}
    signature = {"type": "signature_delta", "signature": "sig"}
    yield {"type": "content_block_delta", "index": 0, "delta": signature}
    yield {"type": "content_block_stop", "index": 0}
    text = {"type": "text", "text": ""}
    yield {"type": "content_block_start", "index": 1, "content_block": text}
    answer = {"type": "text_delta", "text": ANSWER}
    yield {"type": "content_block_delta", "index": 1, "delta": answer}
    yield {"type": "content_block_stop", "index": 1}
    end = {"stop_reason": "end_turn", "stop_sequence": None}
    yield {"type": "message_delta", "delta": end, "usage": _ANTHROPIC_USAGE}
    yield {"type": "message_stop"}


class FakeProviders(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        self.requests.append((self.path, body))
        if self.path.endswith("/messages") and body.get("stream"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            for event in _anthropic_events(body):
                self.wfile.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
            return
        if "count_tokens" in self.path:
            reply: dict[str, Any] = {"input_tokens": 10}
        elif "chat/completions" in self.path:
            reply = _chat(body)
        elif ":generateContent" in self.path:
            reply = _google(body)
        elif self.path.endswith("/responses"):
            reply = _responses(body)
        else:
            reply = {}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeProviders)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch, server: str) -> None:
    for name in ("OPENAI", "ANTHROPIC", "GOOGLE", "OPENROUTER", "VLLM", "FAKE"):
        monkeypatch.setenv(f"{name}_API_KEY", "test-key")
    monkeypatch.setenv("FAKE_BASE_URL", f"{server}/v1")
    FakeProviders.requests.clear()


def generation_requests() -> list[dict[str, Any]]:
    return [body for path, body in FakeProviders.requests if "count_tokens" not in path]


def run_probe(model: str, base_url: str | None, tmp_path: Any, **task_args: Any) -> Any:
    log = eval(
        frontier(k=3, samples=1, **task_args),
        model=model,
        model_base_url=base_url,
        display="none",
        log_dir=str(tmp_path),
    )[0]
    assert log.status == "success", log.error
    sample = log.samples[0]
    assert sample.error is None, sample.error
    return sample


def reasoning_log(sample: Any) -> dict[str, Any]:
    return {k.split(":")[-1]: v for k, v in sample.store.items() if k.startswith("ReasoningLog:")}


def test_openai_gets_an_effort_for_a_budget(server: str, tmp_path: Any) -> None:
    sample = run_probe("openai/gpt-5", f"{server}/v1", tmp_path)  # default budget 32k
    body = generation_requests()[-1]
    assert body["reasoning"]["effort"] == "high"
    assert "temperature" not in body  # Inspect drops sampling settings for reasoning models
    log = reasoning_log(sample)
    assert log["replies"][0]["reasoning_tokens"] == 3
    assert log["replies"][0]["reasoning_returned"] is True
    assert log["settings"]["reasoning_effort"] == "high"


def test_anthropic_gets_a_thinking_budget(server: str, tmp_path: Any) -> None:
    run_probe("anthropic/claude-sonnet-4-20250514", server, tmp_path, reasoning_tokens=20000)
    body = generation_requests()[-1]
    assert body["thinking"]["type"] == "enabled"
    assert body["thinking"]["budget_tokens"] == 20000
    assert body["max_tokens"] > 20000


@pytest.mark.skipif(importlib.util.find_spec("google") is None, reason="needs google-genai")
def test_google_gets_a_thinking_budget(server: str, tmp_path: Any) -> None:
    run_probe("google/gemini-2.5-pro", server, tmp_path)
    thinking = generation_requests()[-1]["generationConfig"]["thinkingConfig"]
    assert thinking["thinking_budget"] == 32000
    assert thinking["include_thoughts"] is True


@pytest.mark.parametrize(
    ("task_args", "reasoning"),
    [
        ({}, {"max_tokens": 32000}),
        ({"reasoning_tokens": None, "reasoning_effort": "low"}, {"effort": "low"}),
        ({"mode": "plain"}, {"effort": "none"}),
    ],
)
def test_openrouter_gets_one_reasoning_setting(
    server: str, tmp_path: Any, task_args: dict[str, Any], reasoning: dict[str, Any]
) -> None:
    run_probe("openrouter/deepseek/deepseek-r1", f"{server}/v1", tmp_path, **task_args)
    assert generation_requests()[-1]["reasoning"] == reasoning


@pytest.mark.parametrize("model", ["vllm/Qwen/Qwen3-8B", "openai-api/fake/qwen3-8b"])
@pytest.mark.parametrize("mode", ["thinking", "plain"])
def test_open_models_switch_thinking_in_the_chat_template(
    server: str, tmp_path: Any, model: str, mode: str
) -> None:
    base_url = f"{server}/v1" if model.startswith("vllm") else None
    sample = run_probe(model, base_url, tmp_path, mode=mode)
    body = generation_requests()[-1]
    switch = mode == "thinking"
    assert body["chat_template_kwargs"] == {"enable_thinking": switch, "thinking": switch}
    assert body["temperature"] == 0.6 and body["top_p"] == 0.95
    assert reasoning_log(sample)["replies"][0]["reasoning_returned"] is True


@pytest.mark.parametrize("replay", [True, False])
def test_replaying_reasoning_is_a_choice(server: str, tmp_path: Any, replay: bool) -> None:
    task = horizon(samples=1, turns=2, k=1, mode="thinking", replay_reasoning=replay)
    log = eval(
        task,
        model="anthropic/claude-sonnet-4-20250514",
        model_base_url=server,
        display="none",
        log_dir=str(tmp_path),
    )[0]
    assert log.status == "success" and log.samples[0].error is None
    second = generation_requests()[-1]
    earlier = [m for m in second["messages"] if m["role"] == "assistant"][0]
    kinds = (
        [part["type"] for part in earlier["content"]]
        if isinstance(earlier["content"], list)
        else ["text"]
    )
    assert ("thinking" in kinds) == replay


def test_families_and_budget_mapping() -> None:
    assert provider_family("openai/gpt-5") == "openai"
    assert provider_family("vllm/Qwen/Qwen3-8B") == "open"
    assert provider_family("local/qwen3-0.6b") == "open"
    assert provider_family("simulated/executor") == "other"
    assert [effort_for_budget(b) for b in (512, 4096, 16000, 32000)] == [
        "minimal",
        "low",
        "medium",
        "high",
    ]


def test_modes_and_generic_settings() -> None:
    assert from_prompt_mode("plain", "high").mode == "none"  # effort ignored off thinking
    assert Elicitation(mode="thinking").generic_config().reasoning_effort == "medium"
    budget = Elicitation(mode="thinking", budget=500).generic_config()
    assert budget.reasoning_tokens == 500 and budget.reasoning_effort is None
    assert Elicitation(replay=True).generic_config() == GenerateConfig(reasoning_history="all")
    assert Elicitation(mode="cot").prompt_addition() != Elicitation().prompt_addition()
    with pytest.raises(ValueError, match="needs mode 'thinking'"):
        Elicitation(mode="cot", effort="high")


def run_task(task: Any, model: str, base_url: str | None, tmp_path: Any) -> Any:
    log = eval(task, model=model, model_base_url=base_url, display="none", log_dir=str(tmp_path))[0]
    assert log.status == "success", log.error
    assert log.samples[0].error is None, log.samples[0].error
    return log.samples[0]


def paper_and_suite_tasks(kind: str, layout: str) -> Any:
    if kind == "multi-turn":
        return horizon(samples=1, turns=1, mode="thinking", layout=layout)
    return single_turn(samples=1, steps=3, k=1, mode="thinking", layout=layout)


# What a thinking request carries with neither an effort nor a budget given, per provider:
# under the paper layout the authors' settings (multi-turn: OpenRouter reasoning.effort high;
# single-turn: reasoning.max_tokens 32000; the paper's 32k budget where a provider takes a
# budget, effort high where it takes an effort); under the suite layout effort medium.
PROVIDERS: dict[str, tuple[str, bool]] = {
    "openai": ("openai/gpt-5", True),
    "anthropic": ("anthropic/claude-sonnet-4-20250514", False),
    "google": ("google/gemini-2.5-pro", False),
    "openrouter": ("openrouter/deepseek/deepseek-r1", True),
    "vllm": ("vllm/Qwen/Qwen3-8B", True),
}
EXPECTED: dict[tuple[str, str, str], Any] = {
    ("openai", "paper", "multi-turn"): "high",
    ("openai", "paper", "single-turn"): "high",
    ("openai", "suite", "multi-turn"): "medium",
    ("anthropic", "paper", "multi-turn"): 32000,
    ("anthropic", "paper", "single-turn"): 32000,
    ("google", "paper", "multi-turn"): 32000,
    ("google", "paper", "single-turn"): 32000,
    ("openrouter", "paper", "multi-turn"): {"effort": "high"},
    ("openrouter", "paper", "single-turn"): {"max_tokens": 32000},
    ("openrouter", "suite", "multi-turn"): {"effort": "medium"},
    ("openrouter", "suite", "single-turn"): {"effort": "medium"},
    ("vllm", "paper", "multi-turn"): {"enable_thinking": True, "thinking": True},
    ("vllm", "paper", "single-turn"): {"enable_thinking": True, "thinking": True},
}


def sent(provider: str, body: dict[str, Any]) -> Any:
    """The reasoning setting a request body carries, in the provider's own field."""
    if provider == "openai":
        return body["reasoning"]["effort"]
    if provider == "anthropic":
        return body["thinking"]["budget_tokens"]
    if provider == "google":
        return body["generationConfig"]["thinkingConfig"]["thinking_budget"]
    if provider == "openrouter":
        return body["reasoning"]
    return body["chat_template_kwargs"]


@pytest.mark.parametrize(("provider", "layout", "kind"), list(EXPECTED))
def test_thinking_settings_per_provider_and_layout(
    server: str, tmp_path: Any, provider: str, layout: str, kind: str
) -> None:
    if provider == "google" and importlib.util.find_spec("google") is None:
        pytest.skip("needs google-genai")
    model, v1 = PROVIDERS[provider]
    run_task(paper_and_suite_tasks(kind, layout), model, f"{server}/v1" if v1 else server, tmp_path)
    body = generation_requests()[-1]
    assert sent(provider, body) == EXPECTED[(provider, layout, kind)]
    if provider == "openrouter":
        assert "max_tokens" not in body["reasoning"] or "effort" not in body["reasoning"]


def test_suite_layout_keeps_anthropic_on_an_effort(server: str, tmp_path: Any) -> None:
    """Under the suite layout Anthropic gets effort medium, which Inspect turns into a
    budget of its own; the paper layout sends the paper's 32k instead."""
    budgets = {}
    for layout in ("paper", "suite"):
        task = horizon(samples=1, turns=1, mode="thinking", layout=layout)
        run_task(task, PROVIDERS["anthropic"][0], server, tmp_path)
        budgets[layout] = generation_requests()[-1]["thinking"]["budget_tokens"]
    assert budgets["paper"] == 32000 and budgets["suite"] != 32000


@pytest.mark.parametrize("layout", ["paper", "suite"])
def test_no_thinking_is_the_same_in_both_layouts(server: str, tmp_path: Any, layout: str) -> None:
    run_task(
        horizon(samples=1, turns=1, mode="plain", layout=layout),
        PROVIDERS["openrouter"][0],
        f"{server}/v1",
        tmp_path,
    )
    assert generation_requests()[-1]["reasoning"] == {"effort": "none"}


def test_paper_thinking_settings_are_recorded(server: str, tmp_path: Any) -> None:
    sample = run_task(
        horizon(samples=1, turns=1, mode="thinking"),
        PROVIDERS["openrouter"][0],
        f"{server}/v1",
        tmp_path,
    )
    assert reasoning_log(sample)["settings"]["reasoning_effort"] == "high"
    elicitation = Elicitation(mode="thinking", effort="high", budget=32000, prefer="effort")
    assert elicitation.generic_config().reasoning_tokens is None
    assert elicitation.config_for("openai/gpt-5").reasoning_effort == "high"
    assert elicitation.config_for("anthropic/claude-sonnet-4-5").reasoning_tokens == 32000
    assert elicitation.config_for("google/gemini-2.5-pro").reasoning_tokens == 32000
