"""The report over logs the simulated executor writes: its numbers equal what the scorers
logged, every experiment gets its tables and figures, and anything else in the folder is
skipped with a note."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import match
from inspect_ai.solver import generate

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

from long_horizon_execution.evals.frontier_config import SearchConfig
from long_horizon_execution.evals.frontier_search import FrontierSearch
from long_horizon_execution.evals.horizon import horizon  # noqa: E402
from long_horizon_execution.evals.report.cli import build_report, main  # noqa: E402
from long_horizon_execution.evals.report.horizon_rows import HorizonRow  # noqa: E402
from long_horizon_execution.evals.report.logs import LogHeader, read_header, scored_samples  # noqa: E402
from long_horizon_execution.evals.report.output import Report  # noqa: E402
from long_horizon_execution.evals.report.runs import variant  # noqa: E402
from long_horizon_execution.evals.self_conditioning import self_conditioning  # noqa: E402
from long_horizon_execution.evals.single_turn import single_turn  # noqa: E402
from long_horizon_execution.scorers.self_conditioning import rate_label

SIM = "simulated/executor"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(task: Task, log_dir: Path, model_args: dict[str, Any], **kwargs: Any) -> EvalLog:
    log = inspect_eval(
        task, model=SIM, model_args=model_args, log_dir=str(log_dir), display="none", **kwargs
    )[0]
    assert log.status == "success", log.error
    return log


def foreign_log(log_dir: Path) -> EvalLog:
    """A log of a task that is not the suite's, in the same folder."""
    output = ModelOutput.from_content("mockllm/model", "4")
    output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    task = Task(
        dataset=MemoryDataset([Sample(input="2+2?", target="4")]),
        solver=generate(),
        scorer=match(),
        name="arithmetic",
    )
    model = get_model("mockllm/model", custom_outputs=[output])
    return inspect_eval(task, model=model, log_dir=str(log_dir), display="none")[0]


