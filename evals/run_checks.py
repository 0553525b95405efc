"""Checks the run drivers (the frontier search, the adaptive run) make before any model is
called: the log dir can hold their logs and the model can be built. Each failure is a
``ParameterError`` in one line, prefixed with the driver's name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from inspect_ai.model import get_model

from long_horizon_execution.evals.frontier_results import first_line
from long_horizon_execution.evals.params import ParameterError


def check_log_dir(driver: str, log_dir: str) -> None:
    """``log_dir`` is (or can be made) a folder this process reads and writes."""
    path = Path(log_dir)
    if path.exists() and not path.is_dir():
        raise ParameterError(f"{driver}: --log-dir {log_dir!r} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ParameterError(
            f"{driver}: --log-dir {log_dir!r} cannot be made: {error.strerror}"
        ) from None
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise ParameterError(f"{driver}: --log-dir {log_dir!r} is not readable and writable")


def check_model(driver: str, model: str, model_args: dict[str, Any]) -> None:
    """The model and its ``-M`` arguments can be built (no request is made)."""
    try:
        get_model(model, memoize=False, **model_args)
    except Exception as error:  # any provider's refusal, reported in one line
        raise ParameterError(
            f"{driver}: --model {model!r} with -M {model_args}: {first_line(error)}"
        ) from None
