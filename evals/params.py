"""Task parameters, checked before anything runs: a bad value fails with one line naming it.

The size of what a task would build is checked here too, before anything is built, against
maxima chosen so that a build at the maximum takes well under a gigabyte and a few seconds:
see :data:`MAX_INSTANCES`, :data:`MAX_KEYS`, :data:`MAX_SAMPLES`, :data:`MAX_VOTES`,
``evals.dataset.MAX_DICTIONARY_SIZE`` and ``evals.dataset_files.MAX_DATASET_BYTES``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from inspect_ai._util.error import PrerequisiteError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from long_horizon_execution.core import ParsingRule
from long_horizon_execution.evals.dataset import (
    MAX_DICTIONARY_SIZE,
    DictionaryValue,
    check_value_range,
)
from long_horizon_execution.evals.dataset_files import MAX_DATASET_BYTES
from long_horizon_execution.evals.prompts_format import Layout, Mode
from long_horizon_execution.solvers.history import HistoryName

ReasoningEffort = Literal["minimal", "low", "medium", "high"]
Until = Literal["last_turn", "first_error"]
"""How far a multi-turn conversation goes: every planned turn, or through its first wrong
total (see ``scorers.continuation``)."""

MAX_INSTANCES = 1_000
"""Most instances a task draws or reads (``first_sample + samples``): ten times the paper's
100. Each generated instance steps over the paper's 50,000 draws, about a millisecond."""
MAX_KEYS = 1_000_000
"""Most keys a task's instances hold in all (samples x steps, that is samples x turns x k):
e.g. 100 samples of 10,000 turns at k = 1, or 20 probes of 50,000 keys."""
MAX_SAMPLES = 10_000
"""Most samples a task holds (``self_conditioning``: rates x samples)."""
MAX_VOTES = 100
"""Most replies sampled per turn (``votes``); each is a model call."""
MAX_SEED = 2**63 - 1
"""Seeds are 0 .. 2**63 - 1: ``random`` treats -n as n, so a negative seed would silently
repeat a positive one's data."""
MAX_TOKEN_COUNT = 2**31 - 1
"""Largest token count (``reasoning_tokens``, ``max_tokens``): providers read them as 32-bit
integers."""
THINKING_ONLY = ("reasoning_effort", "reasoning_tokens")
"""Settings that only thinking mode sends to the provider."""


class ParameterError(PrerequisiteError):
    """A task parameter is invalid. Its message is printed alone, without a traceback, under
    every display (``--display none`` included), to stderr."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.args = (message,)
        _print_when_uncaught()

    def __str__(self) -> str:
        return str(self.message)


def _print_when_uncaught() -> None:
    """Make an uncaught ParameterError print its one line to stderr. Inspect's own hook
    prints through its console, which ``--display none`` silences and which wraps long lines
    and reads brackets as markup; other exceptions still go to the hook that was there."""
    previous = sys.excepthook
    if getattr(previous, "prints_parameter_errors", False):
        return

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if isinstance(error, ParameterError):
            print(error.message, file=sys.stderr, flush=True)
        else:
            previous(kind, error, trace)

    hook.prints_parameter_errors = True  # type: ignore[attr-defined]
    sys.excepthook = hook


class InvalidField(ValueError):
    """A check across fields that blames one of them: ``validate_params`` names ``field``
    and shows ``value``, as for a check of that field alone."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


def check_product(factors: Mapping[str, int], limit: int, unit: str) -> None:
    """Refuse when the product of ``factors`` (name -> value) exceeds ``limit``, blaming the
    largest factor; Python ints, so no product overflows."""
    total = math.prod(factors.values())
    if total > limit:
        name = max(factors, key=lambda factor: factors[factor])
        product = " x ".join(factors)
        raise InvalidField(
            name,
            factors[name],
            f"{product} is {shown_count(total)} {unit}, more than the {limit:,} a task may hold",
        )


def shown_count(value: int) -> str:
    """An integer with thousands separators, or its length when that would be unreadable."""
    return f"{value:,}" if decimal_digits(value) <= SHOWN_DIGITS else shown(value)


class CommonParams(BaseModel):
    """What every task of the suite takes: the data, the mode, the prompt layout and the
    reasoning settings."""

    model_config = ConfigDict(extra="forbid", strict=True)

    samples: int = Field(ge=1, le=MAX_INSTANCES)
    k: int = Field(ge=1)
    mode: Mode
    layout: Layout = "paper"
    parsing: ParsingRule = "paper"
    seed: int = Field(ge=0, le=MAX_SEED)
    dict_size: int = Field(ge=1, le=MAX_DICTIONARY_SIZE)
    value_min: DictionaryValue
    value_max: DictionaryValue
    reasoning_effort: ReasoningEffort | None
    reasoning_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKEN_COUNT)
    dataset_file: str | None

    @model_validator(mode="after")
    def _check_common(self) -> CommonParams:
        check_value_range(self.value_min, self.value_max, shown)
        if self.dataset_file is not None:
            path = Path(self.dataset_file)
            if not path.exists():
                raise InvalidField("dataset_file", self.dataset_file, "no such file")
            if not path.is_file():
                raise InvalidField("dataset_file", self.dataset_file, "not a regular file")
            if path.stat().st_size > MAX_DATASET_BYTES:
                raise InvalidField(
                    "dataset_file",
                    self.dataset_file,
                    f"{path.stat().st_size:,} bytes, more than the {MAX_DATASET_BYTES:,} "
                    "a dataset file may hold",
                )
        return self

    def as_horizon(self, **fields: Any) -> HorizonParams:
        """The same data and reasoning settings as a ``horizon`` run (its dataset and
        generate config); ``fields`` give or replace the rest."""
        common = {name: getattr(self, name) for name in CommonParams.model_fields}
        return HorizonParams(**(common | fields))


