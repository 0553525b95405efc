"""The paper's grid file runs as one resumable eval set, offline on the simulated executor."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from inspect_ai import eval_set
from inspect_ai._eval.loader import load_tasks
from inspect_ai.log import list_eval_logs, read_eval_log

from long_horizon_execution.evals.grid_source import GRID_FILE, GRID_KS, GRID_MODES, render

ROOT = Path(__file__).parents[1]
CELLS = {(k, mode) for k, mode in itertools.product(GRID_KS, GRID_MODES)}


@pytest.fixture
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    # Inspect takes a task file as a path relative to the working directory, as the CLI does
    monkeypatch.chdir(ROOT)


def run_grid(log_dir: Path) -> set[str]:
    """The grid at tiny sizes, as `inspect eval-set evals/grid.py -T samples=2 -T steps=6`."""
    done, logs = eval_set(
        ["evals/grid.py"],
        task_args={"samples": 2, "steps": 6},
        model="simulated/executor",
        model_args={"p": 1.0},
        log_dir=str(log_dir),
        display="none",
    )
    assert done, [log.error for log in logs]
    for log in logs:
        assert log.status == "success", log.error
        assert all(sample.error is None for sample in log.samples or [])
    return {info.name for info in list_eval_logs(str(log_dir))}


@pytest.mark.usefixtures("in_repository")
def test_the_file_holds_one_task_per_cell_sharing_the_task_arguments() -> None:
    tasks = load_tasks(["evals/grid.py"], {"samples": 3, "steps": 20})
    assert {(t.metadata["k"], t.metadata["mode"]) for t in tasks} == CELLS  # type: ignore[index]
    assert len(tasks) == len(CELLS)
    for task in tasks:
        assert task.metadata is not None and task.metadata["steps"] == 20
        assert task.name == f"horizon_k{task.metadata['k']}_{task.metadata['mode']}"
        assert len(task.dataset) == 3
        assert task.metadata["layout"] == "paper"  # the paper's layout by default
    suite = load_tasks(["evals/grid.py"], {"samples": 1, "steps": 2, "layout": "suite"})
    assert {t.metadata["layout"] for t in suite} == {"suite"}  # type: ignore[index]


@pytest.mark.usefixtures("in_repository")
def test_the_grid_runs_once_and_a_rerun_only_finishes_what_is_missing(tmp_path: Path) -> None:
    logs = run_grid(tmp_path)
    assert len(logs) == len(CELLS)
    cells = set()
    for name in logs:
        log = read_eval_log(name)
        metadata = log.eval.metadata or {}
        cells.add((metadata["k"], metadata["mode"]))
        assert log.eval.task_args["steps"] == 6
        assert log.results is not None
        assert log.results.scores[0].metrics["task_accuracy"].value == 1.0
    assert cells == CELLS

    assert run_grid(tmp_path) == logs  # nothing left to do: no new logs

    lost = sorted(logs)[0]
    Path(lost.removeprefix("file://")).unlink()  # an interrupted cell
    again = run_grid(tmp_path)
    assert len(again) == len(CELLS) and logs - again == {lost}


def test_the_grid_file_is_what_its_source_renders() -> None:
    # Edit evals/grid_source.py, then run `python -m long_horizon_execution.evals.grid_source`.
    assert GRID_FILE.read_text(encoding="utf-8") == render()
