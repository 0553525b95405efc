"""Which logs the report uses: every run keeps its own row, only a retry of a run (the same
task id) supersedes it, and hostile inputs (a file as ``--out``, damaged logs, logs of a
newer task version) end in one line or a note, never a traceback."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, read_eval_log, write_eval_log

pytest.importorskip("pandas")

from long_horizon_execution.evals.frontier import frontier  # noqa: E402
from long_horizon_execution.evals.horizon import horizon  # noqa: E402
from long_horizon_execution.evals.report import cli  # noqa: E402
from long_horizon_execution.evals.report.cli import build_report, main  # noqa: E402
from long_horizon_execution.evals.report.logs import LogHeader, reason  # noqa: E402
from long_horizon_execution.evals.report.output import Report  # noqa: E402

SIM = "simulated/executor"


def run(task: Any, log_dir: Path, **kwargs: Any) -> EvalLog:
    log = inspect_eval(
        task, model=SIM, model_args={"p": 0.9}, log_dir=str(log_dir), display="none", **kwargs
    )[0]
    assert log.status == "success", log.error
    return read_eval_log(log.location)


def copy(log: EvalLog, path: Path, status: str | None = None, **spec: Any) -> Path:
    """``log`` written again to ``path`` with some of its eval spec (and its status) changed."""
    changed = log.model_copy(
        update={"eval": log.eval.model_copy(update=spec), "status": status or log.status}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_eval_log(changed, str(path))
    return path


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> EvalLog:
    return run(horizon(samples=6, turns=8), tmp_path_factory.mktemp("full"))


def report_of(*paths: Path, out: Path) -> Report:
    return build_report([str(p) for p in paths], str(out), draw=False, quiet=True)


def test_a_smoke_test_run_after_a_full_run_keeps_both_rows(full: EvalLog, tmp_path: Path) -> None:
    smoke = run(horizon(samples=6, turns=8), tmp_path / "smoke", limit=2)
    report = report_of(Path(full.location), Path(smoke.location), out=tmp_path / "out")
    rows = [result.row for result in report.horizon]
    assert sorted(row.samples for row in rows) == [2, 6]
    # the rows read alike, so each names its log
    assert {row.run for row in rows} == {Path(full.location).name, Path(smoke.location).name}
    assert any("2 runs of the same task, model and arguments" in note for note in report.notes)
    table = (tmp_path / "out" / "horizon.md").read_text()
    assert "| run |" in table and Path(smoke.location).name in table


def test_two_endpoints_serving_one_model_name_keep_their_rows(
    full: EvalLog, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    copy(full, logs / "a.eval", model_base_url="http://a:8000/v1", task_id="a")
    copy(full, logs / "b.eval", model_base_url="http://b:8000/v1", task_id="b")
    report = report_of(logs, out=tmp_path / "out")
    models = sorted(result.row.model for result in report.horizon)
    assert models == [
        "simulated/executor (p=0.9) @ http://a:8000/v1",
        "simulated/executor (p=0.9) @ http://b:8000/v1",
    ]
    # told apart by their model label: no run column needed
    assert all(result.row.run == "" for result in report.horizon)


def test_endpoints_whose_url_was_not_recorded_keep_their_rows(
    full: EvalLog, tmp_path: Path
) -> None:
    # An endpoint set by an environment variable is not in the log: two runs look alike.
    logs = tmp_path / "logs"
    copy(full, logs / "a.eval", task_id="a")
    copy(full, logs / "b.eval", task_id="b")
    report = report_of(logs, out=tmp_path / "out")
    assert sorted(result.row.run for result in report.horizon) == ["a.eval", "b.eval"]


def test_a_retry_supersedes_its_unfinished_original(full: EvalLog, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    original = copy(full, logs / "original.eval", status="error", created="2020-01-01T00:00:00")
    report = report_of(logs, Path(full.location), out=tmp_path / "out")
    (result,) = report.horizon
    assert result.row.log.endswith(Path(full.location).name)
    assert any(
        f"skipped {original} (error): a log of the same run" in note for note in report.notes
    )


def test_an_unfinished_retry_leaves_the_finished_log_reported(
    full: EvalLog, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    retry = copy(full, logs / "retry.eval", status="cancelled", created="2999-01-01T00:00:00")
    report = report_of(logs, Path(full.location), out=tmp_path / "out")
    (result,) = report.horizon
    assert result.row.log.endswith(Path(full.location).name)
    assert any(f"skipped {retry} (cancelled)" in note for note in report.notes)


def test_a_rerun_of_a_finished_run_supersedes_it_across_time_zones(
    full: EvalLog, tmp_path: Path
) -> None:
    # The same run finished twice (an eval_set rerun): the later one is used, compared as
    # times, not as text ("+02:00" written earlier than "+00:00" reads later as text).
    logs = tmp_path / "logs"
    copy(full, logs / "first.eval", created="2026-01-01T12:00:00+00:00")
    copy(full, logs / "second.eval", created="2026-01-01T13:30:00+02:00")
    report = report_of(logs, out=tmp_path / "out")
    (result,) = report.horizon
    assert result.row.log.endswith("first.eval")


def test_generate_options_say_how_alike_runs_differ(full: EvalLog, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    config = full.eval.model_generate_config.model_copy(
        update={"temperature": 0.0, "max_connections": 7}
    )
    copy(full, logs / "cold.eval", task_id="cold", model_generate_config=config)
    copy(full, logs / "default.eval", task_id="default")
    report = report_of(logs, out=tmp_path / "out")
    variants = sorted(result.row.variant for result in report.horizon)
    # temperature changes replies; max_connections only changes how requests are sent
    assert variants == ["", "temperature=0.0"]


def test_logs_of_a_newer_task_version_are_skipped_older_ones_read(
    full: EvalLog, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    newer = copy(full, logs / "newer.eval", task_id="n", task_version="99-A")
    copy(full, logs / "older.eval", task_id="o", task_version="1-A")
    report = report_of(logs, out=tmp_path / "out")
    (result,) = report.horizon
    assert result.row.log.endswith("older.eval")
    assert any(f"skipped {newer}: written by task version 99-A" in n for n in report.notes)


def test_frontier_probes_are_pooled_with_the_count_shown(tmp_path: Path) -> None:
    log = run(frontier(k=4, samples=3, mode="plain", reasoning_tokens=None), tmp_path / "f")
    logs = tmp_path / "logs"
    copy(log, logs / "one.eval", task_id="one")
    copy(log, logs / "two.eval", task_id="two")
    copy(log, logs / "elsewhere.eval", task_id="three", model_base_url="http://b/v1")
    report = report_of(logs, out=tmp_path / "out")
    pooled = {row.model: row for row in report.frontier}
    assert pooled["simulated/executor (p=0.9)"].logs == 2
    assert pooled["simulated/executor (p=0.9) @ http://b/v1"].logs == 1
    assert any("at K=4, 3 observations of instances also observed" in n for n in report.notes)
    assert "| logs pooled |" in (tmp_path / "out" / "frontier.md").read_text()


def header(**fields: Any) -> LogHeader:
    base = {"path": "x.eval", "task": "horizon", "model": "m", "created": "t", "status": "success"}
    return LogHeader(scorer="execution_scorer", **(base | fields))


def test_a_run_is_its_task_id_and_a_setting_includes_endpoint_and_options() -> None:
    assert header(task_id="a").run() == header(task_id="a", path="y.eval").run()
    assert header(task_id="a").run() != header(task_id="b").run()
    assert header(path="x.eval").run() != header(path="y.eval").run()  # no id: by file
    assert header().setting() != header(base_url="http://b").setting()
    assert header().setting() != header(generate_config={"temperature": 0}).setting()


def test_old_logs_are_read_at_their_settings_but_list_edits_never_took_them() -> None:
    """A horizon log without layout/parsing ran the suite's earlier prompts; list_edits has
    neither parameter, so its rows must not be labelled with them."""
    assert header().settings == {"layout": "suite", "parsing": "lenient"}
    assert header(task_args={"layout": "paper"}).settings["layout"] == "paper"
    assert header(task="list_edits", task_args={"k": 2}).settings == {"k": 2}


# --- hostile input ------------------------------------------------------------------------


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*argv, "--quiet", "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("horizon-report: "), err
    return err


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusals of ``--out`` come before any log is read."""

    def forbidden(path: str) -> LogHeader:
        raise AssertionError("a log was read")

    monkeypatch.setattr(cli, "read_header", forbidden)


