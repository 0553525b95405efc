"""Task parameters, checked before anything runs: a bad value fails with one line naming it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from inspect_ai._util.error import PrerequisiteError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evals.dataset import VALUE_LIMIT, value_too_long
from evals.prompts import Layout, Mode
from scorers.parsing import ParsingRule
from solvers.history import HistoryName

ReasoningEffort = Literal["minimal", "low", "medium", "high"]


class ParameterError(PrerequisiteError):
    """A task parameter is invalid. Inspect prints its message alone, without a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.message)


class CommonParams(BaseModel):
    """What every task of the suite takes: the data, the mode, the prompt layout and the
    reasoning settings."""

    model_config = ConfigDict(extra="forbid", strict=True)

    samples: int = Field(ge=1)
    k: int = Field(ge=1)
    mode: Mode
    layout: Layout = "paper"
    parsing: ParsingRule = "paper"
    seed: int
    dict_size: int = Field(ge=1)
    value_min: int
    value_max: int
    reasoning_effort: ReasoningEffort | None
    reasoning_tokens: int | None = Field(default=None, ge=1)
    dataset_file: str | None

    @field_validator("value_min", "value_max")
    @classmethod
    def _check_digits(cls, value: int) -> int:
        # Totals stay exact at any size; this bound keeps every one readable as an answer.
        if value_too_long(value):
            raise ValueError(VALUE_LIMIT)
        return value

    @model_validator(mode="after")
    def _check_common(self) -> CommonParams:
        if self.value_min > self.value_max:
            raise ValueError(
                f"value_min ({shown(self.value_min)}) must not exceed "
                f"value_max ({shown(self.value_max)})"
            )
        if self.dataset_file is not None and not Path(self.dataset_file).is_file():
            raise ValueError(f"dataset_file {self.dataset_file!r} does not exist")
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
    votes: int = Field(default=1, ge=1)
    window: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check_length(self) -> HorizonParams:
        if self.turns is None and self.steps is None:
            raise ValueError("give turns or steps")
        return self

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


def shown(value: object) -> str:
    """``repr(value)``, except that an integer longer than SHOWN_DIGITS shows as its length,
    so an error stays one readable line."""
    if isinstance(value, int) and decimal_digits(value) > SHOWN_DIGITS:
        sign = "a negative" if value < 0 else "an"
        return f"{sign} integer of {decimal_digits(value):,} digits"
    return repr(value)


def validate_params(task: str, model: type[BaseModel], values: dict[str, Any]) -> Any:
    """Build ``model`` from task arguments, or raise one clear line naming the culprit."""
    try:
        return model(**values)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        given = f" (got {shown(first['input'])})" if field else ""
        message = first["msg"].removeprefix("Value error, ")
        name = f"parameter {field!r}: " if field else ""
        raise ParameterError(f"{task}: invalid {name}{message}{given}") from None
