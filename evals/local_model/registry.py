"""Registers the `local` model API with Inspect; import this module to enable it."""

from inspect_ai.model import ModelAPI, modelapi


@modelapi(name="local")
def local() -> type[ModelAPI]:
    """Defer the provider import so listing registries stays cheap."""
    from .provider import LocalModelAPI

    return LocalModelAPI
