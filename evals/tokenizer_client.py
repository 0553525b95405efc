"""A model's own tokenizer, asked through a llama.cpp server's ``/tokenize`` endpoint.

The estimate needs the token count of thousands of message texts. One request per text
would take seconds per thousand, so texts go in batches: llama.cpp tokenizes each string of
a mixed ``content`` list on its own and passes integer token ids through, so the texts are
sent separated by the id of a control token (the end-of-sequence token) that plain text
cannot produce with ``parse_special`` off, and the reply is split at that id. The chat
template's own cost (role markers, the generation prompt) is measured by rendering a short
conversation with ``/apply-template`` and tokenizing the result as the server would.

:func:`local_tokenizer` starts a ``local/<model>`` server just for counting: a small
context, one thread, stopped on exit.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from inspect_ai.model import get_model

BATCH_CHARS = 200_000
"""Characters of text per ``/tokenize`` request."""
LOCAL_COUNTING_ARGS: dict[str, Any] = {"n_ctx": 512, "threads": 1, "startup_timeout": 600.0}
"""A server started only to count tokens: a small context (counting does not use it), one
thread, patience on a busy machine."""
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class TokenizerError(RuntimeError):
    """The tokenizer server could not be reached or answered unexpectedly (one line)."""


Message = dict[str, str]
"""A chat message as the OpenAI-compatible API takes it: ``role`` and ``content``."""


class LlamaTokenizer:
    """Counts tokens with the model a llama.cpp server has loaded."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/").removesuffix("/v1")
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._timeout = timeout
        host = urlsplit(self.url).hostname or ""
        # a loopback server must never be asked through an HTTP proxy
        handlers = [urllib.request.ProxyHandler({})] if host in LOOPBACK_HOSTS else []
        self._opener = urllib.request.build_opener(*handlers)
        self._separator: int | None | bool = False  # False: not looked up yet

    def _call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=self._headers)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise TokenizerError(
                f"tokenizer at {self.url}: {path} answered {error.code} {error.reason}"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise TokenizerError(f"tokenizer at {self.url}: {path} failed: {reason}") from None

    def _tokens(
        self, content: str | list[str | int], parse_special: bool, add_special: bool = False
    ) -> list[int]:
        body = {"content": content, "parse_special": parse_special, "add_special": add_special}
        reply = self._call("/tokenize", body)
        tokens = reply.get("tokens") if isinstance(reply, dict) else None
        if not isinstance(tokens, list):
            raise TokenizerError(f"tokenizer at {self.url}: /tokenize sent no token list")
        return [int(token) for token in tokens]

    def separator(self) -> int | None:
        """The id of the server's end-of-sequence token, or None when it has none."""
        if self._separator is False:
            props = self._call("/props")
            eos = props.get("eos_token") if isinstance(props, dict) else None
            ids = self._tokens(eos, parse_special=True) if isinstance(eos, str) and eos else []
            self._separator = ids[0] if len(ids) == 1 else None
        return self._separator if isinstance(self._separator, int) else None

    def count(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each text on its own (no special tokens parsed)."""
        counts: list[int] = []
        batch: list[str] = []
        size = 0
        for text in texts:
            if batch and size + len(text) > BATCH_CHARS:
                counts.extend(self._count_batch(batch))
                batch, size = [], 0
            batch.append(text)
            size += len(text)
        if batch:
            counts.extend(self._count_batch(batch))
        return counts

    def _count_batch(self, texts: list[str]) -> list[int]:
        separator = self.separator() if len(texts) > 1 else None
        if separator is not None:
            content: list[str | int] = []
            for index, text in enumerate(texts):
                content.extend([text] if index == 0 else [separator, text])
            counts = [0]
            for token in self._tokens(content, parse_special=False):
                if token == separator:
                    counts.append(0)
                else:
                    counts[-1] += 1
            if len(counts) == len(texts):
                return counts
        return [len(self._tokens(text, parse_special=False)) for text in texts]

    def prompt_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens of the whole request these messages make: the chat template applied, the
        generation prompt added, tokenized as the server tokenizes a prompt (special tokens
        read as such, a beginning-of-sequence token added if the model takes one)."""
        rendered = self._call("/apply-template", {"messages": list(messages)})
        prompt = rendered.get("prompt") if isinstance(rendered, dict) else None
        if not isinstance(prompt, str):
            raise TokenizerError(f"tokenizer at {self.url}: /apply-template sent no prompt")
        return len(self._tokens(prompt, parse_special=True, add_special=True))


@contextmanager
def local_tokenizer(model: str) -> Iterator[LlamaTokenizer]:
    """The tokenizer of a ``local/<name>`` model, from its server started for counting only
    (asked of Inspect's model registry, as a run would)."""
    try:
        loaded = get_model(model, memoize=False, **LOCAL_COUNTING_ARGS)
    except (RuntimeError, ValueError) as error:  # the engine or weights missing, a bad name
        raise TokenizerError(f"{model}: no tokenizer: {error}") from None
    with loaded:
        endpoint = getattr(loaded.api, "tokenizer_endpoint", None)
        if endpoint is None:
            raise TokenizerError(f"{model}: its provider offers no tokenizer")
        try:
            url, key = asyncio.run(endpoint())
        except RuntimeError as error:  # the server did not start
            raise TokenizerError(f"{model}: tokenizer not started: {error}") from None
        yield LlamaTokenizer(url, key)