@pytest.mark.usefixtures("no_reading")
def test_out_naming_an_existing_file_is_refused_in_one_line(
    full: EvalLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.md"
    target.write_text("keep me")
    err = refused([full.location, "--out", str(target)], capsys)
    assert f"--out {target}: a file of that name exists" in err
    assert target.read_text() == "keep me"


@pytest.mark.usefixtures("no_reading")
def test_out_beneath_a_file_or_empty_is_refused_in_one_line(
    full: EvalLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    err = refused([full.location, "--out", str(tmp_path / "file" / "sub" / "out")], capsys)
    assert "is a file, not a folder" in err
    assert "--out is empty" in refused([full.location, "--out", " "], capsys)


@pytest.mark.usefixtures("no_reading")
@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_out_in_a_read_only_folder_is_refused_in_one_line(
    full: EvalLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert "is not writable" in refused([full.location, "--out", str(locked / "o")], capsys)
    finally:
        locked.chmod(0o700)


def test_a_failing_write_is_one_line(
    full: EvalLog,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full_disk(self: Path, *args: Any, **kwargs: Any) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full_disk)
    err = refused([full.location, "--out", str(tmp_path / "out")], capsys)
    assert "cannot write the report (OSError: [Errno 28] No space left on device)" in err


def test_nothing_reportable_is_one_line_and_writes_nothing(
    full: EvalLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = tmp_path / "logs"
    copy(full, logs / "started.eval", status="started")
    (logs / "damaged.eval").write_bytes(b"not a zip file")
    err = refused([str(logs), "--out", str(tmp_path / "out")], capsys)
    assert "nothing to report: none of the 2 log files" in err
    assert "1 more notes" in err
    assert not (tmp_path / "out").exists()


def truncated_sample(log: Path, path: Path) -> Path:
    """The log with one sample's record cut short (its header still reads)."""
    with zipfile.ZipFile(log) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            target.writestr(name, data[:50] if name.startswith("samples/1_") else data)
    return path


def test_damaged_logs_are_notes_and_the_rest_is_reported(full: EvalLog, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    truncated_sample(copy(full, tmp_path / "other.eval", task_id="other"), logs / "bad.eval")
    (logs / "cut.eval").write_bytes(Path(full.location).read_bytes()[:3000])
    (logs / "notes.txt").write_text("not a log")
    (logs / "frontier.json").write_text("{}")
    # the good log given twice: as a file and inside its folder
    report = report_of(logs, Path(full.location), Path(full.location).parent, out=tmp_path / "o")
    assert len(report.horizon) == 1 and report.logs_read == 1
    notes = "\n".join(report.notes)
    assert "bad.eval: unusable samples (" in notes
    assert "cut.eval: unreadable (" in notes
    assert "notes.txt" not in notes and "frontier.json" not in notes


def test_a_report_written_into_its_log_folder_is_not_read_back(
    full: EvalLog, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    copy(full, logs / "log.eval")
    first = report_of(logs, out=logs)
    again = report_of(logs, out=logs)
    assert (logs / "horizon.csv").exists() and len(first.horizon) == len(again.horizon) == 1
    assert again.notes == []


def test_scores_of_the_wrong_shape_are_a_note(full: EvalLog, tmp_path: Path) -> None:
    samples = [
        sample.model_copy(
            update={
                "scores": {
                    name: score.model_copy(update={"value": "garbage", "metadata": {}})
                    for name, score in (sample.scores or {}).items()
                }
            }
        )
        for sample in full.samples or []
    ]
    logs = tmp_path / "logs"
    logs.mkdir()
    write_eval_log(
        full.model_copy(
            update={"samples": samples, "eval": full.eval.model_copy(update={"task_id": "g"})}
        ),
        str(logs / "garbage.eval"),
    )
    report = report_of(logs, Path(full.location), out=tmp_path / "out")
    assert len(report.horizon) == 1
    assert any("garbage.eval: unusable samples (" in note for note in report.notes)


def test_reasons_are_one_line() -> None:
    assert reason(ValueError("first\nsecond")) == "ValueError: first"
    assert reason(KeyError()) == "KeyError"
    assert len(reason(ValueError("x" * 1000))) < 220
