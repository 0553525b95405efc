"""One experiment per task file: ``inspect eval FILE`` runs every @task of FILE, so a file
holding several experiments runs (and bills) all of them."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from inspect_ai import list_tasks
from inspect_ai.log import read_eval_log

from long_horizon_execution.evals.grid import GRID_KS, GRID_MODES

ROOT = Path(__file__).parents[1]
EVALS = ROOT / "evals"
NAMESPACE = "long_horizon_execution"

GRID_TASKS = [f"horizon_k{k}_{mode}" for k in GRID_KS for mode in GRID_MODES]
TASK_FILES = {
    "evals/frontier.py": ["frontier"],
    "evals/grid.py": GRID_TASKS,
    "evals/horizon.py": ["horizon"],
    "evals/list_edits.py": ["list_edits"],
    "evals/self_conditioning.py": ["self_conditioning"],
    "evals/single_turn.py": ["single_turn"],
}
"""Every file under evals/ that Inspect finds tasks in, with its tasks; grid.py is the
paper's grid and runs all its cells by design."""

ALLOWED_TASK_IMPORTS = {
    "evals/grid.py": {"evals/horizon.py"},  # each cell is a horizon run
    "evals/frontier.py": {"evals/single_turn.py"},  # a probe is a single-turn task, K = L
}
"""Task files built on another experiment; every other task file stands alone."""

SMALL_RUNS: dict[str, dict[str, Any]] = {
    "horizon": {"samples": 1, "turns": 2},
    "list_edits": {"samples": 1, "turns": 2},
    "self_conditioning": {"samples": 1, "target_turn": 2, "rates": "[0.0]"},
    "single_turn": {"samples": 1, "steps": 4, "k": 2},
    "frontier": {"k": 2, "samples": 1, "mode": "plain", "reasoning_tokens": "null"},
}
"""Small runs of each task; one command line passes them all (a task ignores the others)."""


def tasks_by_file() -> dict[str, list[str]]:
    """The tasks of each file under evals/, found the way ``inspect list tasks`` finds them."""
    found: dict[str, list[str]] = defaultdict(list)
    for info in list_tasks("evals", root_dir=ROOT):
        found[info.file].append(info.name)
    return {file: sorted(names) for file, names in found.items()}


def is_task_decorator(node: ast.expr) -> bool:
    """``@task``, ``@task(...)``, ``@inspect_ai.task`` and the like."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id == "task"
    return isinstance(target, ast.Attribute) and target.attr == "task"


def declared_tasks(path: Path) -> list[str]:
    """Functions of ``path`` carrying a task decorator, read from source (Inspect skips
    files and folders starting with ``_``; this does not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(is_task_decorator(decorator) for decorator in node.decorator_list)
    ]


def imported_files(path: Path) -> set[str]:
    """The evals/ modules ``path`` imports anywhere (module level or inside functions), as
    repository paths."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    package = "long_horizon_execution."
    paths = {name.removeprefix(package).replace(".", "/") + ".py" for name in names}
    return {path for path in paths if path.startswith("evals/") and (ROOT / path).is_file()}


def test_each_task_file_holds_one_experiment() -> None:
    assert tasks_by_file() == {file: sorted(names) for file, names in TASK_FILES.items()}


def test_no_other_file_under_evals_declares_a_task() -> None:
    declaring = {
        path.relative_to(ROOT).as_posix(): sorted(declared_tasks(path))
        for path in EVALS.rglob("*.py")
        if declared_tasks(path)
    }
    assert declaring == {file: sorted(names) for file, names in TASK_FILES.items()}


def test_no_task_file_imports_another_beyond_its_base() -> None:
    for file in TASK_FILES:
        others = imported_files(ROOT / file) & (TASK_FILES.keys() - {file})
        assert others == ALLOWED_TASK_IMPORTS.get(file, set()), file


def test_entry_point_and_file_forms_run_one_task(tmp_path: Path) -> None:
    # The command line, as users run it: in-process under `python -m pytest` the working
    # directory's evals.egg-info hides the editable install from Inspect, which then
    # registers the tasks without their package name. Every form of every task in one
    # call: a file form that ran more than its one task would add logs.
    specs = [
        spec
        for name in SMALL_RUNS
        for spec in (f"{NAMESPACE}/{name}", f"evals/{name}.py@{name}", f"evals/{name}.py")
    ]
    arguments = [f"{key}={value}" for run in SMALL_RUNS.values() for key, value in run.items()]
    command = [str(Path(sys.executable).parent / "inspect"), "eval", *specs]
    command += ["--model", "simulated/executor", "-M", "p=1.0", "--display", "none"]
    command += ["--log-dir", str(tmp_path)]
    for argument in dict.fromkeys(arguments):
        command += ["-T", argument]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    headers = [read_eval_log(str(p), header_only=True) for p in tmp_path.glob("*.eval")]
    assert all(header.status == "success" for header in headers)
    ran = sorted(header.eval.task for header in headers)
    assert ran == sorted(n for name in SMALL_RUNS for n in (f"{NAMESPACE}/{name}", name, name))


def test_frontier_cli_probes_are_the_packaged_task(tmp_path: Path) -> None:
    # run as __main__, the module must still build its probes from the packaged module, so
    # the logs name the task as `inspect eval long_horizon_execution/frontier` does
    log_dir = tmp_path / "search"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "long_horizon_execution.evals.frontier_cli",
            "--model",
            "simulated/executor",
        ]
        + ["-M", "p=1.0", "-T", "mode=plain", "-T", "reasoning_tokens=null"]
        + ["--granularity", "2", "--max-k", "2", "--samples", "1", "--batch", "1"]
        + ["--also", "--log-dir", str(log_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # not the checkout: its evals.egg-info would hide the installed package
    )
    assert done.returncode == 0, done.stderr[-2000:]
    logs = sorted(log_dir.glob("*.eval"))
    assert logs
    assert {read_eval_log(str(p), header_only=True).eval.task for p in logs} == {
        "long_horizon_execution/frontier"
    }
