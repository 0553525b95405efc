"""An OpenAI-compatible chat completions server on 127.0.0.1 that answers like the simulated
executor and injects faults on request, for reliability tests through Inspect's real
``openai-api`` provider.

Only the standard library serves (a threaded ``http.server``), so it runs wherever the
test extra is installed. Replies are computed from the request's messages exactly as the
in-process simulated model computes them, so a faulty run can be compared with a clean
one. A fault plan (a plain callable) decides per request whether to answer, fail with a
status, stall past the client's timeout, or send a chosen malformed reply (tool calls
nobody offered, a refusal, no choices at all, ...). Like OpenAI's endpoint, the server
refuses (400) a conversation in which an assistant message's tool calls are not answered
by tool messages, or a tool message answers no call.

    with FakeOpenAIServer(SimulatedBehaviour(p=0.9)) as server:
        eval(task, model="openai-api/fake/executor", model_base_url=server.base_url, ...)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from background_server import BackgroundServer
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    ModelOutput,
)

from long_horizon_execution.evals.simulated import CHARS_PER_TOKEN, SimulatedExecutor
from long_horizon_execution.evals.simulated_behaviour import SimulatedBehaviour

MODEL_ENV = {"FAKE_API_KEY": "fake-key-for-tests"}


@dataclass(frozen=True)
class RequestInfo:
    """What a fault plan may look at: the conversation and how often it was asked."""

    users: tuple[str, ...]
    """User message texts in order; the last is the current turn."""
    digest: str
    """sha256 of the whole message list (roles and texts)."""
    attempt: int
    """1 for the first request with this exact conversation, 2 for its first retry, ..."""
    input_tokens: int
    messages: tuple[ChatMessage, ...] = ()

    @property
    def turn(self) -> int:
        return len(self.users)


@dataclass(frozen=True)
class Action:
    """One response. ``status`` other than 200 sends an OpenAI-style error body;
    ``stall`` seconds of silence first (a timeout when longer than the client waits);
    ``content``/``raw_content`` replace the model's reply (``raw_content`` is spliced
    into the JSON as bytes, for replies that are not valid UTF-8)."""

    status: int = 200
    stall: float = 0.0
    content: str | None = None
    raw_content: bytes | None = None
    reasoning: str | None = None
    finish_reason: str | None = "stop"
    error_code: str | None = None
    error_message: str = "injected fault"
    hold: threading.Event | None = None
    """Block until this event is set (or the client goes away) before answering."""
    tool_calls: tuple[str, ...] = ()
    """Functions the reply calls, whether or not any tool was offered."""
    tool_arguments: str = "{}"
    """The arguments of every call, as sent (need not be JSON)."""
    null_content: bool = False
    """Send ``"content": null`` (as replies carrying only tool calls usually do)."""
    refusal: str | None = None
    """Send this as the message's ``refusal`` field."""
    no_choices: bool = False
    """Send ``"choices": []``."""


FaultPlan = Callable[[RequestInfo], Action | None]


def to_messages(raw: list[dict[str, Any]]) -> list[ChatMessage]:
    """OpenAI request messages as Inspect messages (text only, which is all we send)."""
    messages: list[ChatMessage] = []
    for message in raw:
        content = message.get("content") or ""
        if isinstance(content, list):
            content = "".join(str(part.get("text", "")) for part in content)
        role = message.get("role")
        if role in ("system", "developer"):
            messages.append(ChatMessageSystem(content=content))
        elif role == "user":
            messages.append(ChatMessageUser(content=content))
        elif role == "assistant":
            messages.append(ChatMessageAssistant(content=content))
    return messages


def digest_messages(messages: list[ChatMessage]) -> str:
    digest = hashlib.sha256()
    for message in messages:
        digest.update(message.role.encode())
        digest.update(b"\x00")
        digest.update(message.text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x01")
    return digest.hexdigest()


_EXECUTOR_LOCK = threading.Lock()


def simulated_output(messages: list[ChatMessage], behaviour: SimulatedBehaviour) -> ModelOutput:
    """What the in-process simulated executor returns for these messages (its own
    ``generate``, so the server cannot drift from it)."""
    executor = SimulatedExecutor("executor", **behaviour.model_dump())
    with _EXECUTOR_LOCK:
        return asyncio.run(executor.generate(messages, [], "none", GenerateConfig()))


def simulated_text(messages: list[ChatMessage], behaviour: SimulatedBehaviour) -> str:
    """The simulated executor's visible reply (plain or cot prompts)."""
    return simulated_output(messages, behaviour).completion


def tool_history_error(raw: list[dict[str, Any]]) -> str | None:
    """Why OpenAI would refuse these request messages for their tool calls, or None: every
    call of an assistant message must be answered by the tool messages right after it,
    and every tool message must answer such a call."""
    pending: set[str] = set()
    for index, message in enumerate(raw):
        role = message.get("role")
        if role == "tool":
            call = str(message.get("tool_call_id"))
            if call not in pending:
                return (
                    f"Invalid parameter: messages with role 'tool' must be a response to a "
                    f"preceding message with 'tool_calls' (messages.[{index}])."
                )
            pending.discard(call)
            continue
        if pending:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id'. Missing: {', '.join(sorted(pending))}."
            )
        if role == "assistant":
            pending = {str(call.get("id")) for call in message.get("tool_calls") or []}
    return None


@dataclass
class ServedRequest:
    info: RequestInfo
    action: Action
    authorization: str
    final: bool = False
    body: dict[str, Any] = field(default_factory=dict)
    """The request as received (JSON)."""


