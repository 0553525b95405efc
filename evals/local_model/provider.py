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
from pydantic import BaseModel, ConfigDict, Field, field_validator

from long_horizon_execution.evals.params import ParameterError, shown, validate_params

from .catalog import ModelSpec, model_spec
from .launcher import ServerProcess, require_engine
from .weights import ensure_weights

logger = getLogger(__name__)

# Unroutable placeholder: the real port is only known once the server has bound it.
PENDING_BASE_URL = "http://127.0.0.1:9/v1"
MAX_TOTAL_CONTEXT = 262_144
"""Most tokens of context over all server slots (n_ctx x n_parallel): about 7 GB of cache
for the 1.5B model beside its 1.1 GB of weights, within a 24 GB machine."""
MAX_PARALLEL = 64
MAX_THREADS = 256
MAX_STARTUP_SECONDS = 3600.0
MAX_CLIENT_TIMEOUT = 86_400.0


class LocalSettings(BaseModel):
    """Validated `-M` model args (the CLI may hand them over as strings), bounded so that no
    value makes the server claim more memory than a 24 GB machine has."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    n_ctx: int = Field(default=8192, gt=0, description="context tokens per concurrent request")
    threads: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0, le=MAX_THREADS)
    n_parallel: int = Field(
        default=1, gt=0, le=MAX_PARALLEL, description="concurrent requests (server slots)"
    )
    cache_dir: Path | None = None
    startup_timeout: float = Field(default=120.0, gt=0, le=MAX_STARTUP_SECONDS)
    client_timeout: float | None = Field(default=None, gt=0, le=MAX_CLIENT_TIMEOUT)
    """Seconds a request may take, passed on to Inspect's OpenAI-compatible client."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("a boolean is not a valid value")
        return value

    @field_validator("cache_dir")
    @classmethod
    def _folder(cls, value: Path | None) -> Path | None:
        """A folder, or a path that can become one (``~`` is the home folder)."""
        if value is None:
            return None
        folder = value.expanduser()
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing.exists() and not existing.is_dir():
            raise ValueError(f"{existing} is a file, not a folder")
        return folder

    def check_model(self, spec: ModelSpec) -> None:
        """Refuse a context longer than the model was trained for, or more context over all
        slots than fits in memory."""
        if self.n_ctx > spec.context:
            raise ParameterError(
                f"local model: invalid parameter 'n_ctx': {spec.name} holds at most "
                f"{spec.context:,} tokens (got {shown(self.n_ctx)})"
            )
        total = self.n_ctx * self.n_parallel
        if total > MAX_TOTAL_CONTEXT:
            raise ParameterError(
                f"local model: invalid parameter 'n_parallel': n_ctx x n_parallel is "
                f"{total:,} tokens, at most {MAX_TOTAL_CONTEXT:,} fit in memory "
                f"(got {self.n_parallel})"
            )


def local_settings(
    model_name: str, base_url: str | None, model_args: dict[str, Any]
) -> tuple[ModelSpec, LocalSettings]:
    """The model and its settings, each checked: a bad one is refused in one line naming it
    and its value, before the engine or the weights are touched."""
    if base_url is not None:
        raise ParameterError(
            f"local model: --model-base-url is not taken: local models start their own "
            f"server (got {base_url!r})"
        )
    try:
        spec = model_spec(model_name)
    except ValueError as error:
        raise ParameterError(f"local model: {error}") from None
    for name, value in model_args.items():
        if name not in LocalSettings.model_fields:
            raise ParameterError(
                f"local model: unknown parameter {name!r} (got {shown(value)}); known: "
                f"{', '.join(LocalSettings.model_fields)}"
            )
    settings: LocalSettings = validate_params("local model", LocalSettings, model_args)
    settings.check_model(spec)
    return spec, settings


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
        self.spec, self.settings = local_settings(model_name, base_url, model_args)
        settings = self.settings
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
            client_timeout=settings.client_timeout,
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

    async def tokenizer_endpoint(self) -> tuple[str, str]:
        """The server's address and API key, starting it if need be: its ``/tokenize`` and
        ``/apply-template`` count with the model's own tokenizer (the token estimate)."""
        server = await self.ensure_server()
        return server.url, str(self.api_key)

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
