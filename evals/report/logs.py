"""Finding the suite's logs among the given paths and reading what the report needs.

Headers come through :func:`inspect_ai.analysis.evals_df`, one log at a time so that a
damaged file is skipped with a note instead of ending the report. Samples are streamed one
at a time with their messages, events and store left unread, and reduced at once to their
score values, so memory holds the scores, never a whole log.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log_samples
from inspect_ai.scorer import Score, mean_score
from pydantic import BaseModel, ConfigDict, Field

from evals.frontier import Tokens, log_tokens

Experiment = Literal["horizon", "self_conditioning", "single_turn", "frontier"]
_UNREAD_FIELDS = {"messages", "events", "store", "attachments"}


class ReportError(Exception):
    """Bad input to the report (a missing path, a missing extra): one line, no traceback."""


class LogHeader(BaseModel):
    """What the report needs of one log before reading its samples."""

    path: str
    task: str
    scorer: str | None = None
    model: str
    model_args: dict[str, Any] = Field(default_factory=dict)
    task_args: dict[str, Any] = Field(default_factory=dict)
    created: str
    status: str
    sample_ids: list[int | str] = Field(default_factory=list)
    epochs: int = 1
    reducer: list[str] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tokens: Tokens = Field(default_factory=Tokens)

    @property
    def experiment(self) -> Experiment | None:
        """The experiment this log belongs to, known by its scorer, so renamed tasks (the
        grid's cells, a user's own task scored by ``execution_scorer``) are reported too."""
        scorer = (self.scorer or "").rsplit("/", 1)[-1]
        task = self.task.rsplit("/", 1)[-1]
        if scorer == "execution_scorer":
            return "horizon"
        if scorer == "self_conditioning_scorer":
            return "self_conditioning"
        if scorer == "single_turn_scorer" and task != "frontier_grid":
            # frontier_grid is the frontier benchmark's baseline: every K in one log.
            return "frontier" if task == "frontier" else "single_turn"
        return None

    def argument(self, name: str, default: Any = None) -> Any:
        """A task argument, else the task's metadata (a grid cell fixes k and mode in code,
        so they are in its metadata, not its arguments)."""
        return self.task_args.get(name, self.metadata.get(name, default))

    def identity(self) -> str:
        """Logs with the same identity ran the same thing; the newest one is kept."""
        return json.dumps(
            [self.task, self.model, self.model_args, self.task_args], sort_keys=True, default=str
        )


class ScoredSample(BaseModel):
    """One sample's score as the metrics see it (epochs already reduced)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: int | str
    value: np.ndarray
    metadata: dict[str, Any]
    """The score's metadata (of the first epoch, as Inspect keeps it)."""
    sample_metadata: dict[str, Any]


def _header_json(log: EvalLog) -> str:
    spec = log.eval
    return json.dumps(
        {
            "path": log.location,
            "task": spec.task,
            "scorer": spec.scorers[0].name if spec.scorers else None,
            "model": spec.model,
            "model_args": spec.model_args,
            "task_args": spec.task_args,
            "created": spec.created,
            "status": log.status,
            "sample_ids": spec.dataset.sample_ids or [],
            "epochs": spec.config.epochs or 1,
            "reducer": spec.config.epochs_reducer,
            "metadata": spec.metadata or {},
            "tokens": log_tokens(log).model_dump(),
        },
        default=str,
    )


def check_paths(paths: Sequence[str]) -> None:
    """Fail before reading anything when a path does not exist."""
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        raise ReportError(f"no such log file or directory: {', '.join(missing)}")


def log_files(paths: Sequence[str]) -> list[str]:
    """The log files named or held (recursively) in ``paths``, each once, in order."""
    found: list[str] = []
    for path in paths:
        if Path(path).is_dir():
            found += sorted(info.name for info in list_eval_logs(path, recursive=True))
        else:
            found.append(str(Path(path).resolve().as_uri()))
    unique = list(dict.fromkeys(_local(name) for name in found))
    return unique


def _local(name: str) -> str:
    """A local path, relative to the working directory when under it (reports stay
    readable and hold no machine-specific prefix)."""
    path = Path(name.removeprefix("file://"))
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_header(path: str) -> LogHeader:
    """The log's header, read by Inspect's analysis machinery. Raises on unreadable logs."""
    from inspect_ai.analysis import EvalColumn, evals_df

    frame = evals_df(
        [path], columns=[EvalColumn("report_header", path=_header_json, required=True)], quiet=True
    )
    header = LogHeader.model_validate_json(str(frame.iloc[0]["report_header"]))
    return header.model_copy(update={"path": _local(header.path)})


def stream_scores(
    header: LogHeader, on_sample: Callable[[], None] | None = None
) -> Iterator[tuple[int | str, int, Score, dict[str, Any]]]:
    """(id, epoch, first scorer's score, sample metadata) of every scored sample without
    an error, read one at a time."""
    for sample in read_eval_log_samples(
        header.path, all_samples_required=False, exclude_fields=_UNREAD_FIELDS
    ):
        if on_sample is not None:
            on_sample()
        if sample.error is not None or not sample.scores:
            continue
        score = next(iter(sample.scores.values()))
        yield sample.id, sample.epoch, score, sample.metadata or {}


def scored_samples(
    header: LogHeader, on_sample: Callable[[], None] | None = None
) -> tuple[list[ScoredSample], list[str]]:
    """The log's scored samples in dataset order with epochs reduced as Inspect reduces
    them for its metrics (mean, position by position), and notes on anything unusual."""
    notes: list[str] = []
    Run = tuple[int, np.ndarray, dict[str, Any], dict[str, Any]]
    epochs: dict[int | str, list[Run]] = {}
    for sample_id, epoch, score, metadata in stream_scores(header, on_sample):
        # Kept as arrays at once: a list of Python floats takes four times the memory.
        value = np.asarray(score.value, dtype=np.float64)
        epochs.setdefault(sample_id, []).append((epoch, value, score.metadata or {}, metadata))
    if header.reducer not in (None, ["mean"]):
        notes.append(f"epochs reduced by mean, not {header.reducer}")
    order = {sample_id: i for i, sample_id in enumerate(header.sample_ids)}
    samples = []
    for sample_id in sorted(epochs, key=lambda i: order.get(i, len(order))):
        runs = sorted(epochs[sample_id], key=lambda run: run[0])
        _, value, score_metadata, sample_metadata = runs[0]
        if len(runs) > 1:
            reduced = mean_score()([Score(value=run[1].tolist()) for run in runs])
            value = np.asarray(reduced.value, dtype=np.float64)
        samples.append(
            ScoredSample(
                id=sample_id,
                value=value,
                metadata=score_metadata,
                sample_metadata=sample_metadata,
            )
        )
    return samples, notes
