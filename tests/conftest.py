"""Shared helpers: run a task offline and read back its samples."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval
from inspect_ai.log import EvalLog


@pytest.fixture
def run_eval(tmp_path: Path) -> Any:
    """Run tasks offline into a temporary log folder and fail on any sample error."""

    def run(task: Task, model: str = "simulated/executor", **kwargs: Any) -> EvalLog:
        kwargs.setdefault("display", "none")
        kwargs.setdefault("log_dir", str(tmp_path / "logs"))
        log = eval(task, model=model, **kwargs)[0]
        assert log.status == "success", log.error
        for sample in log.samples or []:
            assert sample.error is None, sample.error
        return log

    return run


@pytest.fixture
def inspect_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog for Inspect's own log lines.

    Once Inspect has set up logging in a process, its logger stops propagating to the root
    logger, where caplog listens; whether that happened depends on the tests that ran
    before. Listening on Inspect's logger itself (and only there) works either way.
    """
    logger = logging.getLogger("inspect_ai")
    propagate = logger.propagate
    logger.propagate = False
    logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.propagate = propagate
