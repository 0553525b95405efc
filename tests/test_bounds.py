"""Every task checks the size of what it would build before building it.

Past a documented maximum it refuses in one line naming the parameter and its value, and
the refusal costs almost no memory; a build at the maximum is allowed and stays small,
quick and stoppable; the one-line error is printed once under every display.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task

from long_horizon_execution.evals.dataset import MAX_DICTIONARY_SIZE
from long_horizon_execution.evals.dataset_files import MAX_DATASET_BYTES, load_dataset_file
from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import (
    MAX_INSTANCES,
    MAX_KEYS,
    MAX_SAMPLES,
    MAX_VOTES,
    ParameterError,
)
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.single_turn import single_turn

ROOT = Path(__file__).parents[1]
INSPECT = str(Path(sys.executable).parent / "inspect")
TASKS: dict[str, Callable[..., Task]] = {
    "horizon": horizon,
    "self_conditioning": self_conditioning,
    "single_turn": single_turn,
    "frontier": frontier,
}
TEN_RATES = [rate / 10 for rate in range(10)]

HUGE: dict[str, tuple[str, dict[str, Any], str]] = {
    "samples=1000000000": ("horizon", {"samples": 10**9}, "samples"),
    "turns=10000000": ("horizon", {"turns": 10**7}, "turns"),
    "k=10000000 turns=1": ("horizon", {"k": 10**7, "turns": 1}, "k"),
    "steps=10**12": ("horizon", {"turns": None, "steps": 10**12}, "steps"),
    "k=10**30 steps=10": ("horizon", {"turns": None, "steps": 10, "k": 10**30}, "k"),
    "turns of 5,000 digits": ("horizon", {"turns": 10**5000}, "turns"),
    "votes=1000000000": ("horizon", {"votes": 10**9}, "votes"),
    "dict_size=1000000000": ("horizon", {"dict_size": 10**9}, "dict_size"),
    "target_turn=10000000": ("self_conditioning", {"target_turn": 10**7}, "target_turn"),
    "1,000 rates x 20 samples": (
        "self_conditioning",
        {"rates": [rate / 1000 for rate in range(1000)]},
        "rates",
    ),
    "first_sample=1000000000": ("single_turn", {"first_sample": 10**9}, "first_sample"),
    "single steps=10**9": ("single_turn", {"steps": 10**9}, "steps"),
    "frontier k=100000000": ("frontier", {"k": 10**8, "mode": "plain"}, "k"),
}
"""Requests that used to hang or climb past 9 GB, and others of the kind."""


@pytest.mark.parametrize("case", list(HUGE))
def test_a_huge_request_is_refused_naming_its_parameter(case: str) -> None:
    task, arguments, parameter = HUGE[case]
    with pytest.raises(ParameterError) as error:
        TASKS[task](**arguments)
    message = str(error.value)
    assert message.startswith(f"{task}: invalid parameter '{parameter}'"), message
    assert "\n" not in message and len(message) < 400, message
    assert "(got " in message, message


MEASURE = """
import json, resource, sys, time, tracemalloc
from long_horizon_execution.evals.frontier import frontier
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.evals.single_turn import single_turn

tasks = {"horizon": horizon, "self_conditioning": self_conditioning,
         "single_turn": single_turn, "frontier": frontier}
cases = json.loads(sys.stdin.readline())
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
refusals = {}
for name, (task, arguments) in cases.items():
    if "turns_digits" in arguments:
        arguments["turns"] = 10 ** arguments.pop("turns_digits")
    tracemalloc.start()
    start = time.perf_counter()
    try:
        tasks[task](**arguments)
        refused = False
    except ParameterError:
        refused = True
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    refusals[name] = {"refused": refused, "peak": peak, "seconds": seconds}
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before

