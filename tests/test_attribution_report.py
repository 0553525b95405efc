"""The report's error attribution: the table and figure from logs scored by
``error_attribution``, equal to what the scorer logged, and the same numbers for a log
scored without it (attributed from its records)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log, write_eval_log

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

from long_horizon_execution.evals.horizon import horizon  # noqa: E402
from long_horizon_execution.evals.report.attribution_rows import read_trials  # noqa: E402
from long_horizon_execution.evals.report.cli import build_report  # noqa: E402

SLIPS = {"p": 1.0, "lookup_slip": 0.15, "arithmetic_slip": 0.15, "stale_slip": 0.15}


def run(log_dir: Path, **task_args: Any) -> Any:
    task = horizon(samples=6, turns=10, **task_args)
    log = inspect_eval(
        task, model="simulated/executor", model_args=SLIPS, log_dir=str(log_dir), display="none"
    )[0]
    assert log.status == "success", log.error
    return log


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_the_report_shows_the_shares_the_scorer_logged(tmp_path: Path) -> None:
    log = run(tmp_path / "logs", mode="cot", k=2)
    report = build_report([str(tmp_path / "logs")], str(tmp_path / "out"), quiet=True)
    assert (tmp_path / "out" / "attribution.png").read_bytes().startswith(b"\x89PNG")
    assert "Error attribution" in (tmp_path / "out" / "report.md").read_text()
    rows = csv_rows(tmp_path / "out" / "attribution.csv")
    assert {row["basis"] for row in rows} == {"answer", "working", "resolved"}
    logged = {
        name: metric.value
        for score in log.results.scores
        if score.name == "error_attribution"
        for name, metric in score.metrics.items()
    }
    for row in rows:
        if row["basis"] == "answer":
            category = row["category"]
            assert float(row["share"]) == pytest.approx(logged[category])
            assert float(row["share_low"]) == pytest.approx(logged[f"{category}_low"])
            assert int(row["failed"]) == logged["failed_turns"]
    assert len(report.attribution) == 1


def test_a_log_without_the_scorer_is_attributed_from_its_records(tmp_path: Path) -> None:
    log = run(tmp_path / "logs")
    scored = list(read_trials(log.location, "plain"))
    # the same log as if made before the scorer existed
    bare = read_eval_log(log.location)
    for sample in bare.samples or []:
        sample.scores = {"execution_scorer": (sample.scores or {})["execution_scorer"]}
    bare.eval.scorers = (bare.eval.scorers or [])[:1]
    path = tmp_path / "old" / Path(log.location).name
    path.parent.mkdir()
    write_eval_log(bare, str(path))
    assert zipfile.is_zipfile(path)
    recomputed = list(read_trials(str(path), "plain"))
    assert [t.turns for t in recomputed] == [t.turns for t in scored]
    assert any(t.turns for t in scored)
    build_report([str(path.parent)], str(tmp_path / "out"), quiet=True)
    shares = {r["category"]: r["share"] for r in csv_rows(tmp_path / "out" / "attribution.csv")}
    assert float(shares["lookup"]) > 0
