"""A frontier search's settings, checked before any model call, and the most evals they
can make."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from long_horizon_execution.core import DEFAULT_PARSING
from long_horizon_execution.evals.frontier import (
    MAX_K,
    MAX_SAMPLES,
    MAX_SEARCH_KEYS,
)
from long_horizon_execution.evals.prompts_format import DEFAULT_LAYOUT

SET_BY_SEARCH = {
    "k": "--start, --granularity and --max-k",
    "samples": "--samples",
    "first_sample": "a dataset_file that starts with the instances wanted",
}
"""Task parameters the search sets itself, and what to use instead of ``-T``."""


Threshold = Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
"""An accuracy a probe must reach: in (0, 1]."""


class SearchConfig(BaseModel):
    """Everything that defines a search; probes in the log dir are reused only when the
    model, model args and task args match."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    log_dir: str = Field(min_length=1)
    model_args: dict[str, Any] = Field(default_factory=dict)
    task_args: dict[str, Any] = Field(default_factory=dict)
    """Arguments of the ``frontier`` task other than k, samples and first_sample."""
    threshold: Threshold = 0.5
    also: list[Threshold] = Field(default_factory=lambda: [0.8])
    """Further thresholds; repeats, and the primary threshold again, are searched once."""
    granularity: int = Field(default=10, ge=1)
    start: int | None = Field(default=None, ge=1)
    """First K probed (default: the granularity)."""
    max_k: int = Field(default=4096, ge=1)
    samples: int = Field(default=20, ge=1)
    batch: int = Field(default=5, ge=1)
    alpha: float = Field(default=0.05, ge=0.0, lt=0.5, allow_inf_nan=False)
    max_connections: int | None = Field(default=None, ge=1)
    max_retries: int | None = Field(default=None, ge=0)
    """Inspect's retries of a failed model request (default: Inspect's, without end)."""
    timeout: int | None = Field(default=None, ge=1)
    """Seconds Inspect keeps retrying one request (default: Inspect's, without end)."""
    eval_args: dict[str, Any] = Field(default_factory=dict)
    """Extra arguments to ``inspect_ai.eval``."""

    @field_validator("granularity", "start", "max_k")
    @classmethod
    def _check_k(cls, value: int | None) -> int | None:
        if value is not None and value > MAX_K:
            raise ValueError(f"must be at most MAX_K = {MAX_K:,} keys")
        return value

    @field_validator("samples")
    @classmethod
    def _check_samples(cls, value: int) -> int:
        if value > MAX_SAMPLES:
            raise ValueError(f"must be at most MAX_SAMPLES = {MAX_SAMPLES:,}")
        return value

    @model_validator(mode="after")
    def _check_size(self) -> SearchConfig:
        if self.start is not None and self.start > self.max_k:
            raise ValueError(f"--start ({self.start}) must not exceed --max-k ({self.max_k})")
        if self.samples * self.max_k > MAX_SEARCH_KEYS:
            raise ValueError(
                f"--samples x --max-k = {self.samples:,} x {self.max_k:,} keys, more than "
                f"MAX_SEARCH_KEYS = {MAX_SEARCH_KEYS:,}: lower one of them"
            )
        return self

    @property
    def thresholds(self) -> list[float]:
        """The primary threshold, then each further one once."""
        return list(dict.fromkeys([self.threshold, *self.also]))

    def search_id(self) -> str:
        """A short name of the search's settings (see :func:`search_tags`)."""
        return hashlib.sha256(self.signature().encode()).hexdigest()[:10]

    def signature(self) -> str:
        """What a logged probe must match to be reused. The layout and the parsing rule
        always count, at their defaults when not given, so probes logged before they
        existed (suite prompts, lenient parsing) are never taken for probes of the paper's
        way."""
        task_args = {"layout": DEFAULT_LAYOUT, "parsing": DEFAULT_PARSING, **self.task_args}
        return json.dumps(
            {"model": self.model, "model_args": self.model_args, "task_args": task_args},
            sort_keys=True,
            default=str,
        )


SEARCH_TAG_PREFIX = "frontier-search-"


def search_tags(config: SearchConfig, role: str) -> list[str]:
    """The tags of a search's logs: the search (the same settings give the same tag, so a
    resumed search keeps it) and the log's role (``probe`` or ``grid``), so ``inspect
    view`` and ``evals_df`` can gather one search's 7 to 10 logs. The viewer lists tags in
    alphabetical order in a narrow column: the search's sorts first."""
    return [f"{SEARCH_TAG_PREFIX}{config.search_id()}", role]


def eval_bound(config: SearchConfig) -> int:
    """The most evals a search with ``config`` can run, whatever the model answers.

    Every K it probes is a multiple of the granularity up to ``max_k``, or ``max_k``
    itself. Each threshold's search doubles K from the start (at most log2 of the number
    of such K, plus 2, probes), then bisects a bracket that at least halves with every
    probe, to within one step (as many again, plus a few for an uneven last step). Each K
    takes at most ceil(samples / batch) batches, one eval each."""
    grid_points = config.max_k // config.granularity + 1
    per_threshold = 2 * math.ceil(math.log2(grid_points + 1)) + 6
    ks = min(grid_points, len(config.thresholds) * per_threshold)
    return ks * math.ceil(config.samples / config.batch)