class Logs:
    def __init__(self, root: Path) -> None:
        self.root = root
        logs = root / "logs"
        # p = 0.9 fails fast: H_0.5 is observed, not censored.
        self.plain = run(horizon(samples=12, turns=30), logs, {"p": 0.9, "seed": 1})
        # Two epochs: each a trial of its instance.
        self.epochs = run(horizon(samples=6, turns=12, k=2), logs, {"p": 0.95}, epochs=2)
        self.conditioning = run(
            self_conditioning(samples=6, rates=[0.0, 0.5, 1.0], target_turn=8),
            logs,
            {"p": 0.95, "self_conditioning": 0.5},
        )
        self.single = run(single_turn(samples=6, steps=12, k=3), logs, {"p": 0.9})
        search = SearchConfig(
            model=SIM,
            log_dir=str(logs / "frontier"),
            model_args={"p": 1.0, "single_turn_capacity": 24, "capacity_spread": 0.02},
            task_args={"dict_size": 20, "mode": "plain", "reasoning_tokens": None},
            granularity=4,
            samples=6,
            batch=3,
        )
        self.search = FrontierSearch(search).run()
        self.foreign = foreign_log(logs)
        (logs / "damaged.eval").write_bytes(b"not a zip file")


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Logs:
    return Logs(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def report(logs: Logs) -> Report:
    return build_report([str(logs.root / "logs")], str(logs.root / "out"), quiet=True)


def logged(log: EvalLog) -> dict[str, float]:
    assert log.results is not None
    return {name: m.value for s in log.results.scores for name, m in s.metrics.items()}


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def row_for(report: Report, log: EvalLog) -> HorizonRow:
    rows = [r.row for r in report.horizon if Path(r.row.log).name == Path(log.location).name]
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("which", ["plain", "epochs"])
def test_horizon_numbers_equal_the_logged_metrics(logs: Logs, report: Report, which: str) -> None:
    log = getattr(logs, which)
    row = row_for(report, log)
    metrics = logged(log)
    for name in (
        "turn1_accuracy",
        "turn_accuracy",
        "task_accuracy",
        "known_steps",
        "observed_turns",
        "planned_turns",
        "p_step",
        "cached_input_share",
        "horizon_50",
        "horizon_50_low",
        "horizon_50_high",
        "horizon_80",
        "horizon_80_low",
        "horizon_80_high",
        "theory_horizon_50",
        "theory_horizon_80",
    ):
        assert same(getattr(row, name), metrics[name]), name
    assert row.horizon_50_censored == bool(metrics["horizon_50_censored"])
    assert row.samples == len(log.eval.dataset.sample_ids or [])
    assert row.trials == row.samples * (log.eval.config.epochs or 1)


def test_plain_run_has_an_observed_horizon(logs: Logs, report: Report) -> None:
    row = row_for(report, logs.plain)
    assert not row.horizon_50_censored
    assert row.horizon_50_low <= row.horizon_50 <= row.horizon_50_high
    assert (row.k, row.steps, row.mode) == (1, 30, "plain")


def test_self_conditioning_numbers_equal_the_logged_metrics(logs: Logs, report: Report) -> None:
    metrics = logged(logs.conditioning)
    assert [row.rate for row in report.rates] == [0.0, 0.5, 1.0]
    for row in report.rates:
        for basis in ("shown", "true"):
            for suffix in ("", "_low", "_high"):
                name = f"{basis}_{rate_label(row.rate)}{suffix}"
                assert same(getattr(row, basis + suffix), metrics[name])
    (slope,) = report.slopes
    for name in ("slope_shown", "slope_shown_low", "slope_true", "slope_true_high"):
        assert same(getattr(slope, name), metrics[name]), name
    assert slope.instances == 6 and slope.target_turn == 8


def test_single_turn_numbers_equal_the_logged_metrics(logs: Logs, report: Report) -> None:
    metrics = logged(logs.single)
    (row,) = report.single_turn
    assert same(row.whole, metrics["reply_accuracy"])
    assert same(row.block_accuracy, metrics["block_accuracy"])
    assert (row.steps, row.k, row.blocks, row.samples) == (12, 3, 4, 6)


def test_frontier_horizons_equal_the_search(logs: Logs, report: Report) -> None:
    (row,) = report.frontier
    found = {result.threshold: result for result in logs.search.results}
    assert (row.horizon_50, row.horizon_50_upper) == (found[0.5].horizon, found[0.5].upper)
    assert (row.horizon_80, row.horizon_80_upper) == (found[0.8].horizon, found[0.8].upper)
    assert row.tokens == logs.search.tokens.total
    assert [p.k for p in report.probes] == [p.k for p in logs.search.probes]
    assert [p.correct for p in report.probes] == [p.correct for p in logs.search.probes]


def test_other_tasks_and_damaged_files_are_skipped_and_reruns_kept(
    logs: Logs, report: Report, tmp_path: Path
) -> None:
    notes = " ".join(
        build_report([str(logs.root / "logs")], str(tmp_path / "a"), draw=False, quiet=True).notes
    )
    assert "damaged.eval: unreadable" in notes
    assert "'arithmetic' is not scored by one of the suite's scorers" in notes
    # The same command run again is a run of its own: both rows are kept, each naming its
    # log, and the note names both (only a retry of a run supersedes it).
    rerun = run(horizon(samples=12, turns=30), logs.root / "rerun", {"p": 0.9, "seed": 1})
    again = build_report(
        [str(logs.root / "logs"), str(logs.root / "rerun")], str(tmp_path / "b"), quiet=True
    )
    assert len(again.horizon) == len(report.horizon) + 1
    assert row_for(again, rerun).horizon_50 == row_for(again, logs.plain).horizon_50
    assert row_for(again, rerun).run == Path(rerun.location).name
    assert row_for(again, logs.plain).run == Path(logs.plain.location).name
    assert "2 runs of the same task, model and arguments" in " ".join(again.notes)


def test_tables_and_figures_are_written(logs: Logs, report: Report) -> None:
    out = logs.root / "out"
    for name in ("horizon", "self_conditioning", "self_conditioning_slopes", "single_turn"):
        assert (out / f"{name}.md").read_text().startswith("## ")
    with (out / "horizon.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    plain = next(r for r in rows if r["k"] == "1")
    assert float(plain["horizon_50"]) == row_for(report, logs.plain).horizon_50
    assert "frontier_probes.csv" in {Path(f).name for f in report.files}
    for figure in ("task_accuracy", "turn_accuracy", "self_conditioning", "frontier"):
        assert (out / f"{figure}.png").read_bytes()[:8] == PNG_MAGIC, figure
    assert (out / "horizon_theory.png").read_bytes()[:8] == PNG_MAGIC
    index = (out / "report.md").read_text()
    assert "![horizon_theory](horizon_theory.png)" in index and "## Notes" in index


def test_a_renamed_task_is_reported_by_its_scorer_with_settings_from_metadata(
    tmp_path: Path,
) -> None:
    # A grid cell fixes k and mode in code: they are in the task's metadata, not its args.
    from long_horizon_execution.evals.grid import horizon_k2_thinking

    log = run(horizon_k2_thinking(samples=3, steps=8), tmp_path / "grid", {"p": 1.0})
    report = build_report([log.location], str(tmp_path / "out"), draw=False, quiet=True)
    (result,) = report.horizon
    assert (result.row.k, result.row.mode, result.row.steps) == (2, "thinking", 8)
    assert result.row.horizon_50 == logged(log)["horizon_50"] and not report.notes


def test_samples_are_counted_as_they_stream(logs: Logs) -> None:
    header = read_header(logs.epochs.location)
    seen: list[int] = []
    samples, notes = scored_samples(header, lambda: seen.append(1))
    assert len(seen) == 12 and len(samples) == 12 and not notes  # 6 samples x 2 epochs
    assert [(s.id, s.epoch) for s in samples] == [(i, e) for i in header.sample_ids for e in (1, 2)]


def test_bad_input_fails_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert "no such log file or directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2
    assert "no Inspect logs" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_command_line_prints_where_the_report_is(logs: Logs, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    code = main([str(logs.root / "logs" / "frontier"), "--out", str(out), "--quiet"])
    assert code == 0
    assert "fails at" in (out / "frontier.md").read_text()
    assert (out / "frontier.png").exists() and not (out / "horizon.md").exists()


def test_logs_made_before_layout_and_parsing_existed_say_what_they_ran() -> None:
    def header(**fields: Any) -> LogHeader:
        base = {"path": "x.eval", "task": "horizon", "model": "m", "created": "t"}
        return LogHeader(status="success", scorer="execution_scorer", **base, **fields)

    old = header(task_args={"samples": 2}, metadata={"k": 1})
    assert old.settings == {"samples": 2, "layout": "suite", "parsing": "lenient"}
    assert variant(old) == "layout=suite, parsing=lenient"
    new = header(task_args={"samples": 2}, metadata={"layout": "paper", "parsing": "paper"})
    assert new.settings == {"samples": 2} and variant(new) == ""
    # an old log and a new one at today's defaults did not run the same thing
    assert old.setting() != new.setting()
