"""The base of the model providers that answer inside this process (the simulated
executor, and the stand-in models of benchmarks and tests): no server to reach, no key to
read, and as many connections as Inspect will open, since a request costs no more than a
function call. A subclass reads its ``-M`` arguments in :meth:`read_model_args`.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import GenerateConfig, ModelAPI


class InProcessModelAPI(ModelAPI):
    """A provider whose ``generate`` computes the reply itself."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008
        **model_args: Any,
    ) -> None:
        self.read_model_args(model_args)
        super().__init__(model_name, base_url, api_key, [], config)

    def read_model_args(self, model_args: dict[str, Any]) -> None:
        """Check and keep the ``-M`` arguments; a bad one is refused here, when the model
        is built, before any request. By default they are not read."""

    def max_connections(self) -> int:
        return 64
