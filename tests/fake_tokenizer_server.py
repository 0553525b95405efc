"""A llama.cpp-like tokenizer server on 127.0.0.1: ``/props``, ``/tokenize`` (a string or a
mixed list of strings and token ids) and ``/apply-template`` (a ChatML template).

Its tokenizer is a toy with the property that matters here, that it counts very differently
from four characters a token: every digit, every run of letters, every other character and
every run of spaces is a token. ``count`` and ``prompt`` give the same counts in-process,
so a test can say what a real run through this tokenizer would bill.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from background_server import BackgroundServer

SPECIAL = {"<|im_start|>": 1, "<|im_end|>": 2}
_SPECIAL = re.compile("|".join(re.escape(token) for token in SPECIAL))
_PIECE = re.compile(r"[A-Za-z]+|\d| +|[^A-Za-z\d ]")
VOCAB_BASE = 100


def tokens(text: str, parse_special: bool) -> list[int]:
    """Token ids: special tokens (when parsed) keep their ids, other pieces get ids from
    their text (collisions do not matter, only counts and the special ids do)."""
    ids: list[int] = []
    parts = _SPECIAL.split(text) if parse_special else [text]
    specials = _SPECIAL.findall(text) if parse_special else []
    for index, part in enumerate(parts):
        ids.extend(VOCAB_BASE + len(piece) for piece in _PIECE.findall(part))
        if index < len(specials):
            ids.append(SPECIAL[specials[index]])
    return ids


def count(text: str) -> int:
    return len(tokens(text, parse_special=False))


def render(messages: Sequence[dict[str, str]]) -> str:
    """ChatML, with the generation prompt."""
    body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return body + "<|im_start|>assistant\n"


def prompt(messages: Sequence[dict[str, str]]) -> int:
    """Tokens of the request these messages make."""
    return len(tokens(render(messages), parse_special=True))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802
        self.server.calls.append(self.path)
        if self.path == "/props":
            props: dict[str, Any] = {"total_slots": 1}
            if self.server.eos:
                props["eos_token"] = "<|im_end|>"
            self._send(200, props)
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        self.server.calls.append(self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        if self.path == "/tokenize":
            parse = bool(body.get("parse_special", True))
            content = body["content"]
            items = content if isinstance(content, list) else [content]
            ids: list[int] = []
            for item in items:
                ids.extend([item] if isinstance(item, int) else tokens(item, parse))
            self._send(200, {"tokens": ids})
        elif self.path == "/apply-template":
            self._send(200, {"prompt": render(body["messages"])})
        else:
            self._send(404, {"error": "not found"})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    calls: list[str]
    eos: bool


class FakeTokenizerServer(BackgroundServer):
    """The server in a background thread; ``eos=False`` hides the end-of-sequence token,
    so texts cannot be batched."""

    def __init__(self, eos: bool = True) -> None:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.calls = []
        server.eos = eos
        super().__init__(server)
        self._paths = server.calls  # the handler appends every request's path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def calls(self) -> list[str]:
        return list(self._paths)
