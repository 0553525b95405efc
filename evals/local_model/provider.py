"""Inspect model API that serves a pinned offline model on a private loopback server."""

import os
import secrets
import time
from logging import getLogger
from pathlib import Path
from typing import Any

import anyio
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput
from inspect_ai.model._model_call import ModelCall
from inspect_ai.model._providers.openai_compatible import OpenAICompatibleAPI
from inspect_ai.tool import ToolChoice, ToolInfo
from pydantic import BaseModel, ConfigDict, Field

from .catalog import model_spec
from .launcher import ServerProcess, require_engine
from .weights import ensure_weights

logger = getLogger(__name__)

# Unroutable placeholder: the real port is only known once the server has bound it.
PENDING_BASE_URL = "http://127.0.0.1:9/v1"


class LocalSettings(BaseModel):
    """Validated `-M` model args (the CLI may hand them over as strings)."""

    model_config = ConfigDict(extra="forbid")

    n_ctx: int = Field(default=8192, gt=0, description="context tokens per concurrent request")
    threads: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    n_parallel: int = Field(default=1, gt=0, description="concurrent requests (server slots)")
    cache_dir: Path | None = None
    startup_timeout: float = Field(default=120.0, gt=0)


class LocalModelAPI(OpenAICompatibleAPI):
    """Goes through Inspect's OpenAI-compatible path against a server this object owns.

    Weights are prepared on construction (before any progress display takes over the
    terminal), but the server starts on the first generate: Inspect also constructs
    providers just to look up model info, and those instances must not load a model.
    """

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        if base_url is not None:
            raise ValueError("local models start their own server; do not pass a base URL")
        known = set(LocalSettings.model_fields)
        settings = LocalSettings.model_validate({k: v for k, v in model_args.items() if k in known})
        client_args = {k: v for k, v in model_args.items() if k not in known}
        self.spec = model_spec(model_name)
        self.settings = settings
        require_engine()
        self.weights = ensure_weights(self.spec, settings.cache_dir)
        self.server: ServerProcess | None = None
        self._start_lock = anyio.Lock()
        super().__init__(
            model_name=model_name,
            base_url=PENDING_BASE_URL,
            api_key=secrets.token_urlsafe(24),
            config=config or GenerateConfig(),
            service="local",
            **client_args,
        )

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput | tuple[ModelOutput | Exception, ModelCall]:
        await self.ensure_server()
        return await super().generate(input, tools, tool_choice, config)

    async def ensure_server(self) -> ServerProcess:
        """Start the server once; restart it if it died, so Inspect's retry can recover."""
        if self.server is not None and self.server.running():
            return self.server
        async with self._start_lock:
            if self.server is None or not self.server.running():
                if self.server is not None:
                    logger.warning("local model server exited unexpectedly; restarting it")
                    self.server.stop()
                self.server = await anyio.to_thread.run_sync(self._start_server)
                self.client.base_url = self.server.base_url
                self.base_url = self.server.base_url
            return self.server

    def _start_server(self) -> ServerProcess:
        started = time.monotonic()
        server = ServerProcess.start(
            model_path=self.weights,
            alias=self.spec.name,
            n_ctx=self.settings.n_ctx,
            n_parallel=self.settings.n_parallel,
            threads=self.settings.threads,
            api_key=str(self.api_key),
            timeout=self.settings.startup_timeout,
        )
        elapsed = time.monotonic() - started
        logger.info(f"local model {self.spec.name} ready at {server.url} in {elapsed:.1f}s")
        return server

    def max_connections(self) -> int:
        """One connection per server slot; more would only queue inside the engine."""
        return self.settings.n_parallel

    async def aclose(self) -> None:
        await super().aclose()
        self.close()

    def close(self) -> None:
        """Stop the server (also used by `with model:`, which cannot await the client)."""
        if self.server is not None:
            self.server.stop()
            self.server = None