# the costliest shape at the key cap: one turn per key, a list per turn in every sample
start = time.perf_counter()
task = horizon(samples=100, turns=10_000)
build = {
    "seconds": time.perf_counter() - start,
    "turns": sum(len(sample.metadata["turns"]) for sample in task.dataset),
    "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}
del task
print(json.dumps({"refusals": refusals, "grew_kib": grew, "build": build}), flush=True)
print("ready", flush=True)
while True:  # self-conditioning builds at the cap until a signal ends the process
    self_conditioning(samples=100, target_turn=10_000)
"""


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    """One process: the huge requests refused, then the costliest build at the key cap,
    then self-conditioning builds at the cap until SIGTERM, one second into a build."""
    cases = {
        name: (task, {"turns_digits": 5000} if name == "turns of 5,000 digits" else arguments)
        for name, (task, arguments, _) in HUGE.items()
    }
    process = subprocess.Popen(
        [sys.executable, "-c", MEASURE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(cases) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
        result: dict[str, Any] = json.loads(line)
        assert process.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        result["alive_before_sigterm"] = process.poll() is None
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        result["returncode"] = process.wait(timeout=30)
        result["stopped_after"] = time.monotonic() - sent
        return result
    finally:
        if process.poll() is None:
            process.kill()


def test_refusing_a_huge_request_costs_almost_no_memory_or_time(measured: dict[str, Any]) -> None:
    assert set(measured["refusals"]) == set(HUGE)
    for name, case in measured["refusals"].items():
        assert case["refused"], name
        assert case["peak"] < 2**20, (name, case)  # under 1 MiB traced
        assert case["seconds"] < 1.0, (name, case)
    assert measured["grew_kib"] < 50 * 1024  # the process grew by under 50 MiB in all


def test_the_costliest_build_at_the_key_cap_stays_small_and_quick(
    measured: dict[str, Any],
) -> None:
    build = measured["build"]
    assert build["turns"] == MAX_KEYS
    assert build["seconds"] < 20  # about 2.5 s on a loaded 2-core machine
    assert build["maxrss_kib"] < 1024 * 1024  # under 1 GiB; about 340 MiB measured


def test_sigterm_stops_a_self_conditioning_build_at_the_cap_within_seconds(
    measured: dict[str, Any],
) -> None:
    assert measured["alive_before_sigterm"]
    assert measured["returncode"] == -signal.SIGTERM
    assert measured["stopped_after"] < 5


def build(task: str, **arguments: Any) -> Task:
    return TASKS[task](**arguments)


CAPS: dict[str, tuple[Callable[[], Task], Callable[[], Task], str]] = {
    "instances": (
        lambda: build("horizon", samples=MAX_INSTANCES, turns=1),
        lambda: build("horizon", samples=MAX_INSTANCES + 1, turns=1),
        "samples",
    ),
    "single-turn instances": (
        lambda: build("single_turn", first_sample=MAX_INSTANCES - 1, samples=1, steps=2, k=1),
        lambda: build("single_turn", first_sample=MAX_INSTANCES, samples=1, steps=2, k=1),
        "first_sample",
    ),
    "keys": (
        lambda: build("horizon", samples=1, turns=None, steps=MAX_KEYS, k=MAX_KEYS // 1000),
        lambda: build("horizon", samples=1, turns=None, steps=MAX_KEYS + 1, k=MAX_KEYS // 1000),
        "steps",
    ),
    "self-conditioning samples": (
        lambda: build(
            "self_conditioning", samples=MAX_SAMPLES // 10, rates=TEN_RATES, target_turn=2
        ),
        lambda: build(
            "self_conditioning", samples=MAX_SAMPLES // 10, rates=[*TEN_RATES, 0.95], target_turn=2
        ),
        "samples",  # the larger factor
    ),
    "votes": (
        lambda: build("horizon", samples=1, turns=1, votes=MAX_VOTES),
        lambda: build("horizon", samples=1, turns=1, votes=MAX_VOTES + 1),
        "votes",
    ),
    "dictionary": (
        lambda: build("horizon", samples=1, turns=1, dict_size=MAX_DICTIONARY_SIZE),
        lambda: build("horizon", samples=1, turns=1, dict_size=MAX_DICTIONARY_SIZE + 1),
        "dict_size",
    ),
}


@pytest.mark.parametrize("cap", list(CAPS))
def test_a_build_at_the_cap_is_allowed_and_one_past_it_refused(cap: str) -> None:
    at_cap, past_cap, parameter = CAPS[cap]
    assert len(at_cap().dataset) >= 1
    with pytest.raises(ParameterError, match=f"invalid parameter '{parameter}'"):
        past_cap()


def padded_file(path: Path, size: int) -> str:
    """One good record, then spaces up to ``size`` bytes: valid JSON of that size."""
    record = b'[{"input": ["alarm", "coach"], "values": [88, -31], "output": [88, 57]}]'
    with path.open("wb") as file:
        file.write(record)
        file.write(b" " * (size - len(record)))
    return str(path)


def test_a_dataset_file_at_the_cap_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    at_cap = padded_file(tmp_path / "at_cap.json", MAX_DATASET_BYTES)
    assert len(load_dataset_file(at_cap).instances) == 1
    assert len(horizon(samples=1, turns=2, dataset_file=at_cap).dataset) == 1
    past = tmp_path / "past_cap.json"
    with past.open("wb") as file:
        file.truncate(MAX_DATASET_BYTES + 1)  # sparse: refused by its size, never read
    with pytest.raises(ParameterError, match="invalid parameter 'dataset_file'") as error:
        horizon(samples=1, turns=2, dataset_file=str(past))
    assert f"more than the {MAX_DATASET_BYTES:,}" in str(error.value)


def test_the_parameter_error_is_printed_once_to_stderr_under_every_display(
    tmp_path: Path,
) -> None:
    # Inspect prints a PrerequisiteError through its console: nothing at all under
    # --display none, and elsewhere wrapped at the terminal width with brackets read as
    # markup. Both displays run side by side.
    runs = {
        display: subprocess.Popen(
            [
                INSPECT,
                "eval",
                "long_horizon_execution/horizon",
                "-T",
                "dataset_file=missing[red].json",
            ]
            + ["--model", "simulated/executor", "--display", display]
            + ["--log-dir", str(tmp_path / display)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,  # not the checkout: its evals.egg-info hides the installed package
            env={**os.environ, "COLUMNS": "40"},  # narrower than the line, which must not wrap
        )
        for display in ("none", "plain")
    }
    for display, run in runs.items():
        stdout, stderr = run.communicate(timeout=120)
        assert run.returncode == 1, display
        assert stdout.strip() == "", display
        assert stderr.strip().splitlines() == [
            "horizon: invalid parameter 'dataset_file': no such file (got 'missing[red].json')"
        ], display
        assert not list(tmp_path.glob(f"{display}/*.eval"))
