"""Bad input fails before any model call, with one line naming what is wrong.

One table covers task parameters and dataset files, for every task and the grid's cells.
Each case is run the way a user runs it, through ``eval`` with a real ``openai-api`` model
pointed at a local server that counts requests: the count must stay at zero and no log may
be written. The last tests cover odd inputs that are accepted, and what they do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from fake_openai_server import FakeOpenAIServer
from inspect_ai import eval
from inspect_ai._eval.loader import load_tasks
from inspect_ai._util.error import PrerequisiteError

from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.single_turn import single_turn

MODEL = "openai-api/fake/tripwire"
EVALS = Path(__file__).parents[1] / "evals"
GOOD = {"input": ["alarm", "coach"], "values": [88, -31], "output": [88, 57]}


def write(content: str | bytes) -> Callable[[Path], str]:
    """A dataset file with this content, created in the test's folder."""

    def make(folder: Path) -> str:
        path = folder / "data.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return make


def records(*rows: dict[str, Any]) -> Callable[[Path], str]:
    return write(json.dumps(list(rows)))


def authors(dictionary: dict[str, Any]) -> Callable[[Path], str]:
    """The authors' file layout with this dictionary and one good record."""
    return write(json.dumps({"dict_sum": {"dictionary": dictionary, "ground_truth_data": [GOOD]}}))


def folder(base: Path) -> str:
    return str(base)


def sparse(size: int) -> Callable[[Path], str]:
    """A file of ``size`` zero bytes that takes no room on disk."""

    def make(base: Path) -> str:
        path = base / "huge.json"
        with path.open("wb") as file:
            file.truncate(size)
        return str(path)

    return make


def record(**fields: Any) -> Callable[[Path], str]:
    """A file of GOOD with these fields replaced."""
    return records({**GOOD, **fields})


def keyed(key: str) -> Callable[[Path], str]:
    """A file whose first key is ``key``."""
    return records({**GOOD, "input": [key, "coach"]})


def missing(base: Path) -> str:
    return str(base / "absent.json")


class Case(NamedTuple):
    task: str
    """The task file (evals/TASK.py)."""
    args: dict[str, Any]
    names: str
    """A fragment the one-line message must contain."""
    dataset: Callable[[Path], str] | None = None
    cell: str | None = None
    """The task in the file, when not the file's name (the grid's cells)."""
    prefix: str | None = None
    """The task the message names, when not the file's name."""


