"""Finding the suite's logs among the given paths and reading what the report needs.

Headers come through :func:`inspect_ai.analysis.evals_df`, one log at a time so that a
damaged file is skipped with a note instead of ending the report. Samples are streamed one
at a time with their messages, events and store left unread, and reduced at once to their
score values, so memory holds the scores, never a whole log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log_samples
from inspect_ai.scorer import Score, mean_score
from pydantic import BaseModel, ConfigDict, Field

from long_horizon_execution.evals.frontier_results import Tokens, log_tokens
from long_horizon_execution.evals.task_common import TASK_VERSION
from long_horizon_execution.scorers.correctness import PER_TURN, TurnCorrectness
from long_horizon_execution.scorers.self_conditioning import BASES, split_value

Experiment = Literal["horizon", "self_conditioning", "single_turn", "frontier"]
_UNREAD_FIELDS = {"messages", "events", "store", "attachments"}
_EARLIER_SETTINGS = {"layout": "suite", "parsing": "lenient"}
"""What logs made before these task parameters existed ran with."""
_WITHOUT_EARLIER_SETTINGS = {"list_edits"}
"""Tasks that never took those parameters (their logs must not be labelled with them)."""
OPERATIONAL_CONFIG = {
    "max_retries",
    "timeout",
    "attempt_timeout",
    "stream_idle_timeout",
    "max_connections",
    "adaptive_connections",
    "cache_prompt",
    "cache",
    "batch",
}
"""Generate options that change how requests are sent, never what a model replies."""
_VERSION = re.compile(r"^(\d+)-[A-Z]+$")


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
    task_id: str = ""
    """Inspect's id of the task run; ``inspect eval-retry`` and ``eval_set`` keep it."""
    eval_id: str = ""
    task_version: int | str = 0
    base_url: str | None = None
    """The ``--model-base-url`` given (Inspect records no base URL taken from the
    environment)."""
    generate_config: dict[str, Any] = Field(default_factory=dict)
    """Generate options given to the model (``--temperature``, ``--max-tokens``) that can
    change its replies."""
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
        if self.task.rsplit("/", 1)[-1] in _WITHOUT_EARLIER_SETTINGS:
            return dict(self.task_args)
        earlier = {
            name: value
            for name, value in _EARLIER_SETTINGS.items()
            if name not in self.task_args and name not in self.metadata
        }
        return earlier | self.task_args

    def run(self) -> str:
        """Logs with the same run are one run: an original and its retries (``inspect
        eval-retry``, an ``eval_set`` rerun), which keep the task id. Of those the newest
        finished one is reported; logs of distinct runs are never merged."""
        run_id = self.task_id or self.eval_id or self.path
        return json.dumps([run_id, self.task, self.model])

    def setting(self) -> str:
        """Logs with the same setting ran the same task, model and arguments; they are still
        distinct runs (a smoke test beside a full run, or two endpoints whose URL Inspect
        did not record), so each keeps a row of its own, told apart by its log."""
        return json.dumps(
            [
                self.task,
                self.model,
                self.model_args,
                self.base_url,
                self.generate_config,
                self.settings,
            ],
            sort_keys=True,
            default=str,
        )

    @property
    def created_at(self) -> datetime:
        """When the log was created, comparable across time zones."""
        try:
            when = datetime.fromisoformat(self.created)
        except ValueError:
            return datetime.min.replace(tzinfo=UTC)
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    def newer_version(self) -> str | None:
        """The task version when it is newer than this suite's (its scores may mean
        something this report does not know), else None."""
        made = _VERSION.match(str(self.task_version))
        known = _VERSION.match(TASK_VERSION)
        if made and known and int(made.group(1)) > int(known.group(1)):
            return str(self.task_version)
        return None


class ScoredSample(BaseModel):
    """One epoch of one sample (a trial), scored."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: int | str
    epoch: int = 1
    value: np.ndarray
    """The per-turn correctness end to end (see :func:`score_array`)."""
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
            "task_id": spec.task_id,
            "eval_id": spec.eval_id,
            "task_version": spec.task_version,
            "base_url": spec.model_base_url,
            "generate_config": {
                name: value
                for name, value in spec.model_generate_config.model_dump(exclude_none=True).items()
                if name not in OPERATIONAL_CONFIG
            },
            "sample_ids": spec.dataset.sample_ids or [],
            "epochs": spec.config.epochs or 1,
            "reducer": spec.config.epochs_reducer,
            "metadata": spec.metadata or {},
            "tokens": log_tokens(log).model_dump(),
        },
        default=str,
    )


def reason(error: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    lines = str(error).strip().splitlines()
    text = lines[0][:200] if lines else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
            try:
                found += sorted(info.name for info in list_eval_logs(path, recursive=True))
            except OSError as error:
                raise ReportError(f"cannot list the logs in {path}: {error.strerror}") from None
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


def score_array(score: Score) -> np.ndarray:
    """A score's per-turn numbers as one float array, end to end, from its metadata or, in
    logs before suite 0.3, its value: an execution or single-turn score's correctness
    (index, task, turn), a self-conditioning score's (shown, true)."""
    per_turn = (score.metadata or {}).get(PER_TURN)
    if isinstance(per_turn, dict) and set(per_turn) == set(BASES):
        return np.concatenate(split_value(score.value, score.metadata))
    if isinstance(score.value, dict) or per_turn is not None:
        return TurnCorrectness.from_score(score.value, score.metadata).flat()
    return np.asarray(score.value, dtype=np.float64)


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
                value=score_array(score),
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
