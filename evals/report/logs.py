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
_EARLIER_SETTINGS = {"layout": "suite", "parsing": "lenient"}
"""What logs made before these task parameters existed ran with."""


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

    @property
    def settings(self) -> dict[str, Any]:
        """The task arguments, with the settings a log made before they were parameters
        ran under (its metadata lacks them), so an old log is not taken for a run at
        today's defaults."""
        earlier = {
            name: value
            for name, value in _EARLIER_SETTINGS.items()
            if name not in self.task_args and name not in self.metadata
        }
        return earlier | self.task_args

    def identity(self) -> str:
        """Logs with the same identity ran the same thing; the newest one is kept."""
        return json.dumps(
            [self.task, self.model, self.model_args, self.settings], sort_keys=True, default=str
        )


class ScoredSample(BaseModel):
    """One epoch of one sample (a trial), scored."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: int | str
    epoch: int = 1
    value: np.ndarray
    metadata: dict[str, Any]
    """The score's metadata."""
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
    """The log's scored trials (every epoch of every sample) in dataset order, epochs in
    order, and notes on anything unusual."""
    notes: list[str] = []
    trials = []
    for sample_id, epoch, score, metadata in stream_scores(header, on_sample):
        trials.append(
            ScoredSample(
                id=sample_id,
                epoch=epoch,
                # Kept as an array at once: a list of Python floats takes four times the memory.
                value=np.asarray(score.value, dtype=np.float64),
                metadata=score.metadata or {},
                sample_metadata=metadata,
            )
        )
    if header.experiment == "self_conditioning" and header.reducer not in (None, ["mean"]):
        notes.append(f"epochs reduced by mean, not {header.reducer}")
    order = {sample_id: i for i, sample_id in enumerate(header.sample_ids)}
    trials.sort(key=lambda trial: (order.get(trial.id, len(order)), trial.epoch))
    return trials, notes


def mean_over_epochs(trials: Sequence[ScoredSample]) -> list[ScoredSample]:
    """One score per sample, its epochs averaged position by position as Inspect's
    default reducer does: what the self-conditioning metrics see (the execution metrics
    take every trial instead). Keeps the first epoch's metadata, as Inspect does."""
    runs: dict[int | str, list[ScoredSample]] = {}
    for trial in trials:
        runs.setdefault(trial.id, []).append(trial)
    reduced = []
    for group in runs.values():
        first = group[0]
        if len(group) > 1:
            value = mean_score()([Score(value=trial.value.tolist()) for trial in group]).value
            first = first.model_copy(update={"value": np.asarray(value, dtype=np.float64)})
        reduced.append(first)
    return reduced
