"""The suite installs one import name of its own and coexists with common package names.

An eval that depends on us typically has its own ``solvers/`` package (the layout Inspect's
examples use), and may also have the ``evals`` distribution installed. Neither may be
shadowed by ours, nor ours by them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import distribution, entry_points
from pathlib import Path
from typing import Any

DISTRIBUTION = "long-horizon-execution"
NAMESPACE = "long_horizon_execution"


def test_the_distribution_owns_one_top_level_name() -> None:
    installed = distribution(DISTRIBUTION)
    assert installed.metadata["Name"] == DISTRIBUTION
    assert (installed.read_text("top_level.txt") or "").split() == [NAMESPACE]
    ours = [
        ep for ep in entry_points(group="inspect_ai") if ep.dist and ep.dist.name == DISTRIBUTION
    ]
    assert [(ep.name, ep.value) for ep in ours] == [(NAMESPACE, f"{NAMESPACE}._registry")]


def foreign_packages(root: Path) -> None:
    """A project's own ``solvers`` package and an installed ``evals`` distribution (its
    package plus its dist-info, which is all ``importlib.metadata`` looks at)."""
    (root / "solvers").mkdir()
    (root / "solvers" / "__init__.py").write_text("OWNER = 'project'\n")
    (root / "solvers" / "rewrite.py").write_text("OWNER = 'project rewrite'\n")
    (root / "evals").mkdir()
    (root / "evals" / "__init__.py").write_text("OWNER = 'other distribution'\n")
    info = root / "evals-9.9.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evals\nVersion: 9.9.0\n")
    (info / "top_level.txt").write_text("evals\n")


CHECK = textwrap.dedent(
    """
    import importlib.metadata as metadata
    import sys

    import evals
    import solvers
    import solvers.rewrite
    from inspect_ai import eval

    from long_horizon_execution.core import TurnLog
    from long_horizon_execution.solvers import multi_turn, rewritten_history

    assert evals.OWNER == "other distribution", evals.__file__
    assert solvers.OWNER == "project" and solvers.rewrite.OWNER == "project rewrite"
    assert metadata.version("evals") == "9.9.0"
    assert metadata.version("long-horizon-execution")
    log = eval(
        "long_horizon_execution/horizon",
        task_args={"samples": 1, "turns": 2},
        model="simulated/executor",
        model_args={"p": 1.0},
        display="none",
        log_dir=sys.argv[1],
    )[0]
    assert log.status == "success", log.error
    assert log.eval.task == "long_horizon_execution/horizon"
    assert len(TurnLog.of_sample(log.samples[0]).turns) == 2
    print("coexist ok")
    """
)


def test_foreign_solvers_and_evals_packages_coexist_with_ours(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    foreign_packages(project)
    script = project / "check.py"
    script.write_text(CHECK)
    # Run from the other project's folder, as its author would: the script's folder comes
    # first on sys.path, so their names win wherever both exist, and ours are untouched.
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "logs")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "coexist ok" in done.stdout


def test_every_task_records_the_suite_version(run_eval: Any) -> None:
    from long_horizon_execution.core import SUITE_VERSION
    from long_horizon_execution.evals.frontier import frontier
    from long_horizon_execution.evals.horizon import horizon
    from long_horizon_execution.evals.list_edits import list_edits
    from long_horizon_execution.evals.self_conditioning import self_conditioning
    from long_horizon_execution.evals.single_turn import single_turn

    assert SUITE_VERSION == distribution(DISTRIBUTION).version
    tasks = [
        horizon(samples=1, turns=1),
        single_turn(samples=1, steps=2, k=1),
        frontier(k=2, samples=1, mode="plain", reasoning_tokens=None),
        self_conditioning(samples=1, target_turn=2, rates=[0.0]),
        list_edits(samples=1, turns=1),
    ]
    for task in tasks:
        log = run_eval(task, model_args={"p": 1.0})
        assert log.eval.metadata is not None
        assert log.eval.metadata["suite_version"] == SUITE_VERSION, log.eval.task
