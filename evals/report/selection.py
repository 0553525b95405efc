"""Which logs a report uses: of each run the newest finished log (a retry supersedes its
original; distinct runs are all kept), and which frontier logs pool into one frontier."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from long_horizon_execution.evals.adaptive_config import ROUND_METADATA
from long_horizon_execution.evals.report.logs import LogHeader
from long_horizon_execution.evals.task_common import TASK_VERSION

_PROBE_ARGS = {"k", "samples", "first_sample"}


def probe_pool(header: LogHeader) -> str:
    """The frontier a probe log belongs to: its model and every argument but the probe's."""
    args = {k: v for k, v in header.settings.items() if k not in _PROBE_ARGS}
    return json.dumps(
        [header.model, header.model_args, header.base_url, header.generate_config, args],
        sort_keys=True,
        default=str,
    )


def select_logs(headers: Sequence[LogHeader], notes: list[str]) -> list[LogHeader]:
    """This suite's finished logs, one per run: of a run's logs (an original and its retries,
    which keep its task id) the newest finished one. Distinct runs are all kept, even when
    they ran the same task, model and arguments."""
    runs: dict[str, list[LogHeader]] = {}
    for header in sorted(headers, key=lambda h: h.created_at, reverse=True):
        if header.experiment is None:
            notes.append(
                f"skipped {header.path}: task {header.task!r} is not scored by one of the "
                "suite's scorers"
            )
        elif (version := header.newer_version()) is not None:
            notes.append(
                f"skipped {header.path}: written by task version {version}, newer than this "
                f"report's {TASK_VERSION} (update the suite, then report again)"
            )
        else:
            runs.setdefault(header.run(), []).append(header)
    chosen: list[LogHeader] = []
    for logs in runs.values():
        finished = [header for header in logs if header.status == "success"]
        if finished:
            chosen.append(finished[0])
        for header in logs:
            if finished and header is not finished[0]:
                notes.append(
                    f"skipped {header.path} ({header.status}): a log of the same run (task id "
                    f"{header.task_id}) as {finished[0].path}, its newest finished log"
                )
            elif not finished:
                notes.append(
                    f"skipped {header.path}: status {header.status} (finish it with "
                    "`inspect eval-retry`, then report again)"
                )
    chosen = _furthest_rounds(chosen, notes)
    _note_alike(chosen, notes)
    return chosen


def _round(header: LogHeader) -> tuple[str, int] | None:
    """(run, last turn asked) of a round of an adaptive run (``horizon-adaptive``)."""
    tag = header.metadata.get(ROUND_METADATA)
    if not isinstance(tag, dict):
        return None
    run, through = tag.get("signature"), tag.get("through_turn")
    if not isinstance(run, str) or not isinstance(through, int):
        return None
    return run, through


def _furthest_rounds(chosen: Sequence[LogHeader], notes: list[str]) -> list[LogHeader]:
    """Of an adaptive run's rounds, the furthest: it holds every sample as far as the run
    went, the earlier rounds' turns included."""
    furthest: dict[str, LogHeader] = {}
    for header in chosen:
        if (found := _round(header)) is not None:
            run, through = found
            kept = furthest.get(run)
            if kept is None or through > (_round(kept) or ("", 0))[1]:
                furthest[run] = header
    kept_paths = {header.path for header in furthest.values()}
    result = []
    for header in chosen:
        if _round(header) is None or header.path in kept_paths:
            result.append(header)
        else:
            run = (_round(header) or ("", 0))[0]
            notes.append(
                f"skipped {header.path}: an earlier round of the adaptive run whose furthest "
                f"round is {furthest[run].path}"
            )
    return result


def _note_alike(chosen: Sequence[LogHeader], notes: list[str]) -> None:
    """Name the runs that ran the same task, model and arguments: each keeps a row."""
    alike: dict[str, list[LogHeader]] = {}
    for header in chosen:
        if header.experiment != "frontier":
            alike.setdefault(header.setting(), []).append(header)
    for group in alike.values():
        if len(group) > 1:
            names = ", ".join(Path(header.path).name for header in group)
            notes.append(
                f"{len(group)} runs of the same task, model and arguments, each reported in a "
                f"row of its own (its log in the run column): {names}"
            )