CASES: dict[str, Case] = {
    # horizon parameters
    "samples zero": Case("horizon", {"samples": 0}, "'samples'"),
    "samples text": Case("horizon", {"samples": "ten"}, "'samples'"),
    "turns zero": Case("horizon", {"turns": 0}, "'turns'"),
    "no length": Case("horizon", {"turns": None, "steps": None}, "give turns or steps"),
    "steps negative": Case("horizon", {"steps": -3}, "'steps'"),
    "k zero": Case("horizon", {"k": 0}, "'k'"),
    "k fraction": Case("horizon", {"k": 1.5}, "'k'"),
    "mode unknown": Case("horizon", {"mode": "fancy"}, "'mode'"),
    "history unknown": Case("horizon", {"history": "everything"}, "'history'"),
    "dictionary empty": Case("horizon", {"dict_size": 0}, "'dict_size'"),
    "dictionary too big": Case("horizon", {"dict_size": 10**6}, "'dict_size'"),
    "range inverted": Case("horizon", {"value_min": 5, "value_max": 1}, "value_min"),
    "value too long": Case("horizon", {"value_max": 10**600}, "'value_max'"),
    "value past str limit": Case("horizon", {"value_min": -(10**5000)}, "'value_min'"),
    "effort unknown": Case("horizon", {"reasoning_effort": "extreme"}, "'reasoning_effort'"),
    "budget zero": Case("horizon", {"reasoning_tokens": 0}, "'reasoning_tokens'"),
    "replay text": Case("horizon", {"replay_reasoning": "yes"}, "'replay_reasoning'"),
    "seed text": Case("horizon", {"seed": "x"}, "'seed'"),
    "layout unknown": Case("horizon", {"layout": "protocol"}, "'layout'"),
    "layout not text": Case("horizon", {"layout": 1}, "'layout'"),
    # self-conditioning and single-turn parameters
    "rate above one": Case("self_conditioning", {"rates": [0.5, 1.5]}, "rate"),
    "rates repeat": Case("self_conditioning", {"rates": [0.5, 0.5]}, "repeat"),
    "target turn one": Case("self_conditioning", {"target_turn": 1}, "'target_turn'"),
    "protocol unknown": Case("self_conditioning", {"protocol": "half"}, "'protocol'"),
    "offsets unknown": Case("self_conditioning", {"offsets": "wild"}, "'offsets'"),
    "offset zero": Case("self_conditioning", {"max_offset": 0}, "'max_offset'"),
    "offset too large": Case("self_conditioning", {"max_offset": 2**62}, "'max_offset'"),
    "single value too long": Case("single_turn", {"value_max": 10**600}, "'value_max'"),
    "single steps zero": Case("single_turn", {"steps": 0}, "'steps'"),
    "frontier k zero": Case("frontier", {"k": 0}, "'k'"),
    "self-conditioning layout": Case("self_conditioning", {"layout": "Paper"}, "'layout'"),
    "single layout": Case("single_turn", {"layout": "suite "}, "'layout'"),
    "frontier layout": Case("frontier", {"layout": "fancy"}, "'layout'"),
    "parsing unknown": Case("horizon", {"parsing": "strict"}, "'parsing'"),
    "self-conditioning parsing": Case("self_conditioning", {"parsing": "Paper"}, "'parsing'"),
    "single parsing": Case("single_turn", {"parsing": 0}, "'parsing'"),
    "frontier parsing": Case("frontier", {"parsing": "loose"}, "'parsing'"),
    # dataset files
    "file missing": Case("horizon", {}, "'dataset_file': no such file", missing),
    "file is a folder": Case("horizon", {}, "'dataset_file': not a regular file", folder),
    "file empty": Case("horizon", {}, "non-empty list", write("")),
    "file not json": Case("horizon", {}, "neither JSON nor JSON lines", write("{not json")),
    "file not utf-8": Case("horizon", {}, "not UTF-8", write(b'[{"input": ["\xff"]}]')),
    "file empty list": Case("horizon", {}, "non-empty list", write("[]")),
    "self-conditioning file": Case("self_conditioning", {}, "non-empty list", write("[]")),
    "single-turn file": Case("single_turn", {}, "not an object", write("[1, 2]")),
    "frontier file": Case("frontier", {}, "frontier: ", write("[1, 2]")),
    "frontier past the file": Case(
        "frontier",
        {"k": 2, "first_sample": 1},
        "1 instances, fewer than first_sample + samples (21)",
        records(GOOD),
    ),
    "record not object": Case("horizon", {}, "not an object", write("[1, 2]")),
    "record lacks output": Case(
        "horizon", {}, "lacks output", records({"input": ["a"], "values": [1]})
    ),
    "outputs not sums": Case(
        "horizon", {}, "not running sums", records({**GOOD, "output": [88, 50]})
    ),
    "key with two values": Case(
        "horizon",
        {},
        "two values",
        records(GOOD, {"input": ["alarm"], "values": [3], "output": [3]}),
    ),
    "values not integers": Case(
        "horizon",
        {},
        "values.0: Input should be a valid integer",
        records({**GOOD, "values": ["x", "y"]}),
    ),
    "values are floats": Case(
        "horizon",
        {},
        "values.0: Input should be a valid integer",
        records({**GOOD, "values": [88.0, -31]}),
    ),
    "sums wrap in int64": Case(
        "horizon",
        {},
        "not running sums",
        records({"input": ["a", "b"], "values": [2**62, 2**62], "output": [2**62, -(2**63)]}),
    ),
    "value over 600 digits": Case(
        "horizon",
        {},
        "at most 600 digits",
        records({"input": ["a", "a"], "values": [10**600] * 2, "output": [10**600, 2 * 10**600]}),
    ),
    "number too long to read": Case(
        "horizon",
        {},
        "too long to read",
        write('[{"input": ["a"], "values": [' + "7" * 5000 + '], "output": [7]}]'),
    ),
    "lengths differ": Case("horizon", {}, "differ in length", records({**GOOD, "input": ["a"]})),
    "authors file without data": Case(
        "horizon", {}, "ground_truth_data", write('{"dict_sum": {}}')
    ),
    "authors dictionary not ints": Case(
        "horizon",
        {},
        "not a word -> int mapping",
        write(
            json.dumps({"dict_sum": {"dictionary": {"alarm": "x"}, "ground_truth_data": [GOOD]}})
        ),
    ),
    "key disagrees with dictionary": Case(
        "horizon",
        {},
        "disagrees with the dictionary",
        authors({"alarm": 1}),
    ),
    "more samples than the file": Case(
        "horizon", {"samples": 2}, "holds 1 instances", records(GOOD)
    ),
    # sizes: refused before anything is built (tests/test_bounds.py measures the cost)
    "samples huge": Case("horizon", {"samples": 10**9}, "'samples': Input should be less"),
    "turns huge": Case("horizon", {"turns": 10**7}, "'turns': samples x turns x k is"),
    "k huge": Case("horizon", {"k": 10**7, "turns": 1}, "'k': samples x turns x k is"),
    "steps huge": Case("horizon", {"turns": None, "steps": 10**12}, "'steps': samples x steps"),
    "k past steps and huge": Case("horizon", {"turns": None, "steps": 2, "k": 10**7}, "'k'"),
    "turns of 5,000 digits": Case("horizon", {"turns": 10**5000}, "integer of 5,001 digits"),
    "votes huge": Case("horizon", {"votes": 10**9}, "'votes': Input should be less"),
    "dictionary huge": Case("horizon", {"dict_size": 10**9}, "'dict_size'"),
    "target turn huge": Case("self_conditioning", {"target_turn": 10**7}, "'target_turn'"),
    "rates times samples huge": Case(
        "self_conditioning", {"rates": [r / 1000 for r in range(1000)]}, "'rates': rates x"
    ),
    "first sample huge": Case("single_turn", {"first_sample": 10**9}, "'first_sample'"),
    "single steps huge": Case("single_turn", {"steps": 10**9}, "'steps': first_sample"),
    "frontier k huge": Case("frontier", {"k": 10**8, "mode": "plain"}, "'k': first_sample"),
    "frontier samples huge": Case("frontier", {"samples": 10**6}, "'samples'"),
    "grid samples huge": Case(
        "grid", {"samples": 10**9}, "'samples'", cell="horizon_k1_plain", prefix="horizon"
    ),
    "grid turns huge": Case(
        "grid", {"turns": 10**7}, "'turns'", cell="horizon_k10_thinking", prefix="horizon"
    ),
    # negative, zero and wrongly typed values
    "samples negative": Case("horizon", {"samples": -1}, "'samples'"),
    "samples float": Case("horizon", {"samples": 2.0}, "'samples': Input should be a valid int"),
    "samples list": Case("horizon", {"samples": [1, 2]}, "'samples'"),
    "samples boolean": Case("horizon", {"samples": True}, "'samples'"),
    "turns negative": Case("horizon", {"turns": -1}, "'turns'"),
    "turns text": Case("horizon", {"turns": "fifty"}, "'turns'"),
    "k negative": Case("horizon", {"k": -2}, "'k'"),
    "votes zero": Case("horizon", {"votes": 0}, "'votes'"),
    "votes fraction": Case("horizon", {"votes": 2.5}, "'votes'"),
    "window negative": Case("horizon", {"window": -1}, "'window'"),
    "window text": Case("horizon", {"window": "all"}, "'window'"),
    "seed negative": Case("horizon", {"seed": -42}, "'seed'"),
    "seed past int64": Case("horizon", {"seed": 2**64}, "'seed'"),
    "seed fraction": Case("horizon", {"seed": 4.2}, "'seed'"),
    "dictionary negative": Case("horizon", {"dict_size": -5}, "'dict_size'"),
    "value infinite": Case("horizon", {"value_max": float("inf")}, "'value_max'"),
    "value not a number": Case("horizon", {"value_min": float("nan")}, "'value_min'"),
    "budget past 32 bits": Case("horizon", {"reasoning_tokens": 2**31}, "'reasoning_tokens'"),
    "mode a long text": Case("horizon", {"mode": "x" * 100_000}, "100,002 characters"),
    "history a list": Case("horizon", {"history": ["paper"]}, "'history'"),
    "replay a number": Case("horizon", {"replay_reasoning": 1}, "'replay_reasoning'"),
    "target turn negative": Case("self_conditioning", {"target_turn": -5}, "'target_turn'"),
    "rates empty": Case("self_conditioning", {"rates": []}, "'rates'"),
    "rates text": Case("self_conditioning", {"rates": "half"}, "'rates.0'"),
    "rate not a number": Case("self_conditioning", {"rates": [float("nan")]}, "rate"),
    "rate negative": Case("self_conditioning", {"rates": [-0.1]}, "rate"),
    "offset negative": Case("self_conditioning", {"max_offset": -1}, "'max_offset'"),
    "first sample negative": Case("single_turn", {"first_sample": -1}, "'first_sample'"),
    "output limit zero": Case("single_turn", {"max_tokens": 0}, "'max_tokens'"),
    "output limit past 32 bits": Case("single_turn", {"max_tokens": 2**40}, "'max_tokens'"),
    "grid seed negative": Case(
        "grid", {"seed": -1}, "'seed'", cell="horizon_k2_thinking", prefix="horizon"
    ),
    # thinking settings in a mode that sends none (a task's own defaults are not refused)
    "effort in plain mode": Case(
        "horizon", {"mode": "plain", "reasoning_effort": "high"}, "'reasoning_effort': mode plain"
    ),
    "budget in cot mode": Case(
        "horizon", {"mode": "cot", "reasoning_tokens": 1000}, "'reasoning_tokens': mode cot"
    ),
    "self-conditioning effort in plain mode": Case(
        "self_conditioning", {"reasoning_effort": "low"}, "'reasoning_effort'"
    ),
    "single-turn budget in plain mode": Case(
        "single_turn", {"reasoning_tokens": 500}, "'reasoning_tokens'"
    ),
    "frontier effort in plain mode": Case(
        "frontier", {"mode": "plain", "reasoning_effort": "high"}, "'reasoning_effort'"
    ),
    # dataset files: keys that would make a prompt ambiguous
    "key holds the separator": Case("horizon", {}, "holds ', '", keyed("al, rm")),
    "key holds a line break": Case("horizon", {}, "line break", keyed("al\nrm")),
    "key holds a colon and space": Case("horizon", {}, "holds ', ' or ': '", keyed("al: rm")),
    "key empty": Case("horizon", {}, "the key '' is empty", keyed("")),
    "key padded": Case("horizon", {}, "white space", keyed(" alarm")),
    "key an example word": Case("horizon", {}, "worked examples", keyed("kiwi")),
    "authors key with the separator": Case(
        "horizon", {}, "the key 'x, y'", authors({"alarm": 88, "coach": -31, "x, y": 3})
    ),
    # dataset files: values and ids of the wrong kind
    "value a boolean": Case(
        "horizon",
        {},
        "values.0: Input should be a valid integer",
        record(values=[True, False], output=[1, 1]),
    ),
    "value a numeric string": Case(
        "horizon", {}, "values.0: Input should be a valid integer", record(values=["88", -31])
    ),
    "authors value a boolean": Case(
        "horizon", {}, "not a word -> int mapping", authors({"alarm": 88, "coach": -31, "x": True})
    ),
    "id a string": Case("horizon", {}, "id: Input should be a valid integer", record(id="7")),
    "id fractional": Case("horizon", {}, "id: Input should be a valid integer", record(id=1.5)),
    "id a boolean": Case("horizon", {}, "id: Input should be a valid integer", record(id=True)),
    "id negative": Case("horizon", {}, "id: Input should be greater than", record(id=-1)),
    "id past int64": Case("horizon", {}, "id: Input should be less than", record(id=2**64)),
    "ids repeat": Case(
        "horizon", {}, "record 1 repeats id 3", records({**GOOD, "id": 3}, {**GOOD, "id": 3})
    ),
    "instance empty": Case(
        "horizon", {}, "at least 1 item", records({"input": [], "values": [], "output": []})
    ),
    # dataset files: not JSON, too large, or shaped wrong
    "file binary": Case("horizon", {}, "not UTF-8", write(bytes(range(256)))),
    "file binary but UTF-8": Case("horizon", {}, "neither JSON", write(b"\x00\x01PNG\x00")),
    "file too large": Case(
        "horizon", {}, "'dataset_file': 134,217,729 bytes, more than", sparse(2**27 + 1)
    ),
    "file with trailing text": Case(
        "horizon", {}, "neither JSON", write(json.dumps([GOOD]) + " and more")
    ),
    "file with a bad line": Case("horizon", {}, "(line 2)", write(json.dumps(GOOD) + "\n{oops\n")),
    "authors dict_sum not an object": Case(
        "horizon", {}, "dict_sum is not an object", write('{"dict_sum": []}')
    ),
    "authors data not a list": Case(
        "horizon", {}, "not a list", write('{"dict_sum": {"ground_truth_data": {}}}')
    ),
    "single-turn past the file": Case(
        "single_turn",
        {"first_sample": 1, "samples": 1, "steps": 2, "k": 1},
        "1 instances, fewer than first_sample + samples (2)",
        records(GOOD),
    ),
    "self-conditioning turns past the file": Case(
        "self_conditioning", {"samples": 1, "target_turn": 5}, "'target_turn'", records(GOOD)
    ),
    "more steps than the file": Case(
        "horizon", {"steps": 3}, "'steps': instance 0 of", records(GOOD)
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as running, pytest.MonkeyPatch.context() as patch:
        for name, value in running.environment().items():
            patch.setenv(name, value)
        yield running


def arguments(case: Case, base: Path) -> dict[str, Any]:
    small = case.task in ("horizon", "grid")
    args = {"samples": 1, "turns": 2, **case.args} if small else dict(case.args)
    if case.dataset is not None:
        args["dataset_file"] = case.dataset(base)
    return args


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 120
    assert sum(case.dataset is not None for case in CASES.values()) >= 40
    assert {case.task for case in CASES.values()} == {
        "horizon",
        "self_conditioning",
        "single_turn",
        "frontier",
        "grid",
    }


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_fails_in_one_line_before_any_model_call(
    server: FakeOpenAIServer, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    before = server.requests
    logs = tmp_path / "logs"
    with pytest.raises(PrerequisiteError) as error:
        eval(
            f"{EVALS / case.task}.py@{case.cell or case.task}",
            task_args=arguments(case, tmp_path),
            model=MODEL,
            display="none",
            log_dir=str(logs),
        )
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{case.prefix or case.task}:"), message
    assert len(message) < 600, message
    assert case.names in message, message
    assert server.requests == before  # the model was never called
    assert not list(logs.glob("*.eval"))  # and no run was started


def test_command_line_prints_one_line_for_a_bad_dataset_file(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    path = records({**GOOD, "output": [88, 50]})(tmp_path)
    before = server.requests
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "inspect"),
            "eval",
            "long_horizon_execution/horizon",
            "-T",
            f"dataset_file={path}",
            "--model",
            MODEL,
            "--log-dir",
            str(tmp_path / "logs"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, **server.environment(), "COLUMNS": "400"},
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].strip() == f"horizon: {path}: record 0 has outputs that are not running sums"
    assert "Traceback" not in output
    assert server.requests == before


# Inputs that are accepted, and what they do.


def test_an_unknown_task_argument_is_noted_and_the_run_goes_on(
    tmp_path: Path, inspect_warnings: pytest.LogCaptureFixture
) -> None:
    # Inspect, not the task, sees -T names: several tasks may share one command line, each
    # taking its own, so an unknown name is a warning, not a refusal.
    log = eval(
        f"{EVALS / 'horizon'}.py@horizon",
        task_args={"samples": 1, "turns": 1, "sampels": 5},
        model="simulated/executor",
        display="none",
        log_dir=str(tmp_path),
    )[0]
    assert log.status == "success"
    assert len(log.samples or []) == 1  # the misspelt value was not used
    assert "param 'sampels' not used by task" in inspect_warnings.text


@pytest.mark.parametrize("window", [0, 10**30])
def test_a_window_of_none_or_of_more_turns_than_exist_runs(tmp_path: Path, window: int) -> None:
    log = eval(
        horizon(samples=1, turns=3, window=window),
        model="simulated/executor",
        model_args={"p": 1.0},
        display="none",
        log_dir=str(tmp_path),
    )[0]
    assert log.status == "success"
    sample = (log.samples or [])[0]
    assert sample.error is None
    assert sample.scores is not None


def test_steps_that_are_not_a_multiple_of_k_end_on_a_shorter_turn() -> None:
    task = horizon(samples=1, turns=None, steps=7, k=2)
    sample = task.dataset[0]
    assert sample.metadata is not None
    assert [len(turn) for turn in sample.metadata["turns"]] == [2, 2, 2, 1]
    assert task.metadata is not None and task.metadata["turns"] == 4
    single = single_turn(samples=1, steps=7, k=2)
    assert len(single.dataset[0].target) == 4  # a total after every 2 keys and at the end


def test_the_grid_sends_reasoning_settings_to_its_thinking_cells_only(
    inspect_warnings: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EVALS.parent)  # Inspect takes a task file relative to the directory
    tasks = load_tasks(["evals/grid.py"], {"samples": 1, "turns": 1, "reasoning_effort": "high"})
    assert len(tasks) == 8
    assert inspect_warnings.text.count("param 'reasoning_effort' not used by task") == 4
    efforts = {
        task.metadata["mode"]: task.config.reasoning_effort  # type: ignore[index]
        for task in tasks
    }
    assert efforts == {"plain": None, "thinking": "high"}


def test_explicit_ids_in_any_order_name_the_samples(tmp_path: Path) -> None:
    path = records({**GOOD, "id": 7}, {**GOOD, "id": 3})(tmp_path)
    task = horizon(samples=2, turns=2, dataset_file=path)
    assert [sample.id for sample in task.dataset] == [7, 3]


def test_a_task_default_for_thinking_is_not_refused_in_another_mode() -> None:
    # The frontier task's 32,000-token budget is its thinking default: -T mode=plain alone
    # must not be refused for it, though an explicit effort is.
    task = frontier(k=2, samples=1, mode="plain")
    assert task.config.reasoning_tokens is None  # plain mode sends no reasoning settings
    with pytest.raises(ParameterError, match="'reasoning_effort'"):
        frontier(k=2, samples=1, mode="plain", reasoning_effort="high")