@dataclass
class _State:
    behaviour: SimulatedBehaviour
    plan: FaultPlan | None
    final_turn: int | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    attempts: dict[str, int] = field(default_factory=dict)
    served: list[ServedRequest] = field(default_factory=list)
    completed: threading.Condition = field(default_factory=threading.Condition)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._send(200, json.dumps({"object": "list", "data": []}).encode())

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        state = self.server.state
        messages = to_messages(body.get("messages", []))
        digest = digest_messages(messages)
        input_tokens = sum(len(m.text) for m in messages) // CHARS_PER_TOKEN + 1
        with state.lock:
            attempt = state.attempts.get(digest, 0) + 1
            state.attempts[digest] = attempt
        users = tuple(m.text for m in messages if isinstance(m, ChatMessageUser))
        info = RequestInfo(
            users=users,
            digest=digest,
            attempt=attempt,
            input_tokens=input_tokens,
            messages=tuple(messages),
        )
        refused = tool_history_error(body.get("messages", []))
        if refused is not None:
            action = Action(status=400, error_message=refused)
        else:
            action = (state.plan(info) if state.plan else None) or Action()
        window = state.behaviour.context_window
        if action == Action() and window is not None and input_tokens > window:
            # the simulated executor would stop with model_length; OpenAI says it this way
            action = Action(
                status=400,
                error_code="context_length_exceeded",
                error_message=(
                    f"This model's maximum context length is {window} tokens. However, "
                    f"your messages resulted in {input_tokens} tokens."
                ),
            )
        served = ServedRequest(
            info=info,
            action=action,
            authorization=self.headers.get("authorization", ""),
            body=body,
        )
        with state.lock:
            state.served.append(served)
        if action.hold is not None:
            while not action.hold.wait(0.05):
                pass
        if action.stall:
            threading.Event().wait(action.stall)
        if action.status != 200:
            error = {
                "error": {
                    "message": action.error_message,
                    "type": "invalid_request_error" if action.status < 500 else "server_error",
                    "param": None,
                    "code": action.error_code,
                }
            }
            # retry-after-ms keeps the client's own backoff short in tests
            self._send(action.status, json.dumps(error).encode(), {"retry-after-ms": "20"})
            return
        self._send(200, self._completion(body, messages, action, input_tokens))
        if state.final_turn is not None and info.turn == state.final_turn:
            with state.completed:
                served.final = True
                state.completed.notify_all()

    def _completion(
        self, body: dict[str, Any], messages: list[ChatMessage], action: Action, tokens: int
    ) -> bytes:
        state = self.server.state
        text = action.content
        if text is None and action.raw_content is None and not action.null_content:
            text = simulated_text(messages, state.behaviour)
        placeholder = "\u0000RAW\u0000"
        message: dict[str, Any] = {
            "role": "assistant",
            "content": placeholder if action.raw_content is not None else text,
        }
        if action.reasoning is not None:
            message["reasoning_content"] = action.reasoning
        if action.refusal is not None:
            message["refusal"] = action.refusal
        if action.tool_calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{index}",
                    "type": "function",
                    "function": {"name": name, "arguments": action.tool_arguments},
                }
                for index, name in enumerate(action.tool_calls)
            ]
        reply_chars = len(text or "") + len(action.raw_content or b"")
        choices = [{"index": 0, "message": message, "finish_reason": action.finish_reason}]
        completion = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "fake"),
            "choices": [] if action.no_choices else choices,
            "usage": {
                "prompt_tokens": tokens,
                "completion_tokens": reply_chars // CHARS_PER_TOKEN + 1,
                "total_tokens": tokens + reply_chars // CHARS_PER_TOKEN + 1,
            },
        }
        encoded = json.dumps(completion).encode()
        if action.raw_content is not None:
            encoded = encoded.replace(
                json.dumps(placeholder).encode(), b'"' + action.raw_content + b'"'
            )
        return encoded

    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout we injected)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeOpenAIServer(BackgroundServer):
    """The server in a background thread; a context manager that stops it on exit."""

    def __init__(
        self,
        behaviour: SimulatedBehaviour | None = None,
        plan: FaultPlan | None = None,
        final_turn: int | None = None,
    ) -> None:
        self.state = _State(behaviour or SimulatedBehaviour(), plan, final_turn)
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self.state
        super().__init__(server)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def environment(self, api_key: str = MODEL_ENV["FAKE_API_KEY"]) -> dict[str, str]:
        """Variables that point ``openai-api/fake/...`` at this server."""
        return {"FAKE_BASE_URL": self.base_url, "FAKE_API_KEY": api_key}

    def set_plan(self, plan: FaultPlan | None) -> None:
        self.state.plan = plan

    @property
    def served(self) -> list[ServedRequest]:
        with self.state.lock:
            return list(self.state.served)

    @property
    def requests(self) -> int:
        return len(self.served)

    def reset(self) -> None:
        """Forget served requests and attempt counts (a fresh run against the same port)."""
        with self.state.lock:
            self.state.served.clear()
            self.state.attempts.clear()

    def wait_for_final_replies(self, count: int, timeout: float) -> bool:
        """Block until ``count`` replies to the final turn were sent (samples done)."""
        with self.state.completed:
            return self.state.completed.wait_for(
                lambda: sum(s.final for s in self.state.served) >= count, timeout
            )


@contextmanager
def serving(behaviour: SimulatedBehaviour) -> Iterator[FakeOpenAIServer]:
    """A running server whose API key is in the environment, as a test module's fixture
    needs it; both are undone on exit."""

    with FakeOpenAIServer(behaviour) as running, pytest.MonkeyPatch.context() as patch:
        for name, value in running.environment().items():
            patch.setenv(name, value)
        yield running
