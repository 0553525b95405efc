"""Bad input fails before any model call, with one line naming what is wrong.

One table covers task parameters and dataset files. Each case is run the way a user runs
it, through ``eval`` with a real ``openai-api`` model pointed at a local server that counts
requests: the count must stay at zero and no log may be written.
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
from inspect_ai._util.error import PrerequisiteError

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


def missing(base: Path) -> str:
    return str(base / "absent.json")


class Case(NamedTuple):
    task: str
    args: dict[str, Any]
    names: str
    """A fragment the one-line message must contain."""
    dataset: Callable[[Path], str] | None = None


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
    args = {"samples": 1, "turns": 2, **case.args} if case.task == "horizon" else dict(case.args)
    if case.dataset is not None:
        args["dataset_file"] = case.dataset(base)
    return args


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 20
    assert sum(case.dataset is not None for case in CASES.values()) >= 10


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_fails_in_one_line_before_any_model_call(
    server: FakeOpenAIServer, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    before = server.requests
    logs = tmp_path / "logs"
    with pytest.raises(PrerequisiteError) as error:
        eval(
            f"{EVALS / case.task}.py@{case.task}",  # each task has a file of its name
            task_args=arguments(case, tmp_path),
            model=MODEL,
            display="none",
            log_dir=str(logs),
        )
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{case.task}:"), message
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
            "evals/horizon",
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