class HorizonParams(CommonParams):
    """Parameters of the multi-turn ``horizon`` task."""

    turns: int | None = Field(default=None, ge=1)
    steps: int | None = Field(default=None, ge=1)
    history: HistoryName
    replay_reasoning: bool
    votes: int = Field(default=1, ge=1, le=MAX_VOTES)
    window: int | None = Field(default=None, ge=0)
    until: Until = "last_turn"
    through_turn: int | None = Field(default=None, ge=1)
    continue_from: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check_length(self) -> HorizonParams:
        if self.steps is not None:
            if self.k > MAX_KEYS:
                # one turn of all the steps, but the worked example holds turns of k keys
                raise InvalidField("k", self.k, f"k is at most {MAX_KEYS:,}")
            check_product({"samples": self.samples, "steps": self.steps}, MAX_KEYS, "keys")
        elif self.turns is not None:
            check_product(
                {"samples": self.samples, "turns": self.turns, "k": self.k}, MAX_KEYS, "keys"
            )
        else:
            raise ValueError("give turns or steps")
        self._check_rounds()
        return self

    def _check_rounds(self) -> None:
        """A run that pauses (``through_turn``) or extends another (``continue_from``)."""
        if self.through_turn is not None and self.through_turn > self.total_turns:
            raise InvalidField(
                "through_turn",
                self.through_turn,
                f"past the last of the {self.total_turns:,} turns planned",
            )
        for name in ("through_turn", "continue_from"):
            value = getattr(self, name)
            if value is not None and self.votes > 1:
                raise InvalidField(
                    name, value, "a voted run cannot be extended (its vote seeds restart)"
                )
        if self.continue_from is not None:
            path = Path(self.continue_from)
            if not path.is_file():
                raise InvalidField("continue_from", self.continue_from, "no such log file")

    @property
    def total_steps(self) -> int:
        """Steps in the task: ``steps`` when given, else turns x k."""
        if self.steps is not None:
            return self.steps
        assert self.turns is not None
        return self.turns * self.k

    @property
    def total_turns(self) -> int:
        return -(-self.total_steps // self.k)


SHOWN_DIGITS = 24


def decimal_digits(value: int) -> int:
    """Digits of ``abs(value)``, counted without ``str`` (which refuses past Python's limit)."""
    magnitude = abs(value)
    digits = max(1, math.floor((magnitude.bit_length() - 1) * math.log10(2)) - 1)
    while 10**digits <= magnitude:
        digits += 1
    return digits


SHOWN_CHARACTERS = 200


def shown(value: object) -> str:
    """``repr(value)``, except that an integer longer than SHOWN_DIGITS shows as its length
    and any other value is cut to SHOWN_CHARACTERS, so an error stays one readable line."""
    if isinstance(value, int) and decimal_digits(value) > SHOWN_DIGITS:
        sign = "a negative" if value < 0 else "an"
        return f"{sign} integer of {decimal_digits(value):,} digits"
    text = repr(value)
    if len(text) > SHOWN_CHARACTERS:
        size = f", {len(value):,} items" if isinstance(value, list | tuple | dict) else ""
        return f"{text[:SHOWN_CHARACTERS]}... ({len(text):,} characters{size})"
    return text


def validate_params(
    task: str,
    model: type[BaseModel],
    values: dict[str, Any],
    defaults: Mapping[str, Any] | None = None,
) -> Any:
    """Build ``model`` from task arguments, or raise one clear line naming the culprit.

    A thinking-mode setting given in another mode is refused (it would be silently
    ignored); ``defaults`` are the task's own defaults for these settings (None unless
    given), which are never refused."""
    try:
        params = model(**values)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        given = first["input"]
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, InvalidField):
            field, given = cause.field, cause.value
        shown_given = f" (got {shown(given)})" if field else ""
        message = first["msg"].removeprefix("Value error, ")
        name = f"parameter {field!r}: " if field else ""
        raise ParameterError(f"{task}: invalid {name}{message}{shown_given}") from None
    mode = getattr(params, "mode", "thinking")
    for setting in THINKING_ONLY:
        value = values.get(setting)
        if mode != "thinking" and value is not None and value != (defaults or {}).get(setting):
            raise ParameterError(
                f"{task}: invalid parameter {setting!r}: mode {mode} sends no reasoning "
                f"settings; use mode=thinking or leave it out (got {shown(value)})"
            )
    return params
